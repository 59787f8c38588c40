"""Every exception claimrec raises. The CLI turns them into `Error: ...` and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


class ClaimrecError(Exception):
    """Base class of claimrec's own errors."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is, which claim, which field, what is wrong."""

    file: str
    line: int
    claim_id: str | None
    field: str | None
    message: str
    what: str = "claim"
    """What the id names: a claim, or a source in sources.yaml."""

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}"]
        if self.claim_id:
            parts.append(f"{self.what} {self.claim_id}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)

    def sort_key(self) -> tuple:
        """Problems are listed by file and line; on one line, those that name no claim or field come first."""
        return (self.file, self.line, self.claim_id or "", self.field or "", self.message, self.what)


class InputError(ClaimrecError):
    """The claim files have problems; all of them are listed, nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        count = len(self.problems)
        lines = [str(p) for p in self.problems]
        summary = f"{count} problem{'s' if count != 1 else ''} in the claim files; nothing was written"
        super().__init__("\n".join(lines + [summary]))


class ValidationFailed(ClaimrecError):
    """A Great Expectations expectation failed; the run stopped before any write."""

    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__("\n".join(failures + [f"{len(failures)} expectation(s) failed; nothing was written"]))


class StoreError(ClaimrecError):
    """The database could not be written or read."""


class CheckFailed(StoreError):
    """A statement of a reconciliation check failed: names the check and the statement."""

    def __init__(self, check: str, statement: str | None, error: str):
        self.check, self.statement, self.error = check, statement, error
        where = f"check {check}" + (f", statement {statement}" if statement else "")
        super().__init__(f"reconciliation failed in {where}: {error}")


class WriterBusy(StoreError):
    """Another run held the database's writer lock for longer than this run was willing to wait.

    The only failure worth retrying: the other run will finish, and then the lock is free."""


class TooManyContradictions(ClaimrecError):
    """A run found more definite contradictions than its threshold allows. It has already published the
    database and the reports, and is recorded in `runs`; only its outcome is a failure."""

    exit_code = 4

    def __init__(self, found: int, allowed: int, run_id: str):
        self.found, self.allowed, self.run_id = found, allowed, run_id
        super().__init__(
            f"{found} definite contradiction{'s' if found != 1 else ''} found, more than the {allowed} allowed;"
            f" run {run_id} published the database and the reports"
        )


class ServeError(ClaimrecError):
    """The Prefect server could not be started or reached, or the flow could not be served."""

    exit_code = 5


class StageFailed(ClaimrecError):
    """A pipeline stage failed; wraps the cause with the stage's name."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        self.cause = cause
        self.exit_code = getattr(cause, "exit_code", 1)
        super().__init__(f"stage {stage} failed: {cause}")
