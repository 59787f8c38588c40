"""The Great Expectations suite: it passes on good claims and names the claims that break it."""

from __future__ import annotations

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
