"""The stage order of a claimrec run, without Prefect: the CLI runs it directly and the Prefect flow
in `flows/pipeline.py` wraps each stage in a task.

    parse -> validate -> store -> reconcile -> report -> publish

Nothing the users see changes before `publish`: the database and reports are built aside and put
in place together at the end, so a run that fails at any stage leaves them as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimrec import load, report, store, validate
from claimrec.errors import StageFailed
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
    """Earlier runs that were killed or crashed; this run records them as failed when it publishes."""

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
    return f"{len(run.claimset.claims)} claims from {len(run.claimset.sources)} sources"


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
        os.replace(path, run.config.reports_dir / path.name)
    run.report_building.rmdir()
    return f"published {run.config.db_path} and {run.config.reports_dir}/"


STAGES: tuple[tuple[str, Callable[[Run], str]], ...] = (
    ("parse", parse),
    ("validate", check),
    ("store", build),
    ("reconcile", reconcile),
    ("report", render),
    ("publish", publish),
)
"""The stages in order; the CLI and the Prefect flow both run exactly these."""


@contextlib.contextmanager
def running(config: RunConfig, flow_run_id: str | None = None) -> Iterator[Run]:
    """Hold the writer lock for one run, and remove whatever it built if it fails."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run = Run(config, f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", now, flow_run_id)
    with store.writer_lock(config.db_path):
        run.abandoned = store.abandoned_runs(config.db_path)
        marker = store.marker_path(config.db_path, run.run_id)
        marker.touch()
        try:
            yield run
        finally:
            store.discard(run.building)
            shutil.rmtree(run.report_building, ignore_errors=True)
            marker.unlink(missing_ok=True)


def run_stage(name: str, stage: Callable[[Run], str], run: Run) -> str:
    """Run one stage, naming it in any error."""
    try:
        return stage(run)
    except StageFailed:
        raise
    except Exception as exc:
        raise StageFailed(name, exc) from exc


def run_pipeline(config: RunConfig, progress: Callable[[str, str], None] | None = None) -> Run:
    """Run every stage in order; `progress(stage, summary)` is called after each."""
    with running(config) as run:
        for name, stage in STAGES:
            summary = run_stage(name, stage, run)
            if progress:
                progress(name, summary)
        return run
