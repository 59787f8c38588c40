"""The DuckDB store: a run builds a new database file beside the published one and publishes it
with one atomic rename, carrying the history tables (runs, validations) over from the old file.

Readers that have the old file open keep their snapshot; a run that fails or is killed leaves the
published file untouched (README, "How a run writes").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl

from claimrec.errors import StoreError, WriterBusy
from claimrec.model import ClaimSet, arrow_batches

SQL_DIR = Path(__file__).parent / "sql"
REFERENCE_TABLES = ("documents", "sources", "units", "taxonomy", "qualifiers")
HISTORY_TABLES = ("runs", "validations", "claim_versions", "finding_history")
ROW_GROUP = 122_880
"""Rows in a DuckDB row group: the size of the batches the claims are loaded in."""
BUILD_MEMORY = "500MB"
"""DuckDB's memory limit while a run writes the claims into its new file. DuckDB keeps the blocks it has written
in its buffer pool, up to its limit (by default 80 % of the machine's memory); under this limit it lets them
go once they are on disk. Loading 10^7 claims then peaked at 3.2 GB instead of 4.0 GB, in the same time
(256 MB: 3.0 GB). What does not fit goes to a temporary folder beside the file, but for what DuckDB holds whole:
the lookup of the claims' distinct subjects, which took more than 100 MB for 10^6 of them (`build` then loads
again without the limit)."""
LOCK_WAIT_SECONDS = 600.0
"""How long a run waits by default for the run holding the writer lock to finish."""


def sql(name: str) -> str:
    """The text of `src/claimrec/sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def building_path(db_path: Path, run_id: str) -> Path:
    """Where a run builds its new database before publishing it."""
    return db_path.with_name(f".{db_path.name}.{run_id}.building")


def marker_path(db_path: Path, run_id: str) -> Path:
    """The file that says a run is under way. A run that fails writes why into it and leaves it behind; one
    left empty or without a reason is the mark of a run that was killed."""
    return db_path.with_name(f".{db_path.name}.{run_id}.running")


def write_marker(db_path: Path, run_id: str, info: dict) -> None:
    """Write what is known of a run (when it started, its flow run, and once it failed, where and why) into its
    marker, as JSON."""
    text = json.dumps(info, default=str, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    marker_path(db_path, run_id).write_text(text, encoding="utf-8")


def read_marker(path: Path) -> dict:
    """What a marker says; {} when it is empty or was cut short (its run was killed while writing it)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def abandoned_runs(db_path: Path) -> list[dict]:
    """Runs that left their marker behind (failed, killed or crashed), oldest first: what their marker says,
    with `run_id` and `last_seen` (when the run last wrote anything).

    Only call this while holding the writer lock: then no other run is under way."""
    prefix, suffix = f".{db_path.name}.", ".running"
    found = []
    for marker in sorted(db_path.parent.glob(f"{prefix}*{suffix}")):
        run_id = marker.name[len(prefix) : -len(suffix)]
        traces = [p for p in (marker, building_path(db_path, run_id)) if p.exists()]
        if not traces:  # its run removed it meanwhile
            continue
        seen = max(p.stat().st_mtime for p in traces)
        found.append({**read_marker(marker), "run_id": run_id, "last_seen": seen})
    return found


def forget_abandoned(db_path: Path, run_ids: list[str]) -> None:
    """Remove what abandoned runs left behind, once they are recorded."""
    for run_id in run_ids:
        discard(building_path(db_path, run_id))
        marker_path(db_path, run_id).unlink(missing_ok=True)


def lock_path(db_path: Path) -> Path:
    """The lock file of a database's single writer."""
    return db_path.with_name(f".{db_path.name}.lock")


class WriterLock:
    """The single-writer lock of a database: an exclusive `flock` on `.<database name>.lock` beside it.

    The kernel releases it when the holding process ends, however it ends, so a killed run never leaves it
    held. Use it as a context manager once acquired: `with WriterLock(db).acquire(60): ...`."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.path = lock_path(db_path)
        self._handle = None

    def acquire(self, wait_seconds: float = LOCK_WAIT_SECONDS, on_wait: Callable[[], None] | None = None) -> WriterLock:
        """Take the lock, waiting up to `wait_seconds` for the run that holds it (`on_wait` is called once if
        it has to wait); raise WriterBusy when the wait is over."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if on_wait is not None:
                        on_wait()
                        on_wait = None
                    if time.monotonic() > deadline:
                        raise WriterBusy(
                            f"{self.db_path}: another claimrec run has held the writer lock for {wait_seconds:.0f} s;"
                            f" wait for it to finish (lock file {self.path})"
                        ) from None
                    time.sleep(0.2)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return self

    def release(self) -> None:
        """Let the next writer in; releasing twice is harmless."""
        handle, self._handle = self._handle, None
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


@contextlib.contextmanager
def writer_lock(db_path: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the single-writer lock of a database; a second run waits for it, then fails with WriterBusy."""
    with WriterLock(db_path).acquire(wait_seconds):
        yield


def lock_held(db_path: Path) -> bool:
    """Whether a run holds the writer lock right now (without waiting, and without creating the lock file)."""
    try:
        with open(lock_path(db_path)) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def _connect(path: Path, read_only: bool = False, claims: int | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the database file `path`, on one thread when it holds fewer claims than a row group:
    `claims` when given (a file being loaded), else the number in its `claims` table.

    DuckDB shares a statement's work out among its threads by row group, so with less than one a second thread
    has nothing to take and the hand-over only costs: on the seed's claims, one thread loads in 0.057 s
    against 0.075 s; in a Prefect flow, beside its server, the store and reconcile stages took 0.27 s together
    against 0.31-0.37 s; at 10^5 claims, load 0.31 s against 0.38 s and reconcile 0.25 s against 0.27 s."""
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


def build(claimset: ClaimSet, validations: pl.DataFrame, db_path: Path, building: Path,
          claims: pl.DataFrame | None = None) -> None:  # fmt: skip
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


def _write(claimset: ClaimSet, validations: pl.DataFrame, db_path: Path, building: Path,
           claims: pl.DataFrame | None, memory: str | None) -> None:  # fmt: skip
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


def reconcile_into(con: duckdb.DuckDBPyConnection) -> None:
    """Run the reconciliation SQL (intervals, quantities, relations, findings) on loaded claims, then write
    its results into the file in one checkpoint.

    Each statement commits on its own (see `reconcile`). By default DuckDB turns the commit of a large insert
    into a checkpoint of the file, about half a second each at 10^6 claims; with the threshold raised, the
    commits go to the write-ahead log and the one checkpoint at the end writes every table once."""
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        con.execute(sql("reconcile"))
        con.execute(sql("relations"))
        con.execute("CHECKPOINT")
    finally:
        con.execute("RESET checkpoint_threshold")


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
        old = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'previous' AND table_name = ?", [table]
        ).fetchall()}  # fmt: skip
        new = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        columns = ", ".join(f'"{c}"' for c in new if c in old)
        if columns:
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM previous.{table}")


def reconcile(building: Path, run_id: str | None = None) -> dict[str, int]:
    """Run the reconciliation SQL in the database being built, then record the history of `run_id`
    (claim versions, findings new and resolved) when one is given; return row counts.

    The statements commit one by one: the file is private to this run until it is published (a run that
    fails discards it), and DuckDB plans joins over committed tables far better than over rows written
    earlier in the same transaction (one open transaction made reconciliation 10-20 times slower)."""
    con = _connect(building)
    try:
        reconcile_into(con)
        if run_id is not None:
            con.execute("SET VARIABLE run_id = ?", [run_id])
            con.execute(sql("history"))
        return counts(con)
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
    """The `runs` row of a run that left its marker: failed with the reason it wrote, or killed (no reason)."""
    seen = describe_abandoned(abandoned)
    error = seen["error"] or f"{KILLED}; noticed by run {noticed_by['run_id']}"
    return {
        **{k: 0 for k in noticed_by if k.startswith("n_")},
        "run_id": seen["run_id"], "flow_run_id": seen["flow_run_id"], "started_at": seen["started_at"],
        "finished_at": seen["finished_at"], "status": "failed", "input_digest": "unknown",
        "claims_dir": seen["claims_dir"] or "unknown", "error": error,
    }  # fmt: skip


KILLED = "stopped before publishing (killed or crashed)"


def describe_abandoned(abandoned: dict) -> dict:
    """What is known of a run that left its marker (an item of `abandoned_runs`): `run_id`, `started_at`,
    `finished_at` (when it failed, or was last seen), `flow_run_id`, `claims_dir`, `pid`, and `error` (None
    when it wrote no reason: it was killed, crashed, or is still under way)."""
    run_id = abandoned["run_id"]
    last_seen = dt.datetime.fromtimestamp(abandoned["last_seen"], dt.UTC).replace(tzinfo=None)
    started = _timestamp(abandoned.get("started_at"))
    if started is None:
        try:
            started = dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%S")
        except ValueError:
            started = last_seen
    finished = _timestamp(abandoned.get("failed_at")) or max(started, last_seen)
    return {
        "run_id": run_id, "started_at": started, "finished_at": max(started, finished),
        "flow_run_id": abandoned.get("flow_run_id"), "claims_dir": abandoned.get("claims_dir"),
        "pid": abandoned.get("pid"), "error": failure_text(abandoned) if abandoned.get("error") is not None else None,
    }  # fmt: skip


def failure_text(info: dict) -> str:
    """How a failed run's marker reads in `runs.error`: `stage <stage> failed: <message>`."""
    stage, error = info.get("stage"), str(info.get("error"))
    return f"stage {stage} failed: {error}" if stage else error


def _timestamp(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text)).replace(tzinfo=None) if text else None
    except ValueError:
        return None


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
