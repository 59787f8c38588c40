"""The pipeline as a real Prefect flow: one task per stage, its run recorded, failures leave no trace."""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from claimrec import pipeline
from support import snapshot
from pipeline import claimrec_pipeline


async def _task_names(flow_run_id: str) -> list[str]:
    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(r.name for r in runs)


def test_flow_runs_every_stage_as_a_task(mini: Path) -> None:
    work = mini.parent
    state = claimrec_pipeline(str(mini), str(work / "claimrec.duckdb"), str(work / "reports"), return_state=True)
    assert state.is_completed()
    result = state.result()
    assert {k: result[k] for k in ("claims", "sources", "quantities", "findings")} == {
        "claims": 7, "sources": 3, "quantities": 5, "findings": 1
    }  # fmt: skip
    with duckdb.connect(str(work / "claimrec.duckdb"), read_only=True) as con:
        flow_run_id, status = con.execute("SELECT flow_run_id, status FROM runs").fetchone()
    assert status == "succeeded" and flow_run_id == str(state.state_details.flow_run_id)
    import asyncio

    assert asyncio.run(_task_names(flow_run_id)) == sorted(name for name, _ in pipeline.STAGES)
    assert (work / "reports" / "discrepancies.md").exists()


def test_failed_flow_leaves_database_and_reports_as_they_were(mini: Path) -> None:
    work = mini.parent
    args = (str(mini), str(work / "claimrec.duckdb"), str(work / "reports"))
    assert claimrec_pipeline(*args, return_state=True).is_completed()
    before = snapshot(work / "claimrec.duckdb", work / "reports")
    path = mini / "claims.yaml"
    path.write_text(path.read_text().replace("metric: wounded", "metric: hurt"))
    state = claimrec_pipeline(*args, return_state=True)
    assert state.is_failed()
    assert "claims/claims.yaml:45: claim wounded-hundreds: metric: unknown metric 'hurt'" in state.message
    assert snapshot(work / "claimrec.duckdb", work / "reports") == before
