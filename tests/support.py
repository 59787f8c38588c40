"""Helpers shared by the tests (imported as `support`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

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


def claims_yaml(rows: list[tuple]) -> str:
    """A claim file for the mini folder from rows of (id, source, metric, side, category, period, figure),
    where `figure` holds the remaining fields separated by ';' ("value: 10; qualifier: exact")."""
    lines = ["document: report", "claims:"]
    for claim_id, source, metric, side, category, period, figure in rows:
        lines += [
            f"  - id: {claim_id}",
            f"    source: {source}",
            "    quote: Hundreds were wounded",
            f"    metric: {metric}",
            f"    side: {side}",
            f"    category: {category}",
            f"    period: {period}",
        ]
        lines += [f"    {part.strip()}" for part in figure.split(";") if part.strip()]
    return "\n".join(lines) + "\n"


def reconciled(folder: Path) -> duckdb.DuckDBPyConnection:
    """Parse a claims folder and reconcile it in an in-memory database."""
    from claimrec import load, store

    con = duckdb.connect()
    store.load_into(con, load.load_claims(folder))
    store.reconcile_into(con)
    return con
