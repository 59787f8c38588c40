"""The DuckDB store: a run builds a new database file beside the published one and publishes it
with one atomic rename, carrying the history tables (runs, validations) over from the old file.

Readers that have the old file open keep their snapshot; a run that fails or is killed leaves the
published file untouched (README, "How a run writes").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from claimrec.errors import StoreError
from claimrec.model import ClaimSet

SQL_DIR = Path(__file__).parent / "sql"
REFERENCE_TABLES = ("documents", "sources", "units", "taxonomy", "qualifiers")
HISTORY_TABLES = ("runs", "validations", "claim_versions", "finding_history")


def sql(name: str) -> str:
    """The text of `src/claimrec/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def building_path(db_path: Path, run_id: str) -> Path:
    """Where a run builds its new database before publishing it."""
    return db_path.with_name(f".{db_path.name}.{run_id}.building")


def marker_path(db_path: Path, run_id: str) -> Path:
    """The file that says a run is under way; one left behind is the mark of a run that was killed."""
    return db_path.with_name(f".{db_path.name}.{run_id}.running")


def abandoned_runs(db_path: Path) -> list[dict]:
    """Runs that left their marker behind (killed or crashed), oldest first, with when they were last seen.

    Only call this while holding the writer lock: then no other run is under way."""
    prefix, suffix = f".{db_path.name}.", ".running"
    found = []
    for marker in sorted(db_path.parent.glob(f"{prefix}*{suffix}")):
        run_id = marker.name[len(prefix) : -len(suffix)]
        traces = [p for p in (marker, building_path(db_path, run_id)) if p.exists()]
        found.append({"run_id": run_id, "last_seen": max(p.stat().st_mtime for p in traces)})
    return found


def forget_abandoned(db_path: Path, run_ids: list[str]) -> None:
    """Remove what abandoned runs left behind, once they are recorded."""
    for run_id in run_ids:
        discard(building_path(db_path, run_id))
        marker_path(db_path, run_id).unlink(missing_ok=True)


@contextlib.contextmanager
def writer_lock(db_path: Path, wait_seconds: float = 600.0) -> Iterator[None]:
    """Hold the single-writer lock of a database; a second run waits for it, then gives up clearly."""
    lock_path = db_path.with_name(f".{db_path.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{db_path}: another claimrec run has held the writer lock for {wait_seconds:.0f} s;"
                        f" wait for it to finish (lock file {lock_path})"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from exc


def build(claimset: ClaimSet, validations: pl.DataFrame, db_path: Path, building: Path,
          claims: pl.DataFrame | None = None) -> None:  # fmt: skip
    """Write the claims (by default the claim set's), reference data, this run's validations and the carried
    history into `building`."""
    building.unlink(missing_ok=True)
    con = _connect(building)
    try:
        previous = _attach_previous(con, db_path)
        con.execute("BEGIN TRANSACTION")
        load_into(con, claimset, claims)
        if previous:
            _carry_history(con)
        _insert(con, "validations", validations)
        con.execute("COMMIT")
        if previous:
            con.execute("DETACH previous")
    except duckdb.Error as exc:
        raise StoreError(f"{building}: loading the claims failed: {exc}") from exc
    finally:
        con.close()


def load_into(con: duckdb.DuckDBPyConnection, claimset: ClaimSet, claims: pl.DataFrame | None = None) -> None:
    """Create the schema on `con` and load the reference data and the claims (by default the claim set's)."""
    con.execute(sql("schema"))
    con.execute(sql("macros"))
    con.execute(sql("views"))
    for table in REFERENCE_TABLES:
        _insert(con, table, claimset.table(table))
    con.execute(sql("taxonomy_paths"))
    _insert(con, "claims", claimset.claims_frame() if claims is None else claims)


def reconcile_into(con: duckdb.DuckDBPyConnection) -> None:
    """Run the reconciliation SQL (intervals, quantities, relations, findings) on loaded claims."""
    con.execute(sql("reconcile"))
    con.execute(sql("relations"))


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming", frame)
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
    finally:
        con.unregister("incoming")


def _attach_previous(con: duckdb.DuckDBPyConnection, db_path: Path) -> bool:
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


def _carry_history(con: duckdb.DuckDBPyConnection) -> None:
    """Copy every history table the previous file has, column by column where both have the column."""
    for table in HISTORY_TABLES:
        old = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'previous' AND table_name = ?", [table]
        ).fetchall()}  # fmt: skip
        new = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        columns = ", ".join(f'"{c}"' for c in new if c in old)
        if columns:
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM previous.{table}")


def reconcile(building: Path, run_id: str | None = None) -> dict[str, int]:
    """Run the reconciliation SQL in the database being built, then record the history of `run_id`
    (claim versions, findings new and resolved) when one is given; return row counts."""
    con = _connect(building)
    try:
        con.execute("BEGIN TRANSACTION")
        reconcile_into(con)
        if run_id is not None:
            con.execute("SET VARIABLE run_id = ?", [run_id])
            con.execute(sql("history"))
        con.execute("COMMIT")
        return counts(con)
    except duckdb.Error as exc:
        raise StoreError(f"{building}: reconciliation failed: {exc}") from exc
    finally:
        con.close()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("claims", "sources", "quantities", "findings", "checks")
    }


def publish(building: Path, db_path: Path, run_row: dict, abandoned: list[dict] | None = None) -> None:
    """Record the run (and the abandoned runs it noticed, as failed) in the new file, then put it in place
    of the published one in one rename."""
    rows = [run_row] + [_abandoned_row(a, run_row) for a in abandoned or []]
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


def _abandoned_row(abandoned: dict, noticed_by: dict) -> dict:
    run_id = abandoned["run_id"]
    try:
        started = dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%S")
    except ValueError:
        started = dt.datetime.fromtimestamp(abandoned["last_seen"], dt.UTC).replace(tzinfo=None)
    last_seen = dt.datetime.fromtimestamp(abandoned["last_seen"], dt.UTC).replace(tzinfo=None)
    return {
        **{k: 0 for k in noticed_by if k.startswith("n_")},
        "run_id": run_id, "flow_run_id": None, "started_at": started, "finished_at": max(started, last_seen),
        "status": "failed", "input_digest": "unknown", "claims_dir": "unknown",
        "error": f"stopped before publishing (killed or crashed); noticed by run {noticed_by['run_id']}",
    }  # fmt: skip


def discard(building: Path) -> None:
    """Remove a database that was being built (and its write-ahead log)."""
    for path in (building, building.with_name(building.name + ".wal")):
        path.unlink(missing_ok=True)


def read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published database."""
    if not db_path.exists():
        raise StoreError(f"{db_path}: no database yet; run `claimrec run` first")
    return _connect(db_path, read_only=True)
