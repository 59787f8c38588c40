"""The claimrec pipeline as a Prefect flow: a `lock` task that waits for the database's writer lock, then
one task per stage of `claimrec.stages.STAGES`, each named after its stage.

Only the `lock` task retries, and only when the lock was busy (WriterBusy): another run is writing and will
finish. Bad input, a failed expectation or a broken database fail the flow run at once, with the stage and
the message. Tasks pass the run object in memory and never cache (a cached frame would be hashed on every
call). `flows/pipeline.py` runs this flow once; `claimrec serve` serves it on a schedule; `prefect.yaml`
deploys it to a work pool.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from claimrec import settings

settings.apply_defaults()  # before Prefect is imported: it reads its settings then

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from claimrec import pipeline, stages, validate  # noqa: E402
from claimrec.errors import WriterBusy  # noqa: E402
from claimrec.runs.lock import WriterLock  # noqa: E402

FLOW_NAME = "claimrec-pipeline"
LOCK_RETRY_DELAYS = [10, 60, 300]
"""Seconds between the attempts of the `lock` task when another run holds the writer lock (backoff)."""


def retry_only_when_busy(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a task only when it failed because the writer lock was busy."""
    return isinstance(state.data, WriterBusy)


@task(
    name="lock",
    task_run_name="lock",
    retries=len(LOCK_RETRY_DELAYS),
    retry_delay_seconds=LOCK_RETRY_DELAYS,
    retry_condition_fn=retry_only_when_busy,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def take_writer_lock(db_path: str, wait_seconds: float) -> WriterLock:
    """Wait up to `wait_seconds` for the run that holds the database's writer lock; fail with WriterBusy."""
    logger = get_run_logger()
    lock = WriterLock(Path(db_path))

    def waiting() -> None:
        logger.info("another run holds %s; waiting up to %.0f s", lock.path, wait_seconds)

    return lock.acquire(wait_seconds, on_wait=waiting)


TASKS = {
    stage.name: task(
        pipeline.run_stage, name=stage.name, task_run_name=stage.name, cache_policy=NO_CACHE, persist_result=False
    )
    for stage in stages.STAGES
}
"""A Prefect task per stage, named after it, each calling `pipeline.run_stage` (never retried, never cached)."""


@flow(name=FLOW_NAME, log_prints=False, persist_result=False)
def claimrec_pipeline(
    claims_dir: str = "claims",
    db_path: str = "claimrec.duckdb",
    reports_dir: str = "reports",
    fail_on_contradictions: int | None = None,
    lock_wait_seconds: float = 60.0,
) -> dict:
    """Parse, validate, store, reconcile and report the claims folder; publish the database and the reports
    together. A run that fails leaves both as they were and is recorded in `runs` as failed, with its stage
    and message, by the next run that publishes.

    Args:
        claims_dir: folder of claim files and reference files; a relative path is read from the working
            directory of the flow run.
        db_path: the DuckDB file to publish (its history is carried over into the new file).
        reports_dir: folder to publish `discrepancies.md` and `changes.md` into.
        fail_on_contradictions: when set, the flow run fails if the published database holds more definite
            contradictions than this. The database, the reports and the run's `runs` row are published
            first; only the outcome of the flow run is Failed.
        lock_wait_seconds: how long one attempt of the `lock` task waits for another run to finish writing.
            The task tries 4 times, 10, 60 and 300 s apart, then the flow run fails with WriterBusy.

    Returns:
        The run id, the row counts of the main tables and the number of definite contradictions.
    """
    logger = get_run_logger()
    config = pipeline.RunConfig(Path(claims_dir), Path(db_path), Path(reports_dir))
    run = pipeline.run_pipeline(
        config,
        progress=lambda name, summary, seconds: logger.info("%s: %s (%.2f s)", name, summary, seconds),
        fail_on_contradictions=fail_on_contradictions,
        flow_run_id=flow_run.get_id(),
        take_lock=lambda: take_writer_lock(db_path, lock_wait_seconds),
        call_stage=lambda name, stage, run: TASKS[name](name, stage, run),
    )
    own, called = sum(run.stage_seconds.values()), sum(run.call_seconds.values())
    logger.info("stages: %.2f s of work, %.2f s of task bookkeeping around it", own, called - own)
    return {"run_id": run.run_id, **run.counts, "definite_findings": run.definite_findings}


def main(argv: list[str] | None = None) -> int:
    """Run the flow once (`make run`): 0 when it completes, 1 when it fails."""
    parser = argparse.ArgumentParser(
        prog="flows/pipeline.py",
        description="Run the claimrec pipeline once as a Prefect flow.",
        epilog="Exit codes: 0 the flow run completed, 1 it failed (its message is printed).",
    )
    parser.add_argument("--claims", default="claims", help="claims folder (default: claims)")
    parser.add_argument("--db", default="claimrec.duckdb", help="DuckDB file (default: claimrec.duckdb)")
    parser.add_argument("--reports", default="reports", help="reports folder (default: reports)")
    parser.add_argument(
        "--fail-on-contradictions",
        type=int,
        metavar="N",
        help="fail the flow run (after publishing) when there are more than N definite contradictions",
    )
    args = parser.parse_args(argv)
    # beside Prefect's start-up (mostly waiting for its temporary server): over before the validate stage
    validate.import_in_background()
    state = claimrec_pipeline(args.claims, args.db, args.reports, args.fail_on_contradictions, return_state=True)
    if state.is_failed():
        print(f"{FLOW_NAME} failed: {state.message}", file=sys.stderr)
        return 1
    print(f"{FLOW_NAME} finished: {state.result()}")
    return 0
