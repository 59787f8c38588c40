"""The claim suites over a frame longer than one Great Expectations batch used to hold (2,500,000 rows, when
long frames were validated in slices): Polars counts every row in one pass, so the counts and the first
offenders named are those of the whole frame, whatever its length."""

from __future__ import annotations

import polars as pl
import pytest

from claimrec import validate
from claimrec.errors import ValidationFailed
from claimrec.model import ClaimSet

COPIES = 11_000
"""The seed's 233 claims, this many times: 2,563,000 rows."""
OLD_SLICE = 2_500_000
QUOTES = [3, 60, 1_249_999, 2_500_000, 2_562_999]
"""Rows whose quote is emptied: on both sides of the old slice boundaries, and the last row."""
METRICS = list(range(5, 2_563_000, 100_000))
"""Rows whose metric is unknown: 26, more than `ID_LIMIT`, spread over the whole frame."""
VALUE = 2_500_001
"""The row whose value is negative, past the old first slice."""
REPEAT = (10, 2_562_000)
"""The second row gets the first one's id: a repeat across the old slices."""


@pytest.fixture(scope="module")
def long_frame(seed: ClaimSet) -> pl.DataFrame:
    claims = seed.claims_frame()
    copies = pl.concat([claims] * COPIES).with_columns(
        (pl.col("claim_id") + "-" + (pl.int_range(pl.len()) // claims.height).cast(pl.String)).alias("claim_id")
    )
    row = pl.int_range(pl.len())
    first_id = copies["claim_id"][REPEAT[0]]
    return copies.with_columns(
        pl.when(row.is_in(QUOTES)).then(pl.lit("")).otherwise(pl.col("quote")).alias("quote"),
        pl.when(row.is_in(METRICS)).then(pl.lit("exploded")).otherwise(pl.col("metric")).alias("metric"),
        pl.when(row == VALUE).then(pl.lit(-5.0)).otherwise(pl.col("value")).alias("value"),
        pl.when(row == REPEAT[1]).then(pl.lit(first_id)).otherwise(pl.col("claim_id")).alias("claim_id"),
    )


def test_counts_and_first_offenders_are_those_of_the_whole_frame(seed: ClaimSet, long_frame: pl.DataFrame) -> None:
    assert long_frame.height == 2_563_000 > OLD_SLICE
    ids = long_frame["claim_id"]
    with pytest.raises(ValidationFailed) as caught:
        validate.validate(seed, long_frame)
    assert caught.value.failures == [
        f"expectation expect_column_values_to_be_unique on claim_id failed: broken by {ids[REPEAT[0]]}",
        "expectation expect_column_value_lengths_to_be_between on quote failed: broken by "
        + ", ".join(sorted(ids.gather(QUOTES).to_list())),
        "expectation expect_column_values_to_be_in_set on metric failed: broken by "
        + ", ".join(sorted(ids.gather(METRICS[: validate.ID_LIMIT]).to_list())[:10])
        + f" and others ({len(METRICS)} rows in all)",
        f"expectation expect_column_values_to_be_between on value failed: broken by {ids[VALUE]}",
    ]


def test_outcomes_over_the_whole_frame(seed: ClaimSet, long_frame: pl.DataFrame) -> None:
    from claimrec import suites

    outcomes = validate.judge(suites.claim_tallies(seed, long_frame), "long")
    ids = long_frame["claim_id"]
    failed = {(o.expectation, o.column): o for o in outcomes if not o.success}
    assert set(failed) == {
        ("expect_column_value_lengths_to_be_between", "quote"),
        ("expect_column_values_to_be_in_set", "metric"),
        ("expect_column_values_to_be_between", "value"),
        ("expect_column_values_to_be_unique", "claim_id"),
    }
    quotes = failed["expect_column_value_lengths_to_be_between", "quote"]
    assert (quotes.element_count, quotes.unexpected_count) == (2_563_000, len(QUOTES))
    assert quotes.unexpected_ids == tuple(sorted(ids.gather(QUOTES).to_list()))
    metric = failed["expect_column_values_to_be_in_set", "metric"]
    assert (metric.element_count, metric.unexpected_count) == (2_563_000, len(METRICS))
    assert metric.unexpected_ids == tuple(sorted(ids.gather(METRICS[: validate.ID_LIMIT]).to_list()))
    value = failed["expect_column_values_to_be_between", "value"]
    assert (value.unexpected_count, value.unexpected_ids) == (1, (ids[VALUE],))
    unique = failed["expect_column_values_to_be_unique", "claim_id"]
    assert (unique.unexpected_count, unique.unexpected_ids) == (2, (ids[REPEAT[0]],))
    assert all(o.element_count == 2_563_000 for o in outcomes[:-3] if o.column)  # the claim suites
    assert all(o.element_count == len(seed.sources) for o in outcomes[-3:])  # the sources suite
