"""Row-wise claim suites over slices of a long frame: the merged outcomes are those of the whole frame."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from claimrec import validate
from claimrec.model import ClaimSet

QUOTES = [3, 60, 61, 170, 230]
"""Rows whose quote is emptied: in the first, second, fourth and fifth slice of 50 rows."""
METRICS = list(range(7, 233, 7))
"""Rows whose metric is unknown: seven per slice of 50 rows, more than `ID_LIMIT` in all."""
VALUE = 220
"""The row whose value is negative, in the last slice."""
REPEAT = (10, 210)
"""The second row gets the first one's id: a repeat across slices."""


def _broken(seed: ClaimSet) -> pl.DataFrame:
    row = pl.int_range(pl.len())
    first_id = seed.claims_frame()["claim_id"][REPEAT[0]]
    return seed.claims_frame().with_columns(
        pl.when(row.is_in(QUOTES)).then(pl.lit("")).otherwise(pl.col("quote")).alias("quote"),
        pl.when(row.is_in(METRICS)).then(pl.lit("exploded")).otherwise(pl.col("metric")).alias("metric"),
        pl.when(row == VALUE).then(pl.lit(-5.0)).otherwise(pl.col("value")).alias("value"),
        pl.when(row == REPEAT[1]).then(pl.lit(first_id)).otherwise(pl.col("claim_id")).alias("claim_id"),
    )


def _run(seed: ClaimSet, frame: pl.DataFrame) -> tuple[list[validate.Outcome], list[validate.SuiteRun]]:
    return validate.run_batches(validate.claim_batches(seed, frame))


@pytest.fixture()
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "SLICE_ROWS", 50)
    monkeypatch.setattr(validate, "REFERENCE_SLICE_ROWS", 80)


def test_slices_cover_the_frame_in_order(seed: ClaimSet) -> None:
    frame = seed.claims_frame()
    assert frame.height == 233

    def batch(slice_rows: int | None) -> validate.Batch:
        return validate.Batch("s", frame, ("quote",), "claim_id", list, slice_rows=slice_rows)

    assert validate._slices(batch(100)) == [range(0, 100), range(100, 200), range(200, 233)]
    assert validate._slices(batch(233)) == [None]
    assert validate._slices(batch(None)) == [None]


def test_a_frame_up_to_the_slice_size_is_validated_whole(seed: ClaimSet) -> None:
    _, runs = _run(seed, seed.claims_frame())
    assert [r.rows for r in runs] == [None] * 8
    assert [r.batch for r in runs] == [r.suite for r in runs]


def test_sliced_outcomes_are_those_of_the_whole_frame(seed: ClaimSet, small_slices: None) -> None:
    frame = _broken(seed)
    sliced, runs = _run(seed, frame)
    with pytest.MonkeyPatch.context() as whole:
        whole.setattr(validate, "SLICE_ROWS", 10**9)
        whole.setattr(validate, "REFERENCE_SLICE_ROWS", 10**9)
        unsliced, _ = _run(seed, frame)
    assert sliced == unsliced
    slices = {suite: [r.rows for r in runs if r.suite == suite] for suite in dict.fromkeys(r.suite for r in runs)}
    assert slices["claims.quotes"] == [range(0, 50), range(50, 100), range(100, 150), range(150, 200), range(200, 233)]
    assert slices["claims.references"] == [range(0, 80), range(80, 160), range(160, 233)]
    assert slices["claims.columns"] == slices["claims.unique_ids"] == [None]


def test_sliced_counts_are_summed_and_the_first_offenders_of_all_named(seed: ClaimSet, small_slices: None) -> None:
    frame = _broken(seed)
    ids = frame["claim_id"]
    outcomes, _ = _run(seed, frame)
    failed = {(o.expectation, o.column): o for o in outcomes if not o.success}
    assert set(failed) == {
        ("expect_column_value_lengths_to_be_between", "quote"),
        ("expect_column_values_to_be_in_set", "metric"),
        ("expect_column_values_to_be_between", "value"),
        ("expect_column_values_to_be_unique", "claim_id"),
    }
    quotes = failed["expect_column_value_lengths_to_be_between", "quote"]
    assert (quotes.element_count, quotes.unexpected_count) == (233, len(QUOTES))
    assert quotes.unexpected_ids == tuple(sorted(ids.gather(QUOTES).to_list()))
    metric = failed["expect_column_values_to_be_in_set", "metric"]
    assert (metric.element_count, metric.unexpected_count) == (233, len(METRICS))
    assert metric.unexpected_ids == tuple(sorted(ids.gather(METRICS[: validate.ID_LIMIT]).to_list()))
    value = failed["expect_column_values_to_be_between", "value"]
    assert (value.unexpected_count, value.unexpected_ids) == (1, (ids[VALUE],))
    unique = failed["expect_column_values_to_be_unique", "claim_id"]  # over the whole frame, never sliced
    assert (unique.unexpected_count, unique.unexpected_ids) == (2, (ids[REPEAT[0]],))
    assert all(o.element_count == 233 for o in outcomes if o.column)


def test_a_sliced_suite_has_a_data_docs_page_per_slice(seed: ClaimSet, small_slices: None, tmp_path: Path) -> None:
    _, runs = _run(seed, seed.claims_frame())
    docs = tmp_path / "docs"
    validate.write_docs(docs, [r for r in runs if r.suite in ("claims.quotes", "claims.unique_ids")])
    pages = sorted(p.name for p in docs.glob("validations/claims/*/*/*/*.html"))
    slices = ((0, 49), (50, 99), (100, 149), (150, 199), (200, 232))
    quotes = [f"claims.quotes.rows-{first}-{last}.html" for first, last in slices]
    assert pages == sorted([*quotes, "claims.unique_ids.html"])
    assert sorted(p.name for p in docs.glob("expectations/claims/*.html")) == ["quotes.html", "unique_ids.html"]


def _result(success: bool, elements: int, unexpected: int | None, positions: list, observed: object) -> SimpleNamespace:
    """A stand-in for Great Expectations' result of one expectation over one slice."""
    config = SimpleNamespace(type="expect_x", kwargs={"column": "c"})
    info = {"element_count": elements, "unexpected_count": unexpected, "partial_unexpected_index_list": positions,
            "observed_value": observed}  # fmt: skip
    return SimpleNamespace(expectation_config=config, success=success, result=info)


def test_results_of_slices_merge_into_one_outcome() -> None:
    ids = pl.Series([f"id-{i:02d}" for i in range(40)])
    slices = [_result(True, 10, 0, [], 1), _result(False, 10, 2, [12, 15], 2)]
    merged = validate._outcome([*slices, _result(False, 20, 30, [*range(20, 40)], 3)], ids, "")
    assert not merged.success
    assert (merged.element_count, merged.unexpected_count, merged.observed_value) == (40, 32, "2")
    assert merged.unexpected_ids == tuple(f"id-{i:02d}" for i in [12, 15, *range(20, 38)])
    passing = validate._outcome([_result(True, 10, None, [], 1), _result(True, 10, 0, [], 2)], ids, "")
    assert passing.success and passing.unexpected_count is None and passing.observed_value == "1"
