"""The expectation suites, written as data, and the aggregates that Great Expectations validates.

Each suite is a tuple of checks, and each check names a Great Expectations expectation class and its
arguments, exactly as one would hand them to `great_expectations.expectations`: the suites read as
Great Expectations suites and keep its vocabulary in the failure messages and the `validations` table.
They are not handed to Great Expectations row by row, though: at 10^7 claims a pandas frame of every
row, and what Great Expectations derives from it, is too slow and too large. Instead, Polars reads each
check over the frame in one pass (`_offending`: the rows the expectation would reject) and counts the
offending rows, keeping the first `ID_LIMIT` of their ids: a `Tally` per check. Great Expectations then
validates the tallies, one expectation per check that its count of offending rows is 0
(`gx_runner.validate_tallies`), as it validates the outputs' counts of missing references.

The claims frame is read as it is; the outputs are first resolved by DuckDB into one row per finding,
quantity, whole or cumulative check, with their references turned into counts (`OUTPUT_QUERIES`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from claimrec.model import CLAIM_SCHEMA, SOURCE_TYPES, ClaimSet
from claimrec.reconcile.kinds import CERTAINTIES, FINDING_KINDS, OUTCOMES, STATUSES, names

ID_LIMIT = 20
"""How many offending rows each failed expectation names (its `unexpected_count` counts them all)."""

KNOWN = "<known in the claim set>"
"""Stands for the value set of an `ExpectColumnValuesToBeInSet` whose values come from the claim set's
reference files (its sources, documents, taxonomy and qualifiers): filled in by `claim_tallies`."""

Check = tuple[str, Mapping[str, Any]]
"""A Great Expectations expectation class name and its keyword arguments."""


def _at_most_none(column: str, description: str) -> Check:
    """A count of missing or broken references is 0 on every row."""
    return ("ExpectColumnValuesToBeBetween", {"column": column, "max_value": 0, "description": description})


def _ordered(high: str, low: str) -> Check:
    return (
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": high, "column_B": low, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    )


CLAIM_SUITES: dict[str, tuple[Check, ...]] = {
    "claims.columns": (("ExpectTableColumnsToMatchSet", {"column_set": list(CLAIM_SCHEMA), "exact_match": True}),),
    "claims.ids": (
        ("ExpectColumnValuesToNotBeNull", {"column": "claim_id"}),
        ("ExpectColumnValuesToMatchRegex", {"column": "claim_id", "regex": r"^[a-z0-9][a-z0-9_-]*$"}),
    ),
    "claims.unique_ids": (("ExpectColumnValuesToBeUnique", {"column": "claim_id"}),),
    "claims.quotes": (
        ("ExpectColumnValuesToNotBeNull", {"column": "quote"}),
        ("ExpectColumnValueLengthsToBeBetween", {"column": "quote", "min_value": 1}),
    ),
    "claims.references": (
        *(
            ("ExpectColumnValuesToNotBeNull", {"column": c})
            for c in ("source_id", "document_id", "metric", "side", "category", "qualifier")
        ),
        *(
            ("ExpectColumnValuesToBeInSet", {"column": c, "value_set": KNOWN})
            for c in ("source_id", "document_id", "metric", "side", "category", "qualifier")
        ),
    ),
    "claims.periods": (
        ("ExpectColumnValuesToNotBeNull", {"column": "period_start"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "period_end"}),
        _ordered("period_end", "period_start"),
    ),
    "claims.figures": (
        *(
            ("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0})
            for c in ("value", "stated_low", "stated_high")
        ),
        _ordered("stated_high", "stated_low"),
    ),
    "claims.origin": (
        ("ExpectColumnValuesToNotBeNull", {"column": "file"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "line"}),
    ),
}
"""The suites over the claims frame, by name: the parser already refuses such claims; these are the
independent second check on the frame that is loaded."""

SOURCE_SUITE: tuple[Check, ...] = (
    ("ExpectColumnValuesToBeUnique", {"column": "source_id"}),
    ("ExpectColumnValuesToNotBeNull", {"column": "name"}),
    ("ExpectColumnValuesToBeInSet", {"column": "type", "value_set": list(SOURCE_TYPES)}),
)
"""The suite `sources`, over the claim set's sources table."""

