"""The claimrec pipeline as a Prefect flow: one task per stage of `claimrec.pipeline.STAGES`.

    python flows/pipeline.py [--claims claims] [--db claimrec.duckdb] [--reports reports]

Tasks pass the run object in memory and never cache (a cached frame would be hashed on every call).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_TASKS_DEFAULT_NO_CACHE", "true")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TQDM_DISABLE", "1")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from claimrec import pipeline as stages  # noqa: E402

TASKS = {
    name: task(stages.run_stage, name=name, task_run_name=name, cache_policy=NO_CACHE, persist_result=False)
    for name, _ in stages.STAGES
}


@flow(name="claimrec-pipeline", log_prints=False, persist_result=False)
def claimrec_pipeline(claims_dir: str = "claims", db_path: str = "claimrec.duckdb", reports_dir: str = "reports") -> dict:
    """Parse, validate, store, reconcile and report the claims folder; publish database and reports together.

    Args:
        claims_dir: folder of claim files and reference files.
        db_path: the DuckDB file to publish.
        reports_dir: folder to publish the reports into.
    """
    logger = get_run_logger()
    config = stages.RunConfig(Path(claims_dir), Path(db_path), Path(reports_dir))
    with stages.running(config, flow_run_id=flow_run.get_id()) as run:
        for name, stage in stages.STAGES:
            logger.info("%s: %s", name, TASKS[name](name, stage, run))
        return {"run_id": run.run_id, **run.counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the claimrec pipeline as a Prefect flow.")
    parser.add_argument("--claims", default="claims")
    parser.add_argument("--db", default="claimrec.duckdb")
    parser.add_argument("--reports", default="reports")
    args = parser.parse_args(argv)
    state = claimrec_pipeline(args.claims, args.db, args.reports, return_state=True)
    if state.is_failed():
        print(f"claimrec-pipeline failed: {state.message}", file=sys.stderr)
        return 1
    print(f"claimrec-pipeline finished: {state.result()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
