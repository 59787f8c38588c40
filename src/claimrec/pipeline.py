"""A claimrec run from start to end, without Prefect: the CLI runs it directly and the Prefect flow in
`claimrec.flow` wraps each stage in a task.

A run holds the database's writer lock and leaves its marker beside the database (`claimrec.runs`), runs
the stages of `claimrec.stages.STAGES` in order, timing each, and removes whatever it built and did not
publish. Nothing the users see changes before `publish`: the database and reports are built aside and put
in place together at the end, so a run that fails at any stage leaves them as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimrec import store
from claimrec.errors import StageFailed, TooManyContradictions
from claimrec.model import ClaimSet
from claimrec.runs import markers
from claimrec.runs.lock import LOCK_WAIT_SECONDS, WriterLock
from claimrec.stages import STAGES, Stage, report_building_path

__all__ = [
    "STAGES",
    "Run",
    "RunConfig",
    "Stage",
    "definite_findings",
    "new_run",
    "run_pipeline",
    "run_stage",
    "running",
]


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


def new_run(config: RunConfig, flow_run_id: str | None = None) -> Run:
    """A run with a fresh id (its start time and a random suffix), not yet started."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return Run(config, f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", now, flow_run_id)


@contextlib.contextmanager
def running(
    config: RunConfig,
    flow_run_id: str | None = None,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    take_lock: Callable[[], WriterLock] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[Run]:
    """Hold the writer lock for one run, with its marker beside the database (`runs.markers.marked`), and remove
    whatever it built and did not publish, whether it fails or not.

    The lock is taken by `take_lock()` when given (the Prefect flow takes it in a task that retries), else
    here, waiting up to `wait_seconds`. A run that fails, including one that could not get the lock, keeps
    its marker with the stage and the message of the failure (README, "How a run writes")."""
    run = new_run(config, flow_run_id)
    info = markers.start_info(run.run_id, run.started_at, run.flow_run_id, config.claims_dir)

    def take() -> WriterLock:
        return take_lock() if take_lock else WriterLock(config.db_path).acquire(wait_seconds, on_wait)

    def clean_up() -> None:
        store.discard(run.building)
        shutil.rmtree(run.report_building, ignore_errors=True)

    with markers.marked(config.db_path, info, take, clean_up) as abandoned:
        run.abandoned = abandoned
        yield run


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
    wait_seconds: float = LOCK_WAIT_SECONDS,
    on_wait: Callable[[], None] | None = None,
    flow_run_id: str | None = None,
    take_lock: Callable[[], WriterLock] | None = None,
    call_stage: Callable[[str, Callable[[Run], str], Run], str] = run_stage,
) -> Run:
    """Run every stage of `STAGES` in order; `progress(stage, summary, seconds)` is called after each, with the
    seconds of the stage's own work (`Run.stage_seconds`).

    With `fail_on_contradictions`, a run that publishes more definite contradictions than that raises
    TooManyContradictions after publishing: the database, the reports and its `runs` row stay in place.
    The Prefect flow passes its own `call_stage` (a task per stage, which calls `run_stage`: that is where a
    stage's seconds are taken) and `take_lock` (a task that retries)."""
    with running(config, flow_run_id, wait_seconds, take_lock, on_wait) as run:
        for stage in STAGES:
            started = time.monotonic()
            summary = call_stage(stage.name, stage.run, run)
            run.call_seconds[stage.name] = time.monotonic() - started
            if progress:
                progress(stage.name, summary, run.stage_seconds[stage.name])
        run.definite_findings = definite_findings(config.db_path)
    if fail_on_contradictions is not None and run.definite_findings > fail_on_contradictions:
        raise TooManyContradictions(run.definite_findings, fail_on_contradictions, run.run_id)
    return run
