"""Helpers shared by the tests (imported as `support`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "claims"
MINI = Path(__file__).resolve().parent / "cases" / "mini"

EXTRA_CLAIM = """  - id: new-one
    source: ngo
    quote: Hundreds were wounded
    metric: wounded
    side: side_b
    category: all
    period: 2019
    value: 250
    qualifier: approximately
"""
"""One more valid claim for the mini claims file (tests/cases/mini/claims.yaml), to append to it."""


def snapshot(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under the given paths (missing paths give no entries)."""
    out = {}
    for base in paths:
        if base.is_file():
            files = [base]
        elif base.exists():
            files = sorted(p for p in base.rglob("*") if p.is_file())
        else:
            files = []
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out
