"""Run markers: the file beside the database that says a run is under way, and what an unfinished run left.

Every run writes `.<database name>.<run id>.running` (JSON: when it started, its flow run, its claims folder,
its process) once it holds the writer lock, and removes it once it has published. A run that fails writes where
and why into it and leaves it; a run that is killed leaves it as it was. The next run that publishes records
those runs in `runs` as failed and removes what they left (README, "How a run writes"); until then
`claimrec runs` lists them from their markers (`pending_runs`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from claimrec import store
from claimrec.errors import StageFailed, WriterBusy
from claimrec.runs.lock import WriterLock, lock_held

KILLED = "stopped before publishing (killed or crashed)"
"""The error recorded for a run that left its marker without a reason."""


def marker_path(db_path: Path, run_id: str) -> Path:
    """The file that says a run is under way. A run that fails writes why into it and leaves it behind; one
    left empty or without a reason is the mark of a run that was killed."""
    return db_path.with_name(f".{db_path.name}.{run_id}.running")


def write_marker(db_path: Path, run_id: str, info: dict) -> None:
    """Write what is known of a run (when it started, its flow run, and once it failed, where and why) into its
    marker, as JSON."""
    text = json.dumps(info, default=str, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    marker_path(db_path, run_id).write_text(text, encoding="utf-8")


def read_marker(path: Path) -> dict:
    """What a marker says; {} when it is empty or was cut short (its run was killed while writing it)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def start_info(run_id: str, started_at: dt.datetime, flow_run_id: str | None, claims_dir: Path) -> dict:
    """What a run's marker says while it runs: its id, when it started, its flow run, its claims folder and
    its process (so that `pending_runs` can tell a run under way from one that was killed)."""
    return {
        "run_id": run_id,
        "started_at": started_at.isoformat(),
        "flow_run_id": flow_run_id,
        "claims_dir": str(claims_dir),
        "pid": os.getpid(),
    }


def leave_failure(db_path: Path, info: dict, exc: BaseException, stage: str | None = None) -> None:
    """Write where and why a run failed into its marker (`info`: its `start_info`) and leave it behind; the next
    run that publishes records it. A StageFailed names its own stage; `stage` names the step otherwise.

    The published database is not touched: a failed run changes nothing users see."""
    if isinstance(exc, StageFailed):
        stage, message = exc.stage, str(exc.cause)
    elif isinstance(exc, Exception):
        message = str(exc) or type(exc).__name__
    else:
        message = f"interrupted ({type(exc).__name__})"
    failed = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    reason = {**info, "failed_at": failed.isoformat(), "stage": stage, "error": message}
    with contextlib.suppress(OSError):  # the error itself still reaches the caller
        write_marker(db_path, info["run_id"], reason)


@contextlib.contextmanager
def marked(
    db_path: Path, info: dict, take_lock: Callable[[], WriterLock], clean_up: Callable[[], None]
) -> Iterator[list[dict]]:
    """Hold the writer lock for one run (`info`: its `start_info`) with its marker beside the database; yield
    the runs that left their marker before it (`abandoned_runs`), for it to record when it publishes.

    The lock is taken by `take_lock()`. A run that fails, including one that could not get the lock (stage
    `lock`), keeps its marker with where and why; a run that ends without an error removes it. Then, still
    under the lock, `clean_up()` removes whatever the run built and did not publish."""
    run_id = info["run_id"]
    try:
        lock = take_lock()
    except WriterBusy as exc:
        leave_failure(db_path, info, exc, stage="lock")
        raise
    with lock:
        abandoned = [a for a in abandoned_runs(db_path) if a["run_id"] != run_id]
        write_marker(db_path, run_id, info)
        try:
            yield abandoned
        except BaseException as exc:
            leave_failure(db_path, info, exc)
            raise
        else:
            marker_path(db_path, run_id).unlink(missing_ok=True)
        finally:
            clean_up()


