"""The claimrec pipeline as a Prefect flow: a `lock` task that waits for the database's writer lock, then
one task per stage of `claimrec.stages.STAGES`, each named after its stage.

Only the `lock` task retries, and only when the lock was busy (WriterBusy): another run is writing and will
finish. Bad input, a failed expectation or a broken database fail the flow run at once, with the stage and
the message. Tasks pass the run object in memory and never cache (a cached frame would be hashed on every
call). `flows/pipeline.py` runs this flow once; `claimrec serve` serves it on a schedule; `prefect.yaml`
deploys it to a work pool.

After publishing, the flow run shows its results in the Prefect UI as artifacts (`publish_artifacts`): the
Markdown report, a table of the findings and links to the HTML report and the Data Docs. Its last log line
(`finished_line`) says what was found and where the reports are. Great Expectations' INFO lines are kept out
of the flow's log (`quiet_library_logs`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from claimrec import settings

settings.apply_defaults()  # before Prefect is imported: it reads its settings then

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from claimrec import gx_runner, pipeline, report, report_html, stages, store, validate  # noqa: E402
from claimrec.errors import TooManyContradictions, WriterBusy  # noqa: E402
from claimrec.runs.lock import WriterLock  # noqa: E402

FLOW_NAME = "claimrec-pipeline"
LOCK_RETRY_DELAYS = [10, 60, 300]
"""Seconds between the attempts of the `lock` task when another run holds the writer lock (backoff)."""
QUIET_LOGGERS = ("great_expectations",)
"""Libraries whose INFO lines stay out of the flow's log (their warnings and errors still show)."""
REPORT_ARTIFACT_CHARS = 20_000
"""The Markdown report is shown whole in its artifact up to this many characters, else cut at a line's end."""
FINDINGS_ARTIFACT_ROWS = 200
"""The findings table artifact shows at most this many findings (definite first, widest margin first)."""
ARTIFACT_KEYS = {
    "report": "claimrec-report",
    "findings": "claimrec-findings",
    "html": "claimrec-html-report",
    "docs": "claimrec-data-docs",
}
"""The keys of the artifacts each flow run creates (the UI's Artifacts page keeps each key's history)."""


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
        The run id, the row counts of the main tables, the number of definite contradictions and, under
        `summary`, the run's last log line (`finished_line`).
    """
    logger = get_run_logger()
    quiet_library_logs()
    config = pipeline.RunConfig(Path(claims_dir), Path(db_path), Path(reports_dir))
    try:
        run = pipeline.run_pipeline(
            config,
            progress=lambda name, summary, seconds: logger.info("%s: %s (%.2f s)", name, summary, seconds),
            fail_on_contradictions=fail_on_contradictions,
            flow_run_id=flow_run.get_id(),
            take_lock=lambda: take_writer_lock(db_path, lock_wait_seconds),
            call_stage=lambda name, stage, run: TASKS[name](name, stage, run),
        )
    except TooManyContradictions:  # published all the same: show what was published, then fail
        publish_artifacts(config)
        raise
    own, called = sum(run.stage_seconds.values()), sum(run.call_seconds.values())
    logger.info("stages: %.2f s of work, %.2f s of task bookkeeping around it", own, called - own)
    publish_artifacts(config)
    result = {"run_id": run.run_id, **run.counts, "definite_findings": run.definite_findings}
    result["summary"] = finished_line(result, config)
    logger.info("%s", result["summary"])
    return result


def quiet_library_logs(names: tuple[str, ...] = QUIET_LOGGERS) -> None:
    """Raise the level of the loggers of `names` and of their descendants to WARNING.

    Great Expectations sets one of its loggers to INFO when it is imported (its ephemeral Data Docs site logs
    "Created temporary directory ..." on every context), so it is imported first, then the levels are set:
    the import costs nothing more here, the validate stage needs it anyway."""
    gx_runner.gx()
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and any(name.startswith(f"{n}.") for n in names) and logger.level:
            logger.setLevel(logging.WARNING)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def finished_line(result: dict, config: pipeline.RunConfig) -> str:
    """The flow run's last log line (and what `flows/pipeline.py` prints): what was found, and where the reports
    and the database are."""
    reports_dir, db_path = config.reports_dir.resolve(), config.db_path.resolve()
    quantities = f"{result['quantities']} {'quantity' if result['quantities'] == 1 else 'quantities'}"
    return (
        f"{FLOW_NAME} finished: {_plural(result['claims'], 'claim')}, {quantities},"
        f" {_plural(result['findings'], 'finding')} ({result['definite_findings']} definite);"
        f" reports in {reports_dir} ({report_html.HTML_NAME}, {report.REPORT_NAME}), database {db_path}"
    )


def _findings_rows(db_path: Path, limit: int) -> tuple[list[dict], int]:
    """The first `limit` findings of the published database (definite first, then the widest margin), as rows
    for a table artifact, and how many findings there are."""
    con = store.read_only(db_path)
    try:
        total = con.execute("SELECT count(*) FROM findings").fetchone()[0]
        rows = con.execute(
            """SELECT kind, certainty, quantity_id, margin, message FROM findings
               ORDER BY certainty = 'definite' DESC, margin DESC, finding_id LIMIT ?""",
            [limit],
        ).fetchall()
    finally:
        con.close()
    columns = ("kind", "certainty", "quantity", "margin", "message")
    return [dict(zip(columns, row, strict=True)) for row in rows], total


def _trimmed(text: str, limit: int, whole: Path) -> str:
    """`text`, or its first lines up to `limit` characters with a note naming the whole file."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit("\n", 1)[0]
    return f"{cut}\n\n---\n\n*Cut at {len(cut):,} of {len(text):,} characters: the whole report is `{whole}`.*\n"


def publish_artifacts(config: pipeline.RunConfig) -> None:
    """Show the published results in the flow run's artifacts (keys `ARTIFACT_KEYS`): the Markdown report
    (cut past `REPORT_ARTIFACT_CHARS`), the findings as a table (the first `FINDINGS_ARTIFACT_ROWS`, the
    description saying when it is cut), and `file://` links to the HTML report and the Data Docs."""
    reports_dir = config.reports_dir.resolve()
    markdown_path = reports_dir / report.REPORT_NAME
    create_markdown_artifact(
        _trimmed(markdown_path.read_text(encoding="utf-8"), REPORT_ARTIFACT_CHARS, markdown_path),
        key=ARTIFACT_KEYS["report"],
        description=f"The discrepancy report, `{markdown_path}`",
    )
    rows, total = _findings_rows(config.db_path.resolve(), FINDINGS_ARTIFACT_ROWS)
    shown = (
        f"all {total}"
        if len(rows) == total
        else f"the first {len(rows)} of {total} (definite first, widest margin first)"
    )
    create_table_artifact(
        rows,
        key=ARTIFACT_KEYS["findings"],
        description=f"Findings: {shown}; all of them are in the `findings` table of `{config.db_path.resolve()}`",
    )
    html = reports_dir / report_html.HTML_NAME
    create_link_artifact(
        html.as_uri(), link_text=str(html), key=ARTIFACT_KEYS["html"], description="The HTML report (charts, tables)"
    )
    docs = reports_dir / validate.DOCS_DIR / "index.html"
    create_link_artifact(
        docs.as_uri(),
        link_text=str(docs),
        key=ARTIFACT_KEYS["docs"],
        description="Great Expectations' Data Docs of the run's validation",
    )


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
    print(state.result()["summary"])
    return 0
