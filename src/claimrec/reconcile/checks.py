"""The checks of reconciliation, in the order they run. `CHECKS` is the one list of them.

Each check is one SQL file of this package (`sql/<name>.sql`), named after what it establishes, made of
named statements (`-- statement: <name>`) that the runner executes one at a time. A check may read what
earlier checks left in temporary tables (its header says which); the runner drops them all at the end.

Adding a kind of finding takes: a check file that inserts the findings, an entry here, an entry in
`kinds.FINDING_KINDS`, and a case file under `tests/cases/reconcile/` (see docs/reconciliation.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class Check:
    """One check: its name and the SQL file it runs (by default `sql/<name>.sql` of this package)."""

    name: str
    path: Path | None = None

    @property
    def sql_path(self) -> Path:
        return self.path or SQL_DIR / f"{self.name}.sql"

    @property
    def text(self) -> str:
        return self.sql_path.read_text(encoding="utf-8")


CHECKS: tuple[Check, ...] = (
    Check("quantities"),
    Check("disjoint_claims"),
    Check("containment"),
    Check("part_sums"),
    Check("implied_bounds"),
    Check("part_exceeds_whole"),
    Check("sums_against_wholes"),
    Check("cumulative_series"),
)
"""Every check, in the order it runs: quantities and their bounds first, then the relations between them."""
