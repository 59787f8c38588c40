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


_claim_tallies: dict[str, list[Tally]] = {}
_claim_tallies_lock = threading.Lock()


def validate(
    claimset: ClaimSet, frame: pl.DataFrame | None = None, run_time: dt.datetime | None = None
) -> list[Outcome]:
    """Run the claim and source suites over the claims (or over `frame`) as a Great Expectations run at
    `run_time` (by default now); raise `ValidationFailed` naming the broken claims. Only validation: the
    benchmarks time this call."""
    tallies = suites.claim_tallies(claimset, claimset.claims_frame() if frame is None else frame)
    outcomes = judge(tallies, run_name(claimset), run_time=run_time)
    _raise_failures(outcomes)
    if frame is None:
        with _claim_tallies_lock:  # kept for the Data Docs of this claim set's run (see `verify_outputs`)
            _claim_tallies.clear()
            _claim_tallies[claimset.digest] = tallies
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
    otherwise their outcomes go into its `validations` table. With `docs`, the same Great Expectations run
    also covers the claim suites of this run and renders the Data Docs of both into `docs`. The run is dated
    `run_time`, the run's start (by default now; a naive time is in UTC): the same claims at the same
    `run_time` give byte-identical Data Docs."""
    con = store.connect(building)
    try:
        tallies = suites.output_tallies(con)
        claims = _kept_claim_tallies(claimset) if docs is not None else []
        outcomes = judge(claims + tallies, run_name(claimset), docs, run_time)[len(claims) :]
        _raise_failures(outcomes)
        con.register("incoming", outcomes_frame(run_id, outcomes))
        try:
            con.execute("INSERT INTO validations BY NAME SELECT * FROM incoming")
        finally:
            con.unregister("incoming")
    finally:
        con.close()
    return outcomes


def _kept_claim_tallies(claimset: ClaimSet) -> list[Tally]:
    """The claim suites' tallies of this claim set, kept by `validate`, or counted again when it validated
    them in another process."""
    with _claim_tallies_lock:
        kept = _claim_tallies.get(claimset.digest)
    return kept if kept is not None else suites.claim_tallies(claimset, claimset.claims_frame())


def judge(
    tallies: list[Tally], name: str, docs: Path | None = None, run_time: dt.datetime | None = None
) -> list[Outcome]:
    """The outcome of each tally, as Great Expectations judges it in one run named `name` at `run_time` (by
    default now; a naive time is in UTC), with its Data Docs in `docs`."""
    when = dt.datetime.now(dt.UTC) if run_time is None else run_time
    verdicts = gx_runner.validate_tallies(tallies, name, when, docs)
    return [
        Outcome(t.type, t.column, met, t.element_count, t.unexpected_count, t.observed_value, t.unexpected_ids)
        for t, met in zip(tallies, verdicts, strict=True)
    ]


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
