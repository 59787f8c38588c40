"""The stage order of a claimrec run, without Prefect: the CLI runs it directly and the Prefect flow
in `claimrec.flow` wraps each stage in a task.

    parse -> validate -> store -> reconcile -> verify -> report -> publish

Nothing the users see changes before `publish`: the database and reports are built aside and put
in place together at the end, so a run that fails at any stage leaves them as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimrec import load, report, store, validate
from claimrec.errors import StageFailed, TooManyContradictions, WriterBusy
from claimrec.model import ClaimSet


@dataclass(frozen=True)
class RunConfig:
    """Where a run reads and writes."""

    claims_dir: Path = Path("claims")
    """Folder of claim files and reference files."""
    db_path: Path = Path("claimrec.duckdb")
    """The published DuckDB file."""
    reports_dir: Path = Path("reports")
    """Folder the reports are published into."""


@dataclass
class Run:
    """The state of one run as it moves through the stages."""

    config: RunConfig
    run_id: str
    started_at: dt.datetime
    flow_run_id: str | None = None
    claimset: ClaimSet | None = None
    validations: object | None = None
    counts: dict[str, int] = field(default_factory=dict)
    abandoned: list[dict] = field(default_factory=list)
    """Earlier runs that failed, or were killed or crashed; this run records them as failed when it publishes."""
    definite_findings: int | None = None
    """Definite contradictions in the database the run published."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds each stage's own work took, timed inside it (`run_stage`)."""
    call_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds each stage's call took: in the Prefect flow, the task run around the stage's work, so the
    difference from `stage_seconds` is Prefect's bookkeeping of the task."""

    @property
    def building(self) -> Path:
        return store.building_path(self.config.db_path, self.run_id)

    @property
    def report_building(self) -> Path:
        return report_building_path(self.config.reports_dir, self.run_id)


def report_building_path(reports_dir: Path, run_id: str) -> Path:
    """Where a run renders its reports before publishing them."""
    return reports_dir / f".building-{run_id}"


def parse(run: Run) -> str:
    """Read and check the claim files."""
    run.claimset = load.load_claims(run.config.claims_dir)
    return f"{run.claimset.n_claims} claims from {len(run.claimset.sources)} sources"


def check(run: Run) -> str:
    """Run the Great Expectations suite over the claims."""
    outcomes = validate.validate(run.claimset)
    run.validations = validate.outcomes_frame(run.run_id, outcomes)
    return f"{len(outcomes)} expectations met"


def build(run: Run) -> str:
    """Load the claims into a new database file beside the published one."""
    store.build(run.claimset, run.validations, run.config.db_path, run.building)
    return f"loaded into {run.building.name}"


def reconcile(run: Run) -> str:
    """Compute intervals, quantities and findings in the new database."""
    run.counts = store.reconcile(run.building, run.run_id)
    return f"{run.counts['quantities']} quantities, {run.counts['findings']} findings"


def verify(run: Run) -> str:
    """Check the reconciled outputs with Great Expectations; render the run's Data Docs beside the reports."""
    outcomes = validate.verify_outputs(run.building, run.run_id, run.claimset, run.report_building / validate.DOCS_DIR)
    return f"{len(outcomes)} output expectations met"


def render(run: Run) -> str:
    """Render the reports from the new database, beside the published ones."""
    con = store.read_only(run.building)
    try:
        files = report.write(con, run.report_building, run.run_id)
    finally:
        con.close()
    return ", ".join(f.name for f in files)


def publish(run: Run) -> str:
    """Record the run and put the new database and reports in place of the old ones."""
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store.publish(run.building, run.config.db_path, {
        "run_id": run.run_id, "flow_run_id": run.flow_run_id, "started_at": run.started_at,
        "finished_at": finished, "status": "succeeded", "input_digest": run.claimset.digest,
        "claims_dir": str(run.config.claims_dir), "n_claims": run.counts["claims"],
        "n_sources": run.counts["sources"], "n_quantities": run.counts["quantities"],
        "n_findings": run.counts["findings"], "error": None,
    }, run.abandoned)  # fmt: skip
    store.forget_abandoned(run.config.db_path, [a["run_id"] for a in run.abandoned])
    for a in run.abandoned:
        shutil.rmtree(report_building_path(run.config.reports_dir, a["run_id"]), ignore_errors=True)
    for path in sorted(run.report_building.iterdir()):
        _replace(path, run.config.reports_dir / path.name)
    run.report_building.rmdir()
    return f"published {run.config.db_path} and {run.config.reports_dir}/"


def _replace(source: Path, target: Path) -> None:
    """Put `source` in place of `target`; a folder (the Data Docs) is swapped by renaming the old one
    aside, the new one in, then removing the old one."""
    if not (source.is_dir() and target.is_dir()):
        os.replace(source, target)
        return
    aside = target.with_name(f".{target.name}.replaced-{source.parent.name}")
    shutil.rmtree(aside, ignore_errors=True)
    os.replace(target, aside)
    os.replace(source, target)
    shutil.rmtree(aside, ignore_errors=True)


STAGES: tuple[tuple[str, Callable[[Run], str]], ...] = (
    ("parse", parse),
    ("validate", check),
    ("store", build),
    ("reconcile", reconcile),
    ("verify", verify),
    ("report", render),
    ("publish", publish),
)
"""The stages in order; the CLI and the Prefect flow both run exactly these."""


