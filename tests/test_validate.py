"""The Great Expectations suites: they pass on good claims and name the claims that break them; the counts that
Great Expectations validates are those it finds itself row by row; only its public API is used, at the pinned
version."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from claimrec import gx_runner, suites, validate
from claimrec.errors import ClaimrecError, ValidationFailed
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


def test_suites_are_data_that_great_expectations_accepts(seed: ClaimSet) -> None:
    """Every claim suite is a tuple of (expectation class, arguments) over columns of the claims frame, and every
    check of every suite is an expectation Great Expectations builds from that data."""
    assert list(suites.CLAIM_SUITES) == [
        "claims.columns",
        "claims.ids",
        "claims.unique_ids",
        "claims.quotes",
        "claims.references",
        "claims.periods",
        "claims.figures",
        "claims.origin",
    ]
    columns = set(seed.claims_frame().columns)
    for name, checks in suites.CLAIM_SUITES.items():
        named = {kw[k] for _, kw in checks for k in ("column", "column_A", "column_B") if k in kw}
        assert named <= columns, name
    every = [
        *(c for cs in suites.CLAIM_SUITES.values() for c in cs),
        *suites.SOURCE_SUITE,
        *(c for cs in suites.OUTPUT_SUITES.values() for c in cs),
    ]
    for kind, kwargs in every:
        if kwargs.get("value_set") == suites.KNOWN:
            kwargs = {**kwargs, "value_set": ["x"]}
        assert type(gx_runner.expectation(kind, kwargs)).__name__ == kind
    assert len(every) == 30 + 33


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
        + ", ".join(broken_ids[:10])
        + " and others (25 rows in all)"
    ]


def test_outcomes_name_at_most_the_limit(seed: ClaimSet) -> None:
    frame = seed.claims_frame().with_columns(pl.lit(-1.0).alias("stated_low"))
    with pytest.raises(ValidationFailed):
        validate.validate(seed, frame)
    outcomes = validate.judge(suites.claim_tallies(seed, frame), "limit")
    low = next(o for o in outcomes if o.column == "stated_low")
    assert not low.success
    assert low.unexpected_count == frame.height and low.element_count == frame.height
    assert low.unexpected_ids == tuple(frame["claim_id"][: validate.ID_LIMIT].to_list())


def _broken(frame: pl.DataFrame) -> pl.DataFrame:
    """The claims with rows broken in every way a claim suite checks (some more often than `ID_LIMIT`)."""
    row = pl.int_range(pl.len())

    def where(rows, value, column: str) -> pl.Expr:
        hit = row.is_in(rows) if isinstance(rows, list) else rows
        return pl.when(hit).then(value).otherwise(pl.col(column)).alias(column)

    first_id = frame["claim_id"][10]
    for change in (
        where([1, 2], pl.lit(None, pl.String), "claim_id"),
        where(row == 210, pl.lit(first_id), "claim_id"),
        where([4], pl.lit("Not An Id"), "claim_id"),
        where([3, 60, 61, 170, 230], pl.lit(""), "quote"),
        where([7], pl.lit(None, pl.String), "quote"),
        where(row % 7 == 0, pl.lit("exploded"), "metric"),
        where([8], pl.lit(None, pl.String), "source_id"),
        where([9, 100], pl.lit(None, pl.Date), "period_end"),
        where([11, 12], pl.col("period_start") - pl.duration(days=1), "period_end"),
        where([220], pl.lit(-5.0), "value"),
        where([5, 6], pl.lit(float("nan")), "value"),
        where([13], pl.lit(1.0), "stated_high"),
        where([13], pl.lit(2.0), "stated_low"),
        where([14], pl.lit(None, pl.String), "file"),
    ):
        frame = frame.with_columns(change)
    return frame


def _row_by_row(frame: pl.DataFrame, checks: list) -> dict[tuple[str, str], dict]:
    """What Great Expectations itself finds when it runs `checks` over every row of `frame` (a pandas frame,
    through the public API): the counts and the ids of the first `ID_LIMIT` offending rows of each."""
    gx = gx_runner.gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas("rows").add_dataframe_asset("rows").add_batch_definition_whole_dataframe("b")
    )
    suite = context.suites.add(
        gx.ExpectationSuite(name="rows", expectations=[gx_runner.expectation(k, kw) for k, kw in checks])
    )
    result = batch.get_batch(batch_parameters={"dataframe": frame.to_pandas()}).validate(
        suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": validate.ID_LIMIT}
    )
    ids = frame["claim_id"]
    found = {}
    for one in result.results:
        info, kw = one.result, one.expectation_config.kwargs
        positions = info.get("partial_unexpected_index_list") or []
        column = kw.get("column") or f"{kw['column_A']}, {kw['column_B']}"
        found[one.expectation_config.type, column] = {
            "success": one.success,
            "element_count": info.get("element_count"),
            "unexpected_count": info.get("unexpected_count"),
            "unexpected_ids": tuple(sorted({"(none)" if i is None else i for i in ids.gather(positions)})),
        }
    return found


def test_the_counts_are_those_great_expectations_finds_row_by_row(seed: ClaimSet) -> None:
    """Polars' reading of each check (`suites._offending`) rejects the rows Great Expectations rejects when it is
    handed every row: the same counts and the same first offenders, on claims broken in every checked way."""
    frame = _broken(seed.claims_frame())
    tallies = suites.claim_tallies(seed, frame)
    row_checks = [t for t in tallies if t.suite not in ("claims.columns", "sources")]
    checks = [c for name, cs in suites.CLAIM_SUITES.items() if name != "claims.columns" for c in cs]
    known = {t.column: t for t in tallies}
    values = _known(seed)
    checks = [
        (k, {**kw, "value_set": sorted(values[kw["column"]])} if kw.get("value_set") == suites.KNOWN else kw)
        for k, kw in checks
    ]
    assert len(checks) == len(row_checks) == 26
    ours = {
        (t.type, t.column): {
            "success": t.offending == 0,
            "element_count": t.element_count,
            "unexpected_count": t.unexpected_count,
            "unexpected_ids": t.unexpected_ids,
        }
        for t in row_checks
    }
    assert ours == _row_by_row(frame, checks)
    failed = {(t.type, t.column): t.unexpected_count for t in row_checks if t.offending}
    assert failed == {
        ("expect_column_values_to_not_be_null", "claim_id"): 2,
        ("expect_column_values_to_match_regex", "claim_id"): 1,
        ("expect_column_values_to_be_unique", "claim_id"): 2,
        ("expect_column_values_to_not_be_null", "quote"): 1,
        ("expect_column_value_lengths_to_be_between", "quote"): 5,
        ("expect_column_values_to_not_be_null", "source_id"): 1,
        ("expect_column_values_to_be_in_set", "metric"): 34,
        ("expect_column_values_to_not_be_null", "period_end"): 2,
        ("expect_column_pair_values_a_to_be_greater_than_b", "period_end, period_start"): 2,
        ("expect_column_values_to_be_between", "value"): 1,
        ("expect_column_pair_values_a_to_be_greater_than_b", "stated_high, stated_low"): 1,
        ("expect_column_values_to_not_be_null", "file"): 1,
    }
    assert known["metric"].unexpected_ids == tuple(sorted(frame["claim_id"].gather(range(0, 140, 7)).to_list()))


def _known(seed: ClaimSet) -> dict[str, set[str]]:
    return {
        "source_id": {s.source_id for s in seed.sources},
        "document_id": {d.document_id for d in seed.documents},
        "metric": seed.node_ids("metric"),
        "side": seed.node_ids("side"),
        "category": seed.node_ids("category"),
        "qualifier": {q.qualifier for q in seed.qualifiers},
    }


SRC = Path(__file__).resolve().parents[1] / "src"
PATCHES = (
    "_save_project_config",
    "HASH_THRESHOLD",
    "Expectation.configuration",
    "gc.freeze",
    "bytecode_cache",
    "generate_html_element_uuid",
    "add_data_context_id_to_url",
    "DefaultJinjaPageView",
    "ProgressBarsConfig",
    "ValidationResultIdentifier",
    "result.meta",
)


def test_great_expectations_is_used_through_its_public_api_only() -> None:
    """No patch of Great Expectations' internals, no override of its views, and imports only from the module
    itself and `great_expectations.expectations` / `great_expectations.checkpoint`."""
    sources = {p: p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py"))}
    for path, text in sources.items():
        for patch in PATCHES:
            assert patch not in text, f"{path.name}: {patch}"
        imports = re.findall(r"^\s*(?:from|import)\s+(great_expectations[\w.]*)", text, flags=re.M)
        assert set(imports) <= {
            "great_expectations",
            "great_expectations.expectations",
            "great_expectations.checkpoint",
        }, path
        assert not re.search(r"great_expectations[\w.]*\._", text), path
        assert not re.search(r"import\s+_|from\s+great_expectations\S*\s+import\s+\(?\s*_", text), path
    assert any("great_expectations" in text for text in sources.values())


def test_great_expectations_is_pinned_and_another_version_is_refused() -> None:
    root = SRC.parent
    pins = re.findall(r'"great-expectations([^"]*)"', (root / "pyproject.toml").read_text(encoding="utf-8"))
    assert pins == [f"=={gx_runner.GX_VERSION}"]
    assert f"great_expectations=={gx_runner.GX_VERSION}\n" in (root / "requirements.lock").read_text(encoding="utf-8")
    gx_runner.require_version()  # the installed one
    with pytest.raises(gx_runner.GreatExpectationsVersionError) as caught:
        gx_runner.require_version("1.23.0")
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, ClaimrecError)
    assert str(caught.value).startswith(f"claimrec needs great-expectations=={gx_runner.GX_VERSION}, found 1.23.0")
    # at import: a process that finds another version cannot import the validation stages
    fake = (
        "import importlib.metadata as m; real = m.version;"
        " m.version = lambda n: '1.99.0' if n == 'great-expectations' else real(n); import claimrec.validate"
    )
    refused = subprocess.run([sys.executable, "-c", fake], capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"claimrec.gx_runner.GreatExpectationsVersionError: claimrec needs great-expectations=={gx_runner.GX_VERSION},"
        " found 1.99.0: install the pinned version (pip install -r requirements.lock)"
    )
