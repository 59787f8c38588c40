"""The environment claimrec runs in: defaults for the libraries it drives, set in one place.

The CLI, the Prefect flow, `claimrec serve` (and the processes it starts, which inherit the environment) and
the tests call `apply_defaults()` before importing Prefect or Great Expectations, which read these settings
when imported. A value already in the environment wins. The Makefile exports the same defaults for the
processes it starts (a test checks that its list is this one).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

DEFAULTS: dict[str, str] = {
    # Offline, Prefect's server logs an error for each telemetry report it cannot send.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Prefect's default cache policy hashes every task's inputs even when results are not kept, a cost that grows
    # with the frames a task is given; and a DuckDB connection cannot be hashed at all (an error in the log).
    "PREFECT_TASKS_DEFAULT_NO_CACHE": "true",
    # Great Expectations would send usage reports.
    "GX_ANALYTICS_ENABLED": "False",
    # No progress bars (Great Expectations draws them while it validates) in the command's or the flow's output.
    "TQDM_DISABLE": "1",
}
"""Environment variables claimrec sets unless they are set already, with their values."""


def apply_defaults(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set each of `DEFAULTS` in `environ` (the process's environment) that is not set there yet."""
    for name, value in DEFAULTS.items():
        environ.setdefault(name, value)