def new_run(config: RunConfig, flow_run_id: str | None = None) -> Run:
    """A run with a fresh id (its start time and a random suffix), not yet started."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return Run(config, f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", now, flow_run_id)


def _marker_info(run: Run) -> dict:
    return {"run_id": run.run_id, "started_at": run.started_at.isoformat(), "flow_run_id": run.flow_run_id,
            "claims_dir": str(run.config.claims_dir), "pid": os.getpid()}  # fmt: skip


def _leave_failure(run: Run, exc: BaseException, stage: str | None = None) -> None:
    """Leave the run's marker behind with where and why it failed; the next run that publishes records it.

    The published database is not touched: a failed run changes nothing users see."""
    if isinstance(exc, StageFailed):
        stage, message = exc.stage, str(exc.cause)
    elif isinstance(exc, Exception):
        message = str(exc) or type(exc).__name__
    else:
        message = f"interrupted ({type(exc).__name__})"
    failed = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    info = {**_marker_info(run), "failed_at": failed.isoformat(), "stage": stage, "error": message}
    with contextlib.suppress(OSError):  # the error itself still reaches the caller
        store.write_marker(run.config.db_path, run.run_id, info)


@contextlib.contextmanager
def running(
    config: RunConfig,
    flow_run_id: str | None = None,
    wait_seconds: float = store.LOCK_WAIT_SECONDS,
    take_lock: Callable[[], store.WriterLock] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[Run]:
    """Hold the writer lock for one run, and remove whatever it built if it fails.

    The lock is taken by `take_lock()` when given (the Prefect flow takes it in a task that retries), else
    here, waiting up to `wait_seconds`. A run that fails, including one that could not get the lock, keeps
    its marker with the stage and the message of the failure (README, "How a run writes")."""
    run = new_run(config, flow_run_id)
    try:
        lock = take_lock() if take_lock else store.WriterLock(config.db_path).acquire(wait_seconds, on_wait)
    except WriterBusy as exc:
        _leave_failure(run, exc, stage="lock")
        raise
    with lock:
        run.abandoned = [a for a in store.abandoned_runs(config.db_path) if a["run_id"] != run.run_id]
        store.write_marker(config.db_path, run.run_id, _marker_info(run))
        try:
            yield run
        except BaseException as exc:
            _leave_failure(run, exc)
            raise
        else:
            store.marker_path(config.db_path, run.run_id).unlink(missing_ok=True)
        finally:
            store.discard(run.building)
            shutil.rmtree(run.report_building, ignore_errors=True)


def run_stage(name: str, stage: Callable[[Run], str], run: Run) -> str:
    """Run one stage, naming it in any error; its seconds go into `run.stage_seconds`."""
    started = time.monotonic()
    try:
        return stage(run)
    except StageFailed:
        raise
    except Exception as exc:
        raise StageFailed(name, exc) from exc
    finally:
        run.stage_seconds[name] = time.monotonic() - started


def pending_runs(db_path: Path) -> list[dict]:
    """Runs not recorded in the database yet, read from their markers (store.describe_abandoned), each with
    a `status`: `running` for the run that holds the writer lock now, `failed (pending)` for a run that failed
    (its reason) or was killed. The next run that publishes records the failed ones in `runs`."""
    busy = store.lock_held(db_path)
    found = []
    for abandoned in store.abandoned_runs(db_path):
        seen = store.describe_abandoned(abandoned)
        if seen["error"] is None and busy and _alive(seen["pid"]):
            found.append({**seen, "status": "running", "error": ""})
        else:
            found.append({**seen, "status": "failed (pending)", "error": seen["error"] or store.KILLED})
    return found


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def definite_findings(db_path: Path) -> int:
    """Number of definite contradictions in a published database."""
    con = store.read_only(db_path)
    try:
        return con.execute("SELECT count(*) FROM findings WHERE certainty = 'definite'").fetchone()[0]
    finally:
        con.close()


def run_pipeline(
    config: RunConfig,
    progress: Callable[[str, str, float], None] | None = None,
    *,
    fail_on_contradictions: int | None = None,
    wait_seconds: float = store.LOCK_WAIT_SECONDS,
    on_wait: Callable[[], None] | None = None,
    flow_run_id: str | None = None,
    take_lock: Callable[[], store.WriterLock] | None = None,
    call_stage: Callable[[str, Callable[[Run], str], Run], str] = run_stage,
) -> Run:
    """Run every stage in order; `progress(stage, summary, seconds)` is called after each, with the seconds of
    the stage's own work (`Run.stage_seconds`).

    With `fail_on_contradictions`, a run that publishes more definite contradictions than that raises
    TooManyContradictions after publishing: the database, the reports and its `runs` row stay in place.
    The Prefect flow passes its own `call_stage` (a task per stage, which calls `run_stage`: that is where a
    stage's seconds are taken) and `take_lock` (a task that retries)."""
    with running(config, flow_run_id, wait_seconds, take_lock, on_wait) as run:
        for name, stage in STAGES:
            started = time.monotonic()
            summary = call_stage(name, stage, run)
            run.call_seconds[name] = time.monotonic() - started
            if progress:
                progress(name, summary, run.stage_seconds[name])
        run.definite_findings = definite_findings(config.db_path)
    if fail_on_contradictions is not None and run.definite_findings > fail_on_contradictions:
        raise TooManyContradictions(run.definite_findings, fail_on_contradictions, run.run_id)
    return run
