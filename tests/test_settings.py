"""Environment defaults live in one place, `claimrec.settings.DEFAULTS`; the Makefile exports the same list."""

from __future__ import annotations

import re

from claimrec import settings
from support import ROOT


def test_the_makefile_exports_the_same_defaults() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    exported = dict(re.findall(r"^export (\w+) \?= (\S+)$", makefile, flags=re.M))
    assert exported == settings.DEFAULTS


def test_defaults_never_override_what_is_set() -> None:
    environ = {"TQDM_DISABLE": "0", "HOME": "/home/someone"}
    settings.apply_defaults(environ)
    assert environ == {**settings.DEFAULTS, "TQDM_DISABLE": "0", "HOME": "/home/someone"}
