"""The stages of a claimrec run, in order, each a function named after its stage:

    parse -> validate -> store -> reconcile -> verify -> report -> publish

`STAGES` lists them once: the CLI (`claimrec run`) and the Prefect flow (a task per stage) run them from it, and
the benchmark names its figures after them. Each stage takes the run (`claimrec.pipeline.Run`), moves it on, and
returns a one-line summary of what it did. Nothing users see changes before `publish`: the database and the reports are
built aside and put in place together at the end.

The library modules are imported under other names here, so that the stage functions can carry the stages'
names.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from claimrec import load as claim_files
from claimrec import report as reports
from claimrec import store as database
from claimrec import validate as expectations
from claimrec.runs import markers

if TYPE_CHECKING:
    from claimrec.pipeline import Run


def report_building_path(reports_dir: Path, run_id: str) -> Path:
    """Where a run renders its reports before publishing them."""
    return reports_dir / f".building-{run_id}"


def parse(run: Run) -> str:
    """Read and check the claim files."""
    run.claimset = claim_files.load_claims(run.config.claims_dir)
    return f"{run.claimset.n_claims} claims from {len(run.claimset.sources)} sources"


def validate(run: Run) -> str:
    """Run the Great Expectations suite over the claims."""
    outcomes = expectations.validate(run.claimset, run_time=run.started_at)
    run.validations = expectations.outcomes_frame(run.run_id, outcomes)
    return f"{len(outcomes)} expectations met"


def store(run: Run) -> str:
    """Load the claims into a new database file beside the published one."""
    database.build(run.claimset, run.validations, run.config.db_path, run.building)
    return f"loaded into {run.building.name}"


def reconcile(run: Run) -> str:
    """Compute intervals, quantities and findings in the new database."""
    run.counts = database.reconcile(run.building, run.run_id)
    return f"{run.counts['quantities']} quantities, {run.counts['findings']} findings"


def verify(run: Run) -> str:
    """Check the reconciled outputs with Great Expectations; render the run's Data Docs beside the reports."""
    outcomes = expectations.verify_outputs(
        run.building, run.run_id, run.claimset, run.report_building / expectations.DOCS_DIR, run.started_at
    )
    return f"{len(outcomes)} output expectations met"


def report(run: Run) -> str:
    """Render the reports from the new database, beside the published ones."""
    con = database.read_only(run.building)
    try:
        files = reports.write(con, run.report_building, run.run_id)
    finally:
        con.close()
    return ", ".join(f.name for f in files)


def publish(run: Run) -> str:
    """Record the run, and the earlier runs it found abandoned as failed; put the new database and reports in
    place of the old ones; remove what the abandoned runs left."""
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = {
        "run_id": run.run_id,
        "flow_run_id": run.flow_run_id,
        "started_at": run.started_at,
        "finished_at": finished,
        "status": "succeeded",
        "input_digest": run.claimset.digest,
        "claims_dir": str(run.config.claims_dir),
        "n_claims": run.counts["claims"],
        "n_sources": run.counts["sources"],
        "n_quantities": run.counts["quantities"],
        "n_findings": run.counts["findings"],
        "error": None,
    }
    database.publish(run.building, run.config.db_path, row, [markers.abandoned_row(a, row) for a in run.abandoned])
    markers.forget_abandoned(run.config.db_path, [a["run_id"] for a in run.abandoned])
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


class Stage(NamedTuple):
    """A stage of a run: its name (in the CLI's output, the flow's task names, `runs.error`) and its function,
    which bears the same name."""

    name: str
    run: Callable[[Run], str]


STAGES: tuple[Stage, ...] = tuple(
    Stage(f.__name__, f) for f in (parse, validate, store, reconcile, verify, report, publish)
)
"""The stages in order: the CLI and the Prefect flow run exactly these, and the benchmark files its figures
under them."""
