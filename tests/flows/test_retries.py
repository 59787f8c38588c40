"""Retries: only a busy writer lock is retried, with the backoff of the `lock` task; anything else fails the
flow run at the first attempt. A flow run that gives up on the lock is recorded as failed by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from prefect.states import Failed
from test_pipeline_flow import runs_table, task_runs

from claimrec import flow
from claimrec.errors import StageFailed, WriterBusy
from claimrec.runs.lock import WriterLock


def test_the_retry_condition_accepts_only_a_busy_lock() -> None:
    assert flow.retry_only_when_busy(None, None, Failed(data=WriterBusy("busy")))
    assert not flow.retry_only_when_busy(None, None, Failed(data=StageFailed("parse", ValueError("bad"))))
    assert not flow.retry_only_when_busy(None, None, Failed(data=OSError("disk full")))
    assert flow.take_writer_lock.retries == 3 and flow.take_writer_lock.retry_delay_seconds == [10, 60, 300]
    for name, _ in flow.stages.STAGES:
        assert flow.TASKS[name].retries == 0, name


class QuickRetries:
    """The real lock task with short delays, its real retry condition wrapped to note each answer.

    When the condition is first asked, the locks the test holds are released (unless `keep_holding`): the
    retry that follows finds the lock free."""

    def __init__(self) -> None:
        self.answers: list[bool] = []
        self.held: list[WriterLock] = []
        self.keep_holding = False

    def condition(self, task, task_run, state) -> bool:
        self.answers.append(flow.retry_only_when_busy(task, task_run, state))
        while self.held and not self.keep_holding:
            self.held.pop().release()
        return self.answers[-1]


@pytest.fixture()
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> QuickRetries:
    retries = QuickRetries()
    monkeypatch.setattr(
        flow,
        "take_writer_lock",
        flow.take_writer_lock.with_options(retry_delay_seconds=[0.2, 0.2, 0.2], retry_condition_fn=retries.condition),
    )
    return retries


def test_a_busy_lock_is_retried_until_it_is_free(mini: Path, quick_retries: QuickRetries) -> None:
    work = mini.parent
    db = work / "claimrec.duckdb"
    quick_retries.held.append(WriterLock(db).acquire(0))
    state = flow.claimrec_pipeline(str(mini), str(db), str(work / "reports"), lock_wait_seconds=0.3, return_state=True)
    assert state.is_completed()
    assert quick_retries.answers == [True]  # one busy attempt, retried; the second attempt got the lock
    runs = task_runs(state.state_details.flow_run_id)
    assert runs["lock"] == ("COMPLETED", 2)
    assert {runs[name] for name in runs if name != "lock"} == {("COMPLETED", 1)}
    assert [r[2] for r in runs_table(db)] == ["succeeded"]


def test_a_lock_that_stays_busy_fails_the_run_and_is_recorded(mini: Path, quick_retries: QuickRetries) -> None:
    work = mini.parent
    db = work / "claimrec.duckdb"
    args = (str(mini), str(db), str(work / "reports"))
    quick_retries.keep_holding = True
    with WriterLock(db).acquire(0):
        state = flow.claimrec_pipeline(*args, lock_wait_seconds=0.3, return_state=True)
    assert state.is_failed()
    assert quick_retries.answers == [True, True, True]  # 3 retries, then the task gives up: 4 attempts
    busy = (
        f"{db}: another claimrec run has held the writer lock for 0 s; wait for it to finish"
        f" (lock file {work / '.claimrec.duckdb.lock'})"
    )
    assert state.message == f"Flow run encountered an exception: WriterBusy: {busy}"
    assert task_runs(state.state_details.flow_run_id) == {"lock": ("FAILED", 4)}
    assert not db.exists()
    [marker] = work.glob(".claimrec.duckdb.*.running")
    assert {k: v for k, v in json.loads(marker.read_text()).items() if k in ("stage", "error", "flow_run_id")} == {
        "stage": "lock",
        "error": busy,
        "flow_run_id": str(state.state_details.flow_run_id),
    }

    assert flow.claimrec_pipeline(*args, return_state=True).is_completed()
    rows = runs_table(db)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (str(state.state_details.flow_run_id), "failed", f"stage lock failed: {busy}"),
        (rows[1][1], "succeeded", None),
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claims").fetchone() == (7,)
