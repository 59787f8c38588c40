"""The Great Expectations suite over the claims table, run on every pipeline run before any write.

Great Expectations has no Polars or DuckDB source that works here, so the claims frame is handed
to it as a pandas dataframe asset (see README, "Validation").
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import polars as pl

from claimrec.errors import ValidationFailed
from claimrec.model import CLAIM_SCHEMA, SOURCE_TYPES, ClaimSet

SUITE_NAME = "claims"


@dataclass(frozen=True)
class Outcome:
    """The result of one expectation."""

    expectation: str
    column: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    observed_value: str | None
    unexpected_ids: tuple[str, ...]


def expectations(claimset: ClaimSet) -> list:
    """The expectation suite for a claims frame, built from the claim set's reference data."""
    import great_expectations.expectations as gxe

    required = ("claim_id", "source_id", "document_id", "quote", "metric", "side", "category",
                "period_start", "period_end", "qualifier", "file", "line")  # fmt: skip
    suite = [gxe.ExpectTableColumnsToMatchSet(column_set=list(CLAIM_SCHEMA), exact_match=True)]
    suite += [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in required]
    suite += [
        gxe.ExpectColumnValuesToBeUnique(column="claim_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="claim_id", regex=r"^[a-z0-9][a-z0-9_-]*$"),
        gxe.ExpectColumnValueLengthsToBeBetween(column="quote", min_value=1),
        gxe.ExpectColumnValuesToBeInSet(column="source_id", value_set=sorted(s.source_id for s in claimset.sources)),
        gxe.ExpectColumnValuesToBeInSet(column="document_id", value_set=sorted(d.document_id for d in claimset.documents)),
        gxe.ExpectColumnValuesToBeInSet(column="qualifier", value_set=sorted(q.qualifier for q in claimset.qualifiers)),
    ]  # fmt: skip
    for dimension in ("metric", "side", "category"):
        suite.append(gxe.ExpectColumnValuesToBeInSet(column=dimension, value_set=sorted(claimset.node_ids(dimension))))
    for column in ("value", "stated_low", "stated_high"):
        suite.append(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0))
    suite += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="stated_high", column_B="stated_low", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end", column_B="period_start", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
    ]
    return suite


def source_expectations() -> list:
    """Expectations over the sources table."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(column="source_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="name"),
        gxe.ExpectColumnValuesToBeInSet(column="type", value_set=list(SOURCE_TYPES)),
    ]


def validate(claimset: ClaimSet, frame: pl.DataFrame | None = None) -> list[Outcome]:
    """Run the suite over the claims (or over `frame`); raise `ValidationFailed` naming the broken claims."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # slow to import (~3 s): only here

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas("claimrec")
    outcomes: list[Outcome] = []
    tables = {
        "claims": (frame if frame is not None else claimset.claims_frame(), expectations(claimset), "claim_id"),
        "sources": (claimset.table("sources"), source_expectations(), "source_id"),
    }
    for name, (table, suite_items, id_column) in tables.items():
        batch = datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        suite = context.suites.add(gx.ExpectationSuite(name=f"{SUITE_NAME}_{name}", expectations=suite_items))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{SUITE_NAME}_{name}", data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": table.to_pandas()},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]},
        )
        outcomes += [_outcome(r, id_column) for r in result.results]
    failures = [_describe(o) for o in outcomes if not o.success]
    if failures:
        raise ValidationFailed(failures)
    return outcomes


def _outcome(result, id_column: str) -> Outcome:  # noqa: ANN001 - a GX result object
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(
        str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs
    )
    info = result.result or {}
    ids = sorted({str(row[id_column]) for row in info.get("unexpected_index_list") or [] if id_column in row})
    observed = info.get("observed_value")
    return Outcome(
        expectation=config.type,
        column=column or None,
        success=bool(result.success),
        element_count=info.get("element_count"),
        unexpected_count=info.get("unexpected_count"),
        observed_value=None if observed is None else json.dumps(observed, default=str, sort_keys=True),
        unexpected_ids=tuple(ids),
    )


def _describe(outcome: Outcome) -> str:
    where = f" on {outcome.column}" if outcome.column else ""
    ids = ", ".join(outcome.unexpected_ids[:10])
    more = f" and {len(outcome.unexpected_ids) - 10} more" if len(outcome.unexpected_ids) > 10 else ""
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
            "run_id": pl.String, "expectation": pl.String, "column": pl.String, "success": pl.Boolean,
            "element_count": pl.Int64, "unexpected_count": pl.Int64, "observed_value": pl.String,
            "unexpected_ids": pl.List(pl.String),
        },  # fmt: skip
    )