OUTPUT_SUITES: dict[str, tuple[Check, ...]] = {
    "findings": (
        ("ExpectColumnValuesToBeUnique", {"column": "finding_id"}),
        ("ExpectColumnValuesToBeInSet", {"column": "kind", "value_set": list(names(FINDING_KINDS))}),
        ("ExpectColumnValuesToBeInSet", {"column": "certainty", "value_set": list(CERTAINTIES)}),
        ("ExpectColumnValuesToBeBetween", {"column": "margin", "min_value": 0, "strict_min": True}),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "n_claim_ids", "min_value": 2, "description": "Every finding names at least two claims."},
        ),
        (
            "ExpectColumnPairValuesToBeEqual",
            {
                "column_A": "n_source_ids",
                "column_B": "n_claim_ids",
                "description": "Every finding names a source per claim.",
            },
        ),
        _at_most_none("unknown_claims", "Every claim a finding names is in `claims`."),
        _at_most_none("unknown_quantity", "Every finding's quantity is in `quantities`."),
        _at_most_none("unknown_parts", "Every part a finding names is in `quantities`."),
    ),
    "quantities": (
        ("ExpectColumnValuesToNotBeNull", {"column": "quantity_id", "description": "Every claim has a quantity."}),
        ("ExpectColumnValuesToBeUnique", {"column": "quantity_id"}),
        ("ExpectColumnValuesToBeUnique", {"column": "quantity_key"}),
        _at_most_none("unknown_quantity", "Every claim's quantity is in `quantities`."),
        ("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": list(STATUSES)}),
        (
            "ExpectColumnPairValuesToBeEqual",
            {
                "column_A": "n_claims",
                "column_B": "n_claims_counted",
                "ignore_row_if": "either_value_is_missing",
                "description": "Every quantity's `n_claims` is the number of claims that point at it.",
            },
        ),
        _ordered("widest_high", "widest_low"),
        _ordered("consensus_high", "consensus_low"),
        _ordered("chosen_high", "chosen_low"),
        _ordered("consensus_low", "widest_low"),
        _ordered("widest_high", "consensus_high"),
        _at_most_none("inverted_claims", "No claim's interval has its high below its low."),
    ),
    "quantity_links": (
        _at_most_none("unknown_whole", "Every whole in `quantity_links` is in `quantities`."),
        _at_most_none("unknown_parts", "Every part in `quantity_links` is in `quantities`."),
        _at_most_none("repeated_parts", "No part is listed twice for the same whole."),
        _at_most_none("whole_as_part", "No quantity is listed as a part of itself."),
        _at_most_none("summed_not_maximal", "Every summed part is a maximal part."),
    ),
    "part_sums": (
        ("ExpectColumnValuesToBeUnique", {"column": "whole_quantity_id"}),
        _at_most_none("unknown_whole", "Every whole in `part_sums` is in `quantities`."),
        (
            "ExpectColumnPairValuesToBeEqual",
            {
                "column_A": "n_parts",
                "column_B": "n_summed",
                "description": "Every sum counts the parts `quantity_links` marks as summed.",
            },
        ),
    ),
    "series_checks": (
        ("ExpectColumnValuesToBeUnique", {"column": "check_id"}),
        ("ExpectColumnValuesToBeInSet", {"column": "outcome", "value_set": list(OUTCOMES)}),
        _at_most_none("unknown_quantity", "Every cumulative check's quantity is in `quantities`."),
        _at_most_none("unknown_claims", "Every claim a cumulative check compares is in `claims`."),
    ),
}
"""The suites over the reconciled outputs, each over the frame of its `OUTPUT_QUERIES` entry, rows named
by the column `OUTPUT_IDS` gives; their columns are qualified by the suite's name (`findings.margin`)."""

