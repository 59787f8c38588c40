"""Run markers: what a run leaves beside the database while it runs, when it fails and when it is killed, and
how `claimrec runs` and the next run read them."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from claimrec.errors import StageFailed, WriterBusy
from claimrec.runs import markers
from claimrec.runs.lock import WriterLock

RUN = "20260101T000000-deadbeef"


def _info(db: Path, run_id: str = RUN) -> dict:
    return markers.start_info(run_id, dt.datetime(2026, 1, 1), "flow-1", db.parent / "claims")


def test_a_run_under_way_is_marked_and_its_marker_removed_when_it_ends(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    cleaned = []
    with markers.marked(db, _info(db), lambda: WriterLock(db).acquire(0), lambda: cleaned.append(True)) as found:
        assert found == []
        assert markers.read_marker(markers.marker_path(db, RUN)) == {
            "run_id": RUN,
            "started_at": "2026-01-01T00:00:00",
            "flow_run_id": "flow-1",
            "claims_dir": str(tmp_path / "claims"),
            "pid": os.getpid(),
        }
        assert [p["status"] for p in markers.pending_runs(db)] == ["running"]
    assert cleaned == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".claimrec.duckdb.lock"]


def test_a_failed_run_leaves_where_and_why_then_cleans_up(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    seen_when_cleaning = []

    def clean_up() -> None:  # the reason is written before what the run built is removed
        seen_when_cleaning.append(markers.read_marker(markers.marker_path(db, RUN)).get("stage"))

    with pytest.raises(StageFailed), markers.marked(db, _info(db), lambda: WriterLock(db).acquire(0), clean_up):
        raise StageFailed("store", OSError("disk full"))
    assert seen_when_cleaning == ["store"]
    [pending] = markers.pending_runs(db)
    assert (pending["run_id"], pending["status"], pending["error"]) == (
        RUN,
        "failed (pending)",
        "stage store failed: disk full",
    )
    assert pending["started_at"] == dt.datetime(2026, 1, 1) and pending["flow_run_id"] == "flow-1"


def test_a_run_that_cannot_get_the_lock_is_marked_as_failed_at_stage_lock(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    with (
        WriterLock(db).acquire(0),
        pytest.raises(WriterBusy),
        markers.marked(db, _info(db), lambda: WriterLock(db).acquire(0), lambda: None),
    ):
        pytest.fail("the run went on without the lock")
    info = json.loads(markers.marker_path(db, RUN).read_text())
    assert info["stage"] == "lock" and info["error"].startswith(f"{db}: another claimrec run has held")
    assert markers.failure_text(info) == f"stage lock failed: {info['error']}"


def test_an_interrupted_run_says_so(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    markers.leave_failure(db, _info(db), KeyboardInterrupt())
    info = markers.read_marker(markers.marker_path(db, RUN))
    assert (info["stage"], info["error"]) == (None, "interrupted (KeyboardInterrupt)")
    assert markers.failure_text(info) == "interrupted (KeyboardInterrupt)"


def test_a_killed_run_is_pending_as_killed_and_recorded_by_the_run_that_noticed_it(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    markers.marker_path(db, RUN).write_text('{"run_id": "20260101T0')  # killed while writing its marker
    assert markers.read_marker(markers.marker_path(db, RUN)) == {}
    [pending] = markers.pending_runs(db)
    assert (pending["status"], pending["error"]) == ("failed (pending)", markers.KILLED)
    assert pending["started_at"] == dt.datetime(2026, 1, 1)  # read from its run id
    [abandoned] = markers.abandoned_runs(db)
    row = markers.abandoned_row(abandoned, {"run_id": "next", "n_claims": 7, "n_findings": 1})
    assert row == {
        "n_claims": 0,
        "n_findings": 0,
        "run_id": RUN,
        "flow_run_id": None,
        "started_at": dt.datetime(2026, 1, 1),
        "finished_at": row["finished_at"],
        "status": "failed",
        "input_digest": "unknown",
        "claims_dir": "unknown",
        "error": "stopped before publishing (killed or crashed); noticed by run next",
    }
    markers.forget_abandoned(db, [RUN])
    assert list(tmp_path.iterdir()) == []
