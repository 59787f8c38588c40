"""Runs the checks: each named statement on its own, timed, with any error naming its check and statement.

Each statement commits on its own: the database is private to its run until it is published (a run that
fails discards it), and DuckDB plans joins over committed tables far better than over rows written earlier
in the same open transaction. The commits go to the write-ahead log (the checkpoint threshold is raised
while the checks run) and one checkpoint at the end writes every table once."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import duckdb

from claimrec.errors import CheckFailed
from claimrec.reconcile import thresholds as config
from claimrec.reconcile.checks import CHECKS, Check
from claimrec.reconcile.kinds import CHECK_KINDS, FINDING_KINDS, Kind

_STATEMENT = re.compile(r"^-- statement: ([a-z_][a-z0-9_]*)[ \t]*$", re.M)


@dataclass(frozen=True)
class Timing:
    """How long one statement of one check took."""

    check: str
    statement: str
    seconds: float


def statements(check: Check) -> list[tuple[str, str]]:
    """The named statements of a check, in order, as (name, SQL); the text before the first is its header."""
    parts = _STATEMENT.split(check.text)
    named = list(zip(parts[1::2], parts[2::2]))
    if not named:
        raise CheckFailed(check.name, None, f"{check.sql_path} has no '-- statement: <name>' line")
    seen = [name for name, _ in named]
    repeated = sorted({n for n in seen if seen.count(n) > 1})
    if repeated:
        raise CheckFailed(check.name, repeated[0], f"{check.sql_path} names the statement twice")
    return named


def run_checks(
    con: duckdb.DuckDBPyConnection,
    checks: tuple[Check, ...] = CHECKS,
    finding_kinds: tuple[Kind, ...] = FINDING_KINDS,
    thresholds: config.Thresholds = config.THRESHOLDS,
) -> list[Timing]:
    """Run `checks` in order on loaded claims, then write the results into the file in one checkpoint;
    return each statement's time. The vocabulary of finding and check kinds is written first, into
    `finding_kinds` and `check_kinds`."""
    planned = [(check, statements(check)) for check in checks]
    config.apply(con, thresholds)
    write_kinds(con, finding_kinds)
    before = _temporary_tables(con)
    timings: list[Timing] = []
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        for check, named in planned:
            for name, text in named:
                started = time.perf_counter()
                try:
                    con.execute(text)
                except duckdb.Error as exc:
                    raise CheckFailed(check.name, name, str(exc)) from exc
                timings.append(Timing(check.name, name, time.perf_counter() - started))
        for table in sorted(_temporary_tables(con) - before):
            con.execute(f'DROP TABLE temp.main."{table}"')
        started = time.perf_counter()
        con.execute("CHECKPOINT")
        timings.append(Timing("(all)", "checkpoint", time.perf_counter() - started))
    finally:
        con.execute("RESET checkpoint_threshold")
    return timings


def write_kinds(con: duckdb.DuckDBPyConnection, finding_kinds: tuple[Kind, ...] = FINDING_KINDS) -> None:
    """Replace the rows of `finding_kinds` and `check_kinds` with the vocabulary, in order."""
    for table, kinds in (("finding_kinds", finding_kinds), ("check_kinds", CHECK_KINDS)):
        con.execute(f"DELETE FROM {table}")
        con.executemany(
            f"INSERT INTO {table} (kind, position, description) VALUES (?, ?, ?)",
            [(k.name, number, k.description) for number, k in enumerate(kinds, start=1)],
        )


def _temporary_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