OUTPUT_QUERIES = {
    "findings": """
        WITH claim_refs AS (
            SELECT r.finding_id, count(*) FILTER (WHERE c.claim_id IS NULL) AS unknown_claims
            FROM (SELECT finding_id, unnest(claim_ids) AS claim_id FROM findings) r
            LEFT JOIN claims c USING (claim_id) GROUP BY r.finding_id
        ), part_refs AS (
            SELECT r.finding_id, count(*) FILTER (WHERE q.quantity_id IS NULL) AS unknown_parts
            FROM (SELECT finding_id, unnest(part_quantity_ids) AS quantity_id FROM findings) r
            LEFT JOIN quantities q USING (quantity_id) GROUP BY r.finding_id
        )
        SELECT f.finding_id, f.kind, f.certainty, f.margin,
               len(f.claim_ids)::BIGINT AS n_claim_ids, len(f.source_ids)::BIGINT AS n_source_ids,
               coalesce(cr.unknown_claims, 0) AS unknown_claims,
               (q.quantity_id IS NULL)::BIGINT AS unknown_quantity,
               coalesce(pr.unknown_parts, 0) AS unknown_parts
        FROM findings f
        LEFT JOIN quantities q USING (quantity_id)
        LEFT JOIN claim_refs cr USING (finding_id)
        LEFT JOIN part_refs pr USING (finding_id)
        ORDER BY f.finding_id
    """,
    "quantities": """
        WITH counted AS (
            SELECT quantity_id, count(*) AS n_claims_counted, count(*) FILTER (WHERE high < low) AS inverted_claims
            FROM claims GROUP BY quantity_id
        )
        SELECT coalesce(q.quantity_id, c.quantity_id) AS quantity_id,
               (q.quantity_id IS NULL)::BIGINT AS unknown_quantity,
               q.quantity_key::BIGINT AS quantity_key,
               q.status, q.n_claims::BIGINT AS n_claims, coalesce(c.n_claims_counted, 0) AS n_claims_counted,
               coalesce(c.inverted_claims, 0) AS inverted_claims,
               q.widest_low, q.widest_high, q.consensus_low, q.consensus_high, q.chosen_low, q.chosen_high
        FROM quantities q FULL JOIN counted c ON c.quantity_id = q.quantity_id
        ORDER BY quantity_id NULLS FIRST
    """,
    "quantity_links": """
        SELECT coalesce(any_value(w.quantity_id), 'key ' || l.whole_key) AS whole_quantity_id,
               (any_value(w.quantity_id) IS NULL)::BIGINT AS unknown_whole,
               count(*) FILTER (WHERE p.quantity_id IS NULL) AS unknown_parts,
               count(*) - count(DISTINCT l.part_key) AS repeated_parts,
               count(*) FILTER (WHERE l.part_key = l.whole_key) AS whole_as_part,
               count(*) FILTER (WHERE l.summed AND NOT l.maximal) AS summed_not_maximal
        FROM quantity_links l
        LEFT JOIN quantities w ON w.quantity_key = l.whole_key
        LEFT JOIN quantities p ON p.quantity_key = l.part_key
        GROUP BY l.whole_key
        ORDER BY l.whole_key
    """,
    "part_sums": """
        WITH summed AS (SELECT whole_key, count(*) AS n_summed FROM quantity_links WHERE summed GROUP BY whole_key)
        SELECT coalesce(w.quantity_id, 'key ' || s.whole_key) AS whole_quantity_id,
               (w.quantity_id IS NULL)::BIGINT AS unknown_whole,
               s.n_parts::BIGINT AS n_parts, coalesce(m.n_summed, 0) AS n_summed
        FROM part_sums s
        LEFT JOIN quantities w ON w.quantity_key = s.whole_key
        LEFT JOIN summed m ON m.whole_key = s.whole_key
        ORDER BY s.whole_key
    """,
    "series_checks": """
        WITH claim_refs AS (
            SELECT r.check_id, count(*) FILTER (WHERE c.claim_id IS NULL) AS unknown_claims
            FROM (SELECT check_id, unnest(claim_ids) AS claim_id FROM series_checks) r
            LEFT JOIN claims c USING (claim_id) GROUP BY r.check_id
        )
        SELECT s.check_id, s.outcome, (q.quantity_id IS NULL)::BIGINT AS unknown_quantity,
               coalesce(cr.unknown_claims, 0) AS unknown_claims
        FROM series_checks s
        LEFT JOIN quantities q ON q.quantity_key = s.quantity_key
        LEFT JOIN claim_refs cr USING (check_id)
        ORDER BY s.check_id
    """,
}
"""One frame per output suite. The references are resolved here, in SQL, into counts of what is
missing, so that the checks are about plain columns and no frame is as long as the claims:
one row per finding, per quantity, per whole of `quantity_links` and `part_sums`, and per cumulative check.
The part/whole and sum checks of the `checks` view are worked out from these tables when read, so the
tables are what is checked."""

