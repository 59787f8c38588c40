"""The DuckDB store: a run builds a new database file beside the published one and publishes it
with one atomic rename, carrying the history tables (runs, validations) over from the old file.

Readers that have the old file open keep their snapshot; a run that fails or is killed leaves the
published file untouched (README, "How a run writes").
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from claimrec.errors import CheckFailed, StoreError
from claimrec.model import ClaimSet, arrow_batches
from claimrec.reconcile import Timing, run_checks, thresholds

SQL_DIR = Path(__file__).parent / "sql"
REFERENCE_TABLES = ("documents", "sources", "units", "taxonomy", "qualifiers")
HISTORY_TABLES = ("runs", "validations", "claim_versions", "finding_history", "statement_timings")
ROW_GROUP = 122_880
"""Rows in a DuckDB row group: the size of the batches the claims are loaded in."""
BUILD_MEMORY = "500MB"
"""DuckDB's memory limit while a run writes the claims into its new file. DuckDB keeps the blocks it has written
in its buffer pool, up to its limit (by default 80 % of the machine's memory); under this limit it lets them
go once they are on disk, so a large load peaks lower, and no slower (docs/performance.md). What does not fit
goes to a temporary folder beside the file, but for what DuckDB holds whole: the lookup of the claims' distinct
subjects, which outgrows the limit when there are millions of them (`build` then loads again without it)."""


def sql(name: str) -> str:
    """The text of `src/claimrec/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def building_path(db_path: Path, run_id: str) -> Path:
    """Where a run builds its new database before publishing it."""
    return db_path.with_name(f".{db_path.name}.{run_id}.building")


def _connect(path: Path, read_only: bool = False, claims: int | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the database file `path`, on one thread when it holds fewer claims than a row group:
    `claims` when given (a file being loaded), else the number in its `claims` table.

    DuckDB shares a statement's work out among its threads by row group, so with less than one a second thread
    has nothing to take and the hand-over only costs: one thread loads and reconciles such a file faster, alone
    and beside a Prefect server (docs/performance.md)."""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
        if claims is None:
            row = con.execute(
                "SELECT estimated_size FROM duckdb_tables()"
                " WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'claims'"
            ).fetchone()
            claims = row[0] if row else None
        if claims is not None and claims < ROW_GROUP:
            con.execute("SET threads = 1")
        return con
    except duckdb.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from exc


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to write into a database being built (see `_connect` for its threads)."""
    return _connect(path)


def build(
    claimset: ClaimSet, validations: pl.DataFrame, db_path: Path, building: Path, claims: pl.DataFrame | None = None
) -> None:
    """Write the claims (by default the claim set's), reference data, this run's validations and the carried
    history into `building`, under DuckDB's memory limit `BUILD_MEMORY`; a load that needs more than the limit
    at once (one of millions of distinct subjects: its lookup is held whole) is written again without it."""
    try:
        try:
            _write(claimset, validations, db_path, building, claims, BUILD_MEMORY)
        except duckdb.OutOfMemoryException:
            _write(claimset, validations, db_path, building, claims, None)
    except duckdb.Error as exc:
        raise StoreError(f"{building}: loading the claims failed: {exc}") from exc


def _write(
    claimset: ClaimSet,
    validations: pl.DataFrame,
    db_path: Path,
    building: Path,
    claims: pl.DataFrame | None,
    memory: str | None,
) -> None:
    discard(building)
    con = _connect(building, claims=claimset.n_claims if claims is None else claims.height)
    try:
        if memory is not None:
            con.execute(f"SET memory_limit = '{memory}'")
        previous = attach_previous(con, db_path)
        con.execute("BEGIN TRANSACTION")
        load_into(con, claimset, claims)
        if previous:
            carry_history(con)
        _insert(con, "validations", validations)
        con.execute("COMMIT")
        if previous:
            con.execute("DETACH previous")
    finally:
        con.close()


def load_into(con: duckdb.DuckDBPyConnection, claimset: ClaimSet, claims: pl.DataFrame | None = None) -> None:
    """Create the schema on `con` and load the reference data and the claims (by default the claim set's)."""
    con.execute(sql("schema"))
    con.execute(sql("macros"))
    thresholds.apply(con)
    con.execute(sql("views"))
    for table in REFERENCE_TABLES:
        _insert(con, table, claimset.table(table))
    con.execute(sql("taxonomy_paths"))
    # DuckDB reads the batches on all its threads (the order of the rows is not kept: see claims.sql)
    frame = claimset.claims_frame() if claims is None else claims
    con.register("incoming", arrow_batches(frame, ROW_GROUP))
    try:
        con.execute(sql("claims"))
    finally:
        con.unregister("incoming")


def reconcile_into(con: duckdb.DuckDBPyConnection) -> list[Timing]:
    """Run the reconciliation checks (`claimrec.reconcile.CHECKS`) on loaded claims and write their results
    into the file; return each statement's time."""
    return run_checks(con)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming", frame.to_arrow())
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
    finally:
        con.unregister("incoming")


def attach_previous(con: duckdb.DuckDBPyConnection, db_path: Path) -> bool:
    if not db_path.exists():
        return False
    try:
        quoted = str(db_path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS previous (READ_ONLY)")
    except duckdb.Error as exc:
        raise StoreError(
            f"{db_path}: cannot read the previous database to carry its history over: {exc}."
            " Move the file away to start a new history."
        ) from exc
    return True


def carry_history(con: duckdb.DuckDBPyConnection) -> None:
    """Copy every history table the previous file has, column by column where both have the column."""
    for table in HISTORY_TABLES:
        old = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'previous' AND table_name = ?", [table]
            ).fetchall()
        }
        new = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        columns = ", ".join(f'"{c}"' for c in new if c in old)
        if columns:
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM previous.{table}")


def reconcile(building: Path, run_id: str | None = None) -> dict[str, int]:
    """Run the reconciliation checks in the database being built, then record the history of `run_id`
    (claim versions, findings new and resolved, each statement's time) when one is given; return row counts."""
    con = _connect(building)
    try:
        timings = reconcile_into(con)
        if run_id is not None:
            con.execute("SET VARIABLE run_id = ?", [run_id])
            con.execute(sql("history"))
            con.executemany(
                "INSERT INTO statement_timings VALUES (?, ?, ?, ?, ?)",
                [(run_id, n, t.check, t.statement, t.seconds) for n, t in enumerate(timings, start=1)],
            )
        return counts(con)
    except CheckFailed as exc:
        raise StoreError(f"{building}: {exc}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"{building}: reconciliation failed: {exc}") from exc
    finally:
        con.close()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("claims", "sources", "quantities", "findings")
    }


def publish(building: Path, db_path: Path, run_row: dict, noticed: list[dict] | None = None) -> None:
    """Record the run in the new file, with the `runs` rows of earlier runs it noticed had failed (those not
    recorded yet; `claimrec.runs.markers.abandoned_row`), then put the file in place of the published one in
    one rename."""
    rows = [run_row] + list(noticed or [])
    con = _connect(building)
    try:
        columns = ", ".join(f'"{c}"' for c in run_row)
        marks = ", ".join("?" for _ in run_row)
        for row in rows:
            if not con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [row["run_id"]]).fetchone()[0]:
                con.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", [row[c] for c in run_row])
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise StoreError(f"{building}: recording the run failed: {exc}") from exc
    finally:
        con.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(building, db_path)


def discard(building: Path) -> None:
    """Remove a database that was being built, its write-ahead log and the folder DuckDB spills to when a
    step does not fit its memory limit (`BUILD_MEMORY`; DuckDB removes it on close, a killed run leaves it)."""
    for path in (building, building.with_name(building.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(building.with_name(building.name + ".tmp"), ignore_errors=True)


def read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published database."""
    if not db_path.exists():
        raise StoreError(f"{db_path}: no database yet; run `claimrec run` first")
    return _connect(db_path, read_only=True)
