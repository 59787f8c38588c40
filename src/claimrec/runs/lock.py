"""The single-writer lock of a database: one run at a time builds and publishes it.

The lock is an exclusive `flock` on `.<database name>.lock` beside the database, taken through filelock's
`UnixFileLock`. Being a kernel lock, it is released when the holding process ends, however it ends (a killed
run never leaves it held), and it works between the processes of one machine. The lock file stays in place
after release, so that every run locks the same file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import Timeout, UnixFileLock, lock_descriptor, unlock_descriptor

from claimrec.errors import WriterBusy

LOCK_WAIT_SECONDS = 600.0
"""How long a run waits by default for the run holding the writer lock to finish."""
POLL_SECONDS = 0.2
"""How often a waiting run tries the lock again."""


def lock_path(db_path: Path) -> Path:
    """The lock file of a database's single writer."""
    return db_path.with_name(f".{db_path.name}.lock")


class WriterLock:
    """The single-writer lock of one database. Use it as a context manager once acquired:
    `with WriterLock(db).acquire(60): ...`.

    Two `WriterLock`s of one database conflict even within one process, as two processes' do. The lock may be
    released from another thread than the one that took it: the Prefect flow takes it in its `lock` task."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.path = lock_path(db_path)
        # thread_local=False: held by the object, not by the thread that took it (see above).
        # fallback_to_soft=False: on a file system without flock, fail rather than fall back to a lock file whose
        # mere existence is the lock, which a killed run would leave behind.
        self._lock = UnixFileLock(self.path, thread_local=False, fallback_to_soft=False, poll_interval=POLL_SECONDS)

    def acquire(self, wait_seconds: float = LOCK_WAIT_SECONDS, on_wait: Callable[[], None] | None = None) -> WriterLock:
        """Take the lock, waiting up to `wait_seconds` for the run that holds it (`on_wait` is called once if
        it has to wait); raise WriterBusy when the wait is over."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            if on_wait is not None:
                on_wait()
            try:
                self._lock.acquire(timeout=wait_seconds)
            except Timeout:
                raise WriterBusy(
                    f"{self.db_path}: another claimrec run has held the writer lock for {wait_seconds:.0f} s;"
                    f" wait for it to finish (lock file {self.path})"
                ) from None
        return self

    def release(self) -> None:
        """Let the next writer in; releasing twice is harmless."""
        self._lock.release(force=True)

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


@contextlib.contextmanager
def writer_lock(db_path: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the single-writer lock of a database; a second run waits for it, then fails with WriterBusy."""
    with WriterLock(db_path).acquire(wait_seconds):
        yield


def lock_held(db_path: Path) -> bool:
    """Whether a run holds the writer lock right now (without waiting, and without creating the lock file)."""
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY)
    except OSError:  # no lock file: no run has ever taken the lock
        return False
    try:
        if not lock_descriptor(fd, blocking=False):
            return True
        unlock_descriptor(fd)
        return False
    except OSError:
        return False
    finally:
        os.close(fd)
