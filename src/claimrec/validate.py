"""The validation stages: the Great Expectations suites over the claims before anything is written
(`validate`), and over the reconciled outputs in the database being built before it is published
(`verify_outputs`), with the Data Docs of both (README, "Validation").

The suites are data (`suites`); Polars counts the rows that break each check and Great Expectations
validates those counts (`gx_runner`), so that the cost of Great Expectations does not grow with the claims.
An outcome per check names its first `ID_LIMIT` offending rows by id, and a failed one stops the run.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from claimrec import gx_runner, store, suites
from claimrec.errors import ValidationFailed
from claimrec.model import ClaimSet
from claimrec.suites import ID_LIMIT, Tally

__all__ = [
    "DOCS_DIR",
    "ID_LIMIT",
    "Outcome",
    "import_in_background",
    "outcomes_frame",
    "run_name",
    "validate",
    "validate_outputs",
    "verify_outputs",
]

DOCS_DIR = "validation"
"""The folder of the reports that holds the Data Docs."""

import_in_background = gx_runner.import_in_background


@dataclass(frozen=True)
class Outcome:
    """The result of one expectation: a row of the `validations` table."""

    expectation: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    observed_value: str | None
    unexpected_ids: tuple[str, ...]


def run_name(claimset: ClaimSet) -> str:
    """The Great Expectations run name of a claim set: its input digest, shortened."""
    return f"claims-{claimset.digest[:16]}"


_claim_sessions: dict[str, tuple[gx_runner.Session, list[Tally]]] = {}
"""The Great Expectations session of the latest claim set validated in this process, with its tallies, by the
claim set's digest: the verify stage adds the output suites' results to it for the Data Docs."""
_claim_sessions_lock = threading.Lock()


def validate(
    claimset: ClaimSet, frame: pl.DataFrame | None = None, run_time: dt.datetime | None = None
) -> list[Outcome]:
    """Run the claim and source suites over the claims (or over `frame`) as a Great Expectations run at
    `run_time` (by default now); raise `ValidationFailed` naming the broken claims. Only validation: the
    benchmarks time this call."""
    tallies = suites.claim_tallies(claimset, claimset.claims_frame() if frame is None else frame)
    session = gx_runner.Session(run_name(claimset), _when(run_time))
    outcomes = _outcomes(tallies, session.validate(tallies))
    _raise_failures(outcomes)
    if frame is None:
        with _claim_sessions_lock:  # kept for the Data Docs of this claim set's run (see `verify_outputs`)
            _claim_sessions.clear()
            _claim_sessions[claimset.digest] = (session, tallies)
    return outcomes


def validate_outputs(con: duckdb.DuckDBPyConnection, name: str = "claimrec") -> tuple[list[Outcome], list[Tally]]:
    """Run the output suites over the reconciled database `con` (results under the run name `name`);
    raise `ValidationFailed` naming the findings, quantities and checks that broke them."""
    tallies = suites.output_tallies(con)
    outcomes = judge(tallies, name)
    _raise_failures(outcomes)
    return outcomes, tallies


def verify_outputs(
    building: Path, run_id: str, claimset: ClaimSet, docs: Path | None = None, run_time: dt.datetime | None = None
) -> list[Outcome]:
    """The output suites over the database being built: a failure raises (nothing is published);
    otherwise their outcomes go into its `validations` table. With `docs`, the output suites are validated in
    the Great Expectations session of this claim set's validate stage (or, when it ran in another process, in
    a new one that validates the claim suites again) and the Data Docs of both are rendered into `docs`. The
    run is dated `run_time`, the run's start (by default now; a naive time is in UTC): the same claims at the
    same `run_time` give byte-identical Data Docs."""
    con = store.connect(building)
    try:
        tallies = suites.output_tallies(con)
        session = _claim_session(claimset, run_time) if docs is not None else None
        if session is None:
            outcomes = judge(tallies, run_name(claimset), run_time=run_time)
        else:
            outcomes = _outcomes(tallies, session.validate(tallies))
        _raise_failures(outcomes)
        if session is not None:
            session.build_docs(docs)
        con.register("incoming", outcomes_frame(run_id, outcomes))
        try:
            con.execute("INSERT INTO validations BY NAME SELECT * FROM incoming")
        finally:
            con.unregister("incoming")
    finally:
        con.close()
    return outcomes


def _claim_session(claimset: ClaimSet, run_time: dt.datetime | None) -> gx_runner.Session:
    """The session in which `validate` validated this claim set (taken: a session serves one verify), or a new
    one that validates its claim suites again when it was validated in another process."""
    with _claim_sessions_lock:
        kept = _claim_sessions.pop(claimset.digest, None)
    if kept is not None:
        return kept[0]
    session = gx_runner.Session(run_name(claimset), _when(run_time))
    session.validate(suites.claim_tallies(claimset, claimset.claims_frame()))
    return session


def _when(run_time: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if run_time is None else run_time


def _outcomes(tallies: list[Tally], verdicts: list[bool]) -> list[Outcome]:
    return [
        Outcome(t.type, t.column, met, t.element_count, t.unexpected_count, t.observed_value, t.unexpected_ids)
        for t, met in zip(tallies, verdicts, strict=True)
    ]


def judge(
    tallies: list[Tally], name: str, docs: Path | None = None, run_time: dt.datetime | None = None
) -> list[Outcome]:
    """The outcome of each tally, as Great Expectations judges it in one run named `name` at `run_time` (by
    default now; a naive time is in UTC), with its Data Docs in `docs`."""
    return _outcomes(tallies, gx_runner.validate_tallies(tallies, name, _when(run_time), docs))


def _raise_failures(outcomes: list[Outcome]) -> None:
    failures = [_describe(o) for o in outcomes if not o.success]
    if failures:
        raise ValidationFailed(failures)


def _describe(outcome: Outcome) -> str:
    where = f" on {outcome.column}" if outcome.column else ""
    ids = ", ".join(outcome.unexpected_ids[:10])
    rows = outcome.unexpected_count or 0
    more = f" and others ({rows} rows in all)" if len(outcome.unexpected_ids) > 10 or rows > ID_LIMIT else ""
    broken = f": broken by {ids}{more}" if ids else f" (observed {outcome.observed_value})"
    return f"expectation {outcome.expectation}{where} failed{broken}"


def outcomes_frame(run_id: str, outcomes: list[Outcome]) -> pl.DataFrame:
    """The outcomes as rows of the `validations` table."""
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(outcomes),
            "expectation": [o.expectation for o in outcomes],
            "column": [o.column for o in outcomes],
            "success": [o.success for o in outcomes],
            "element_count": [o.element_count for o in outcomes],
            "unexpected_count": [o.unexpected_count for o in outcomes],
            "observed_value": [o.observed_value for o in outcomes],
            "unexpected_ids": [list(o.unexpected_ids) for o in outcomes],
        },
        schema={
            "run_id": pl.String,
            "expectation": pl.String,
            "column": pl.String,
            "success": pl.Boolean,
            "element_count": pl.Int64,
            "unexpected_count": pl.Int64,
            "observed_value": pl.String,
            "unexpected_ids": pl.List(pl.String),
        },
    )