def abandoned_runs(db_path: Path) -> list[dict]:
    """Runs that left their marker behind (failed, killed or crashed), oldest first: what their marker says,
    with `run_id` and `last_seen` (when the run last wrote anything).

    Only call this while holding the writer lock: then no other run is under way."""
    prefix, suffix = f".{db_path.name}.", ".running"
    found = []
    for marker in sorted(db_path.parent.glob(f"{prefix}*{suffix}")):
        run_id = marker.name[len(prefix) : -len(suffix)]
        traces = [p for p in (marker, store.building_path(db_path, run_id)) if p.exists()]
        if not traces:  # its run removed it meanwhile
            continue
        seen = max(p.stat().st_mtime for p in traces)
        found.append({**read_marker(marker), "run_id": run_id, "last_seen": seen})
    return found


def forget_abandoned(db_path: Path, run_ids: list[str]) -> None:
    """Remove what abandoned runs left behind, once they are recorded."""
    for run_id in run_ids:
        store.discard(store.building_path(db_path, run_id))
        marker_path(db_path, run_id).unlink(missing_ok=True)


def describe_abandoned(abandoned: dict) -> dict:
    """What is known of a run that left its marker (an item of `abandoned_runs`): `run_id`, `started_at`,
    `finished_at` (when it failed, or was last seen), `flow_run_id`, `claims_dir`, `pid`, and `error` (None
    when it wrote no reason: it was killed, crashed, or is still under way)."""
    run_id = abandoned["run_id"]
    last_seen = dt.datetime.fromtimestamp(abandoned["last_seen"], dt.UTC).replace(tzinfo=None)
    started = _timestamp(abandoned.get("started_at"))
    if started is None:
        try:
            started = dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%S")
        except ValueError:
            started = last_seen
    finished = _timestamp(abandoned.get("failed_at")) or max(started, last_seen)
    return {
        "run_id": run_id,
        "started_at": started,
        "finished_at": max(started, finished),
        "flow_run_id": abandoned.get("flow_run_id"),
        "claims_dir": abandoned.get("claims_dir"),
        "pid": abandoned.get("pid"),
        "error": failure_text(abandoned) if abandoned.get("error") is not None else None,
    }


def failure_text(info: dict) -> str:
    """How a failed run's marker reads in `runs.error`: `stage <stage> failed: <message>`."""
    stage, error = info.get("stage"), str(info.get("error"))
    return f"stage {stage} failed: {error}" if stage else error


def abandoned_row(abandoned: dict, noticed_by: dict) -> dict:
    """The `runs` row of a run that left its marker (an item of `abandoned_runs`), as the run that noticed it
    (`noticed_by`: its own `runs` row) records it: failed with the reason it wrote, or killed (no reason)."""
    seen = describe_abandoned(abandoned)
    error = seen["error"] or f"{KILLED}; noticed by run {noticed_by['run_id']}"
    return {
        **{k: 0 for k in noticed_by if k.startswith("n_")},
        "run_id": seen["run_id"],
        "flow_run_id": seen["flow_run_id"],
        "started_at": seen["started_at"],
        "finished_at": seen["finished_at"],
        "status": "failed",
        "input_digest": "unknown",
        "claims_dir": seen["claims_dir"] or "unknown",
        "error": error,
    }


def pending_runs(db_path: Path) -> list[dict]:
    """Runs not recorded in the database yet, read from their markers (`describe_abandoned`), each with a
    `status`: `running` for the run that holds the writer lock now, `failed (pending)` for a run that failed
    (its reason) or was killed. The next run that publishes records the failed ones in `runs`."""
    busy = lock_held(db_path)
    found = []
    for abandoned in abandoned_runs(db_path):
        seen = describe_abandoned(abandoned)
        if seen["error"] is None and busy and _alive(seen["pid"]):
            found.append({**seen, "status": "running", "error": ""})
        else:
            found.append({**seen, "status": "failed (pending)", "error": seen["error"] or KILLED})
    return found


def _alive(pid: object) -> bool:
    """Whether a process of that id exists (one of another user's counts)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _timestamp(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text)).replace(tzinfo=None) if text else None
    except ValueError:
        return None
