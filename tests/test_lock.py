"""The single-writer lock: a second writer waits then gives up clearly, the kernel frees the lock of a killed
run, and asking whether it is held neither waits nor creates the lock file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from claimrec.errors import StoreError, WriterBusy
from claimrec.runs.lock import WriterLock, lock_held, lock_path, writer_lock

HOLDER = """
import sys, time
from pathlib import Path
from claimrec.runs.lock import WriterLock
lock = WriterLock(Path(sys.argv[1])).acquire(0)
print("held", flush=True)
time.sleep(600)
"""


def test_a_second_writer_waits_then_gives_up_clearly(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    with writer_lock(db), pytest.raises(StoreError) as caught, writer_lock(db, wait_seconds=0.5):
        pass
    assert str(caught.value) == (
        f"{db}: another claimrec run has held the writer lock for 0 s; wait for it to finish"
        f" (lock file {tmp_path / '.claimrec.duckdb.lock'})"
    )
    with writer_lock(db, wait_seconds=0.5):  # released: the next writer gets it at once
        pass


def test_a_waiting_writer_is_told_once_and_gets_the_lock_when_it_is_released(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    first = WriterLock(db).acquire(0)
    told = []
    threading.Timer(0.5, first.release).start()
    started = time.monotonic()
    with WriterLock(db).acquire(30, on_wait=lambda: told.append(time.monotonic())):
        assert lock_held(db)
    assert len(told) == 1 and told[0] - started < 0.4  # told at once, then waited
    assert 0.4 < time.monotonic() - started < 10
    assert not lock_held(db)
    with WriterLock(db).acquire(0, on_wait=lambda: told.append(0)):  # free: no waiting, nobody told
        pass
    assert len(told) == 1


def test_the_lock_of_a_killed_run_is_free_at_once(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert lock_held(db)
        with pytest.raises(WriterBusy):
            WriterLock(db).acquire(0)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert not lock_held(db)
    with WriterLock(db).acquire(0):
        pass
    assert lock_path(db).exists()  # the lock file stays: every run locks the same file


def test_a_lock_taken_in_one_thread_is_released_from_another(tmp_path: Path) -> None:
    """As in the Prefect flow: its `lock` task takes the lock, the flow releases it."""
    db = tmp_path / "claimrec.duckdb"
    taken: list[WriterLock] = []
    thread = threading.Thread(target=lambda: taken.append(WriterLock(db).acquire(0)))
    thread.start()
    thread.join()
    assert lock_held(db)
    with taken[0]:
        pass
    assert not lock_held(db)
    taken[0].release()  # twice is harmless
    assert not lock_held(db)


def test_asking_whether_the_lock_is_held_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "claimrec.duckdb"
    assert not lock_held(db)
    WriterLock(db)  # a lock not yet taken creates nothing either
    assert list(tmp_path.iterdir()) == []
    assert lock_path(db) == tmp_path / ".claimrec.duckdb.lock"


def test_the_lock_file_folder_is_made_when_missing(tmp_path: Path) -> None:
    db = tmp_path / "new" / "claimrec.duckdb"
    with WriterLock(db).acquire(0):
        assert lock_held(db)
    assert os.listdir(tmp_path / "new") == [".claimrec.duckdb.lock"]
