"""The pipeline as a real Prefect flow: a lock task and one task per stage, its run recorded, a failed run
leaves no trace in the database and reports but is recorded as failed by the next run, and the
contradiction threshold fails the flow run after publishing."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import duckdb
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from claimrec import pipeline
from claimrec.flow import claimrec_pipeline
from claimrec.runs.lock import lock_held
from support import snapshot


async def _task_runs(flow_run_id: str) -> dict[str, tuple[str, int]]:
    """Task name -> (final state, number of attempts) of one flow run."""
    async with get_client() as client:
        runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {r.name: (r.state.type.value, r.run_count) for r in runs}


def task_runs(flow_run_id: object) -> dict[str, tuple[str, int]]:
    return asyncio.run(_task_runs(str(flow_run_id)))


def runs_table(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT run_id, flow_run_id, status, error FROM runs ORDER BY started_at").fetchall()


def test_flow_runs_every_stage_as_a_task(mini: Path) -> None:
    work = mini.parent
    state = claimrec_pipeline(str(mini), str(work / "claimrec.duckdb"), str(work / "reports"), return_state=True)
    assert state.is_completed()
    result = state.result()
    assert {k: result[k] for k in ("claims", "sources", "quantities", "findings", "definite_findings")} == {
        "claims": 7,
        "sources": 3,
        "quantities": 5,
        "findings": 1,
        "definite_findings": 1,
    }
    [(_, flow_run_id, status, _)] = runs_table(work / "claimrec.duckdb")
    assert status == "succeeded" and flow_run_id == str(state.state_details.flow_run_id)
    names = ["lock"] + [name for name, _ in pipeline.STAGES]
    assert task_runs(flow_run_id) == {name: ("COMPLETED", 1) for name in names}
    assert (work / "reports" / "discrepancies.md").exists()


def test_failed_flow_leaves_database_and_reports_as_they_were(mini: Path) -> None:
    work = mini.parent
    args = (str(mini), str(work / "claimrec.duckdb"), str(work / "reports"))
    assert claimrec_pipeline(*args, return_state=True).is_completed()
    before = snapshot(work / "claimrec.duckdb", work / "reports")
    path = mini / "claims.yaml"
    good = path.read_text()
    path.write_text(good.replace("metric: wounded", "metric: hurt"))
    state = claimrec_pipeline(*args, return_state=True)
    assert state.is_failed()
    problem = f"{mini.name}/claims.yaml:45: claim wounded-hundreds: metric: unknown metric 'hurt'"
    assert problem in state.message
    assert snapshot(work / "claimrec.duckdb", work / "reports") == before
    failed_flow_run = str(state.state_details.flow_run_id)
    # bad input is never retried: every task ran once, and the stages after parse never started
    assert task_runs(failed_flow_run) == {"lock": ("COMPLETED", 1), "parse": ("FAILED", 1)}

    [marker] = work.glob(".claimrec.duckdb.*.running")
    reason = json.loads(marker.read_text())
    assert (reason["stage"], reason["flow_run_id"]) == ("parse", failed_flow_run)
    assert reason["error"].startswith(problem)

    path.write_text(good)
    assert claimrec_pipeline(*args, return_state=True).is_completed()
    rows = runs_table(work / "claimrec.duckdb")
    assert [(r[1] == failed_flow_run, r[2]) for r in rows] == [
        (False, "succeeded"),
        (True, "failed"),
        (False, "succeeded"),
    ]
    assert rows[1][3] == f"stage parse failed: {reason['error']}"
    assert not marker.exists()


def test_too_many_contradictions_fail_the_flow_run_after_publishing(mini: Path) -> None:
    work = mini.parent
    args = (str(mini), str(work / "claimrec.duckdb"), str(work / "reports"))
    state = claimrec_pipeline(*args, fail_on_contradictions=0, return_state=True)
    assert state.is_failed()
    [(run_id, flow_run_id, status, error)] = runs_table(work / "claimrec.duckdb")
    assert state.message == (
        "Flow run encountered an exception: TooManyContradictions: 1 definite contradiction found, more than the 0"
        f" allowed; run {run_id} published the database and the reports"
    )
    assert (flow_run_id, status, error) == (str(state.state_details.flow_run_id), "succeeded", None)
    assert (work / "reports" / "discrepancies.md").exists()
    assert not list(work.glob(".claimrec.duckdb.*.running"))

    assert claimrec_pipeline(*args, fail_on_contradictions=1, return_state=True).is_completed()
    assert [r[2] for r in runs_table(work / "claimrec.duckdb")] == ["succeeded", "succeeded"]


def test_writer_lock_is_released_when_the_flow_fails(mini: Path) -> None:
    work = mini.parent
    (mini / "claims.yaml").write_text("claims: [\n")
    assert claimrec_pipeline(
        str(mini), str(work / "claimrec.duckdb"), str(work / "reports"), return_state=True
    ).is_failed()
    assert not lock_held(work / "claimrec.duckdb")


def test_stage_times_leave_out_what_surrounds_the_stage(mini_config: pipeline.RunConfig) -> None:
    """A stage's seconds (what `progress` gets, and the flow logs) are its own work's; the time of the call
    around it, the flow's task run, is kept beside them, so that Prefect's bookkeeping can be told apart."""
    reported = {}

    def slow_call(name, stage, run):
        time.sleep(0.2)
        return pipeline.run_stage(name, stage, run)

    run = pipeline.run_pipeline(
        mini_config, progress=lambda name, _, seconds: reported.update({name: seconds}), call_stage=slow_call
    )
    names = [name for name, _ in pipeline.STAGES]
    assert list(reported) == list(run.stage_seconds) == list(run.call_seconds) == names
    assert reported == run.stage_seconds
    assert all(run.call_seconds[n] >= run.stage_seconds[n] + 0.2 for n in names)
    assert all(run.stage_seconds[n] > 0 for n in names)