OUTPUT_IDS = {
    "findings": "finding_id",
    "quantities": "quantity_id",
    "quantity_links": "whole_quantity_id",
    "part_sums": "whole_quantity_id",
    "series_checks": "check_id",
}


@dataclass(frozen=True)
class Tally:
    """What one check found over its frame: the aggregate that Great Expectations validates."""

    suite: str
    expectation: str
    """The check's Great Expectations class name (`ExpectColumnValuesToBeUnique`)."""
    column: str | None
    """The columns the check reads, qualified for the output suites (`findings.margin`); None for a check of
    the whole table."""
    description: str | None
    offending: int
    """How many rows (or, for a check of the table's columns, columns) break the check: Great Expectations
    expects 0."""
    element_count: int | None
    unexpected_count: int | None
    observed_value: str | None
    unexpected_ids: tuple[str, ...]

    @property
    def name(self) -> str:
        """The tally's column in the frame Great Expectations validates, unique within a run."""
        return f"{self.suite}: {self.type} on {self.column or 'the table'}"

    @property
    def type(self) -> str:
        """The expectation's type as Great Expectations names it (`expect_column_values_to_be_unique`)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()


def claim_tallies(claimset: ClaimSet, frame: pl.DataFrame) -> list[Tally]:
    """The tallies of the claim suites over `frame` (the claim set's claims, or a frame standing in for them)
    and of the sources suite over the claim set's sources."""
    known = {
        "source_id": sorted(s.source_id for s in claimset.sources),
        "document_id": sorted(d.document_id for d in claimset.documents),
        "metric": sorted(claimset.node_ids("metric")),
        "side": sorted(claimset.node_ids("side")),
        "category": sorted(claimset.node_ids("category")),
        "qualifier": sorted(q.qualifier for q in claimset.qualifiers),
    }
    suites = {
        name: [
            (kind, {**kw, "value_set": known[kw["column"]]} if kw.get("value_set") == KNOWN else kw)
            for kind, kw in checks
        ]
        for name, checks in CLAIM_SUITES.items()
    }
    return tally(frame, suites, "claim_id") + tally(claimset.table("sources"), {"sources": SOURCE_SUITE}, "source_id")


def output_tallies(con: duckdb.DuckDBPyConnection) -> list[Tally]:
    """The tallies of the output suites over the reconciled database `con`."""
    found: list[Tally] = []
    for name, checks in OUTPUT_SUITES.items():
        frame = con.execute(OUTPUT_QUERIES[name]).pl()
        found += tally(frame, {name: checks}, OUTPUT_IDS[name], prefix=f"{name}.")
    return found


def tally(frame: pl.DataFrame, suites: Mapping[str, Sequence[Check]], id_column: str, prefix: str = "") -> list[Tally]:
    """One tally per check of `suites` over `frame`, whose rows are named by `id_column`; `prefix` qualifies
    the column names. All row checks are counted in one Polars query over the frame."""
    masks = {
        f"m{i}": _offending(kind, kw, frame).alias(f"m{i}")
        for i, (kind, kw) in enumerate(c for checks in suites.values() for c in checks)
        if kind not in TABLE_CHECKS
    }
    counted: dict[str, Any] = {}
    if masks:  # each mask made once (a bit per row), then counted and its first ids taken
        marked = frame.select(pl.col(id_column), *masks.values())
        ids = pl.col(id_column)
        counted = marked.select(
            *(pl.col(m).sum().alias(f"n{m[1:]}") for m in masks),
            *(ids.filter(pl.col(m)).head(ID_LIMIT).implode().alias(f"ids{m[1:]}") for m in masks),
        ).row(0, named=True)
    found = []
    for i, (suite, kind, kw) in enumerate((s, k, kw) for s, checks in suites.items() for k, kw in checks):
        names = [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
        column = ", ".join(f"{prefix}{n}" for n in names) or None
        if kind in TABLE_CHECKS:
            offending, observed = TABLE_CHECKS[kind](kw, list(frame.columns))
            counts = (offending, None, None, json.dumps(observed, default=str, sort_keys=True), ())
        else:
            count, named = counted[f"n{i}"], counted[f"ids{i}"]
            ids = tuple(sorted({"(none)" if n is None else str(n) for n in named}))
            counts = (count, frame.height, count, None, ids)
        found.append(Tally(suite, kind, column, kw.get("description"), *counts))
    return found


def _columns_match_set(kw: Mapping[str, Any], columns: list[str]) -> tuple[int, list[str]]:
    """ExpectTableColumnsToMatchSet: the columns missing from the table, and with `exact_match` those it has
    beyond the set, are its offenders; what it observes is the table's columns."""
    expected = set(kw["column_set"])
    wrong = expected.difference(columns) | (set(columns) - expected if kw.get("exact_match", True) else set())
    return len(wrong), columns


TABLE_CHECKS = {"ExpectTableColumnsToMatchSet": _columns_match_set}
"""Checks of the table as a whole rather than of its rows: how many offenders they find and what they observe."""


def _offending(kind: str, kw: Mapping[str, Any], frame: pl.DataFrame) -> pl.Expr:
    """The rows of `frame` that the expectation `kind` with arguments `kw` rejects, as Great
    Expectations judges them over a pandas frame: missing values (null, and NaN in float columns) are not
    judged by the single-column expectations, and a pair expectation skips the rows `ignore_row_if` names."""

    def missing(name: str) -> pl.Expr:
        return (
            pl.col(name).is_null() | pl.col(name).is_nan() if frame.schema[name].is_float() else pl.col(name).is_null()
        )

    if "column_A" in kw:
        a, b = pl.col(kw["column_A"]), pl.col(kw["column_B"])
        if kind == "ExpectColumnPairValuesAToBeGreaterThanB":
            holds = a >= b if kw.get("or_equal") else a > b
        elif kind == "ExpectColumnPairValuesToBeEqual":
            holds = a == b
        else:
            raise ValueError(f"no reading of {kind} over a Polars frame")
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        skipped = {
            "both_values_are_missing": missing(kw["column_A"]) & missing(kw["column_B"]),
            "either_value_is_missing": missing(kw["column_A"]) | missing(kw["column_B"]),
            "neither": pl.lit(False),
        }[ignore]
        return ~skipped & ~holds.fill_null(False)
    name = kw["column"]
    value = pl.col(name)
    if kind == "ExpectColumnValuesToNotBeNull":
        return missing(name)
    if kind == "ExpectColumnValuesToBeUnique":
        broken = pl.lit(_repeated(frame.get_column(name)))
    elif kind == "ExpectColumnValuesToMatchRegex":
        broken = ~value.cast(pl.String).str.contains(kw["regex"])
    elif kind == "ExpectColumnValuesToBeInSet":
        broken = ~value.cast(pl.String).is_in(list(kw["value_set"]))
    elif kind == "ExpectColumnValueLengthsToBeBetween":
        broken = ~_between(value.cast(pl.String).str.len_chars(), kw)
    elif kind == "ExpectColumnValuesToBeBetween":
        broken = ~_between(value, kw)
    else:
        raise ValueError(f"no reading of {kind} over a Polars frame")
    return ~missing(name) & broken.fill_null(False)


def _between(value: pl.Expr, kw: Mapping[str, Any]) -> pl.Expr:
    holds = pl.lit(True)
    if kw.get("min_value") is not None:
        holds &= value > kw["min_value"] if kw.get("strict_min") else value >= kw["min_value"]
    if kw.get("max_value") is not None:
        holds &= value < kw["max_value"] if kw.get("strict_max") else value <= kw["max_value"]
    return holds


def _repeated(values: pl.Series) -> pl.Series:
    """Which of `values` occur more than once. Rather than a hash table of every value, the values' 64-bit
    hashes are sorted and neighbours compared; only the values whose hash repeats are then compared as
    themselves (equal values have equal hashes, so none is missed)."""
    hashes = values.hash()
    ordered = hashes.sort()
    shared = ordered.filter(ordered == ordered.shift(1)).unique()
    if shared.is_empty():
        return pl.repeat(False, len(values), eager=True)
    candidates = hashes.is_in(shared)
    among = values.filter(candidates)
    return candidates & values.is_in(among.filter(among.is_duplicated()).unique())
