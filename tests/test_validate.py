"""The Great Expectations suite: it passes on good claims and names the claims that break it."""

from __future__ import annotations

import contextlib

import polars as pl
import pytest

from claimrec import validate
from claimrec.errors import ValidationFailed
from claimrec.model import ClaimSet


def test_seed_meets_every_expectation(seed: ClaimSet) -> None:
    outcomes = validate.validate(seed)
    assert outcomes and all(o.success for o in outcomes)
    by_type = {(o.expectation, o.column) for o in outcomes}
    assert ("expect_column_values_to_be_unique", "claim_id") in by_type
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "stated_high, stated_low") in by_type
    assert ("expect_column_values_to_be_in_set", "metric") in by_type
    unique = next(o for o in outcomes if o.expectation == "expect_column_values_to_be_unique")
    assert unique.element_count == len(seed.claims) and unique.unexpected_count == 0


def test_broken_rows_are_named(seed: ClaimSet) -> None:
    """Rows that slipped past the parser (here: forged in the frame) fail the suite by claim id."""
    frame = seed.claims_frame()
    first, second = frame["claim_id"][0], frame["claim_id"][1]
    broken = frame.with_columns(
        pl.when(pl.col("claim_id") == second).then(pl.lit(first)).otherwise(pl.col("claim_id")).alias("claim_id"),
        pl.when(pl.col("claim_id") == first).then(pl.lit("exploded")).otherwise(pl.col("metric")).alias("metric"),
        pl.when(pl.col("claim_id") == first).then(pl.lit(-5.0)).otherwise(pl.col("value")).alias("value"),
    )
    with pytest.raises(ValidationFailed) as caught:
        validate.validate(seed, broken)
    assert caught.value.failures == [
        f"expectation expect_column_values_to_be_unique on claim_id failed: broken by {first}",
        f"expectation expect_column_values_to_be_in_set on metric failed: broken by {first}",
        f"expectation expect_column_values_to_be_between on value failed: broken by {first}",
    ]
    assert str(caught.value).endswith("3 expectation(s) failed; nothing was written")


def test_outcomes_become_rows(seed: ClaimSet) -> None:
    outcomes = validate.validate(seed)
    frame = validate.outcomes_frame("run-1", outcomes)
    assert frame.height == len(outcomes)
    assert frame["run_id"].unique().to_list() == ["run-1"]
    assert frame.schema["unexpected_ids"] == pl.List(pl.String)


def test_each_suite_reads_only_its_columns_in_bulk_dtypes(seed: ClaimSet) -> None:
    """Every claim suite gets exactly the columns its expectations name, reference columns as categoricals
    and figures as float64 (the dtype Great Expectations compares in bulk)."""
    batches = validate.claim_batches(seed, seed.claims_frame())
    assert [b.suite for b in batches] == [
        "claims.columns", "claims.ids", "claims.unique_ids", "claims.quotes", "claims.references", "claims.periods",
        "claims.figures", "claims.origin",
    ]  # fmt: skip
    for batch in batches[1:]:
        named = set()
        for expectation in batch.expectations():
            named |= {getattr(expectation, k) for k in ("column", "column_A", "column_B") if hasattr(expectation, k)}
        assert named == set(batch.columns), batch.suite
    dtypes = {name: str(dtype) for b in batches[1:] for name, dtype in validate._pandas(b).dtypes.items()
              if b.suite != "claims.unique_ids"}  # fmt: skip
    # the ids' uniqueness is checked on their ranks, 32-bit numbers in the order of the ids
    ranks = validate._pandas(batches[2])["claim_id"]
    assert str(ranks.dtype) == "uint32" and ranks.is_unique and ranks.max() == len(seed.claims)
    ordered = seed.claims_frame().with_columns(rank=pl.Series(ranks.to_numpy())).sort("rank")["claim_id"].to_list()
    assert ordered == sorted(ordered)
    assert dtypes == {
        "claim_id": "str", "quote": "str", "source_id": "category", "document_id": "category", "metric": "category",
        "side": "category", "category": "category", "qualifier": "category", "period_start": "datetime64[ms]",
        "period_end": "datetime64[ms]", "value": "float64", "stated_low": "float64", "stated_high": "float64",
        "file": "category", "line": "int64",
    }  # fmt: skip
    assert validate._pandas(batches[0]).shape == (0, len(seed.claims_frame().columns))


def test_many_broken_rows_are_counted_and_the_first_named(seed: ClaimSet) -> None:
    frame = seed.claims_frame()
    broken_ids = frame["claim_id"][5:30].to_list()
    broken = frame.with_columns(
        pl.when(pl.col("claim_id").is_in(broken_ids)).then(pl.lit("")).otherwise(pl.col("quote")).alias("quote")
    )
    with pytest.raises(ValidationFailed) as caught:
        validate.validate(seed, broken)
    assert caught.value.failures == [
        "expectation expect_column_value_lengths_to_be_between on quote failed: broken by "
        + ", ".join(broken_ids[:10]) + " and others (25 rows in all)"
    ]  # fmt: skip


def test_outcomes_name_at_most_the_limit(seed: ClaimSet) -> None:
    frame = seed.claims_frame().with_columns(pl.lit(-1.0).alias("stated_low"))
    with pytest.raises(ValidationFailed):
        validate.validate(seed, frame)
    outcomes, _ = validate.run_batches([b for b in validate.claim_batches(seed, frame) if b.suite == "claims.figures"])
    low = next(o for o in outcomes if o.column == "stated_low")
    assert low.unexpected_count == frame.height and low.element_count == frame.height
    assert low.unexpected_ids == tuple(frame["claim_id"][: validate.ID_LIMIT].to_list())


def test_configurations_made_once_give_the_same_results(seed: ClaimSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each expectation's configuration is made once per suite run (`_configurations_made_once`): the results,
    failures and their offending rows included, are those Great Expectations gives when it makes them anew."""
    frame = seed.claims_frame()
    broken = frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(pl.lit("exploded")).otherwise(pl.col("metric")).alias("metric"),
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit(-1.0)).otherwise(pl.col("value")).alias("value"),
    )
    _, once = validate.run_batches(validate.claim_batches(seed, broken))
    assert validate._suite_run.configurations is None  # closed: configurations are made anew again
    expectation = validate.claim_batches(seed, broken)[1].expectations()[0]
    assert expectation.configuration is not expectation.configuration
    calls = []

    def counted():  # noqa: ANN202 - a context manager
        calls.append(1)
        return contextlib.nullcontext()

    monkeypatch.setattr(validate, "_configurations_made_once", counted)
    _, anew = validate.run_batches(validate.claim_batches(seed, broken))
    assert len(calls) == len(anew) == len(once) == 8
    assert not all(run.result.success for run in once)
    assert _without_ids(once) == _without_ids(anew)


def _without_ids(runs: list[validate.SuiteRun]) -> list[dict]:
    """The results as JSON, less the random id each expectation gets when its suite is added to a context and
    the moment its batch was loaded."""
    found = [run.result.to_json_dict() for run in runs]
    for result in found:
        assert result["meta"]["batch_markers"].pop("ge_load_time")
        for one in result["results"]:
            assert one["expectation_config"].pop("id")
    return found
