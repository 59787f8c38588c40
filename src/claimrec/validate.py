"""The Great Expectations suites: over the claims before anything is written (`validate`), and over
the reconciled outputs in the database being built before it is published (`verify_outputs`), with
the Data Docs of both (README, "Validation").

Great Expectations has no Polars or DuckDB source that works here, so every suite reads a pandas
frame. To stay in bulk operations at 10^7 claims, each suite gets only the columns its expectations
read: for most expectations Great Expectations filters the whole frame of its batch with a boolean
mask, so a narrow frame keeps that cheap. Reference columns (sources, documents, taxonomy ids,
qualifiers, files) become pandas categoricals, other text stays Arrow-backed strings, figures stay
NumPy float64 (with int64, the only dtypes for which `expect_column_values_to_be_between` does not
compare value by value in Python).

Results name at most `ID_LIMIT` rows per expectation: Great Expectations returns the positions of
the first unexpected rows, which are turned into claim (finding, quantity) ids here.

Past `SLICE_ROWS` claims, the suites whose expectations each judge one row at a time run over slices of
the frame, one after the other, and their results are merged into one outcome per expectation
(`_outcome`): a pandas frame, and what Great Expectations derives from it, then holds one slice at most.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import gc
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow

from claimrec import store
from claimrec.errors import ValidationFailed
from claimrec.model import CLAIM_SCHEMA, SOURCE_TYPES, ClaimSet

SUITE_NAME = "claims"
"""Prefix of the claim suites' names."""

ID_LIMIT = 20
"""How many offending rows each failed expectation names (its `unexpected_count` counts them all)."""

SLICE_ROWS = 2_500_000
"""The most rows a row-wise claim suite hands Great Expectations at once (`Batch.slice_rows`); a frame no
longer than this is validated whole, with one result per suite. At 10^7 claims, with the claims frame held,
the validate stage peaked at 4.9 to 5.0 GB on whole frames; in slices of 2.5 * 10^6 rows no sliced suite
takes the process above 3.4 GB, while slices of 5 * 10^6 rows take the quotes' suite to 3.9 GB (its pandas
frame, then Great Expectations' copy of it without the missing quotes)."""

REFERENCE_SLICE_ROWS = 5_000_000
"""The slice of the references suite. Its pandas frame is small (a code of one or two bytes per column and
row), but every run of it costs Great Expectations about 0.7 s whatever its length: it copies the value sets
of the suite's expectations (8,700 sources at 10^7 claims) each time it reads their settings. At 10^7 claims,
two slices stay under 3.4 GB for 0.7 s more than the whole frame, which peaks at 3.6 GB; four slices take
another 1.4 s."""

DOCS_DIR = "validation"
"""The folder of the reports that holds the Data Docs."""

CATEGORICAL = ("source_id", "document_id", "metric", "side", "category", "qualifier", "file", "kind", "certainty",
               "status", "outcome")  # fmt: skip
"""Columns with few distinct values (of the claims and of the outputs), handed to Great Expectations as
pandas categoricals."""

FINDING_KINDS = ("disjoint_claims", "part_exceeds_whole", "parts_exceed_whole", "whole_exceeds_parts",
                 "cumulative_decrease")  # fmt: skip
CERTAINTIES = ("definite", "possible")
STATUSES = ("single", "agreed", "contradicted")
OUTCOMES = ("consistent", "contradiction")

RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": ID_LIMIT,
    "return_unexpected_index_query": False,
}
"""SUMMARY, not COMPLETE: Great Expectations then keeps only the first `ID_LIMIT` unexpected values and
row positions; COMPLETE would build a record per unexpected row, row by row in Python."""


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


@dataclass
class Batch:
    """One suite and the frame it validates: `columns` of `frame` (all of them when None), rows named by
    `id_column`; `prefix` qualifies the column names in the outcomes (`findings.margin`)."""

    suite: str
    frame: pl.DataFrame
    columns: tuple[str, ...] | None
    id_column: str
    expectations: Callable[[], list]
    prefix: str = ""
    schema_only: bool = False
    """Validate the frame's columns only (a frame with no rows): for table-level expectations."""
    stand_ins: dict[str, pl.Series] = field(default_factory=dict)
    """Columns handed to Great Expectations in place of the frame's own (one value per row of the frame)."""
    slice_rows: int | None = None
    """Validate the frame in slices of this many rows when it is longer (`_slices`): for suites whose
    expectations each judge one row at a time. None: all rows at once (uniqueness, table-level expectations)."""


@dataclass
class SuiteRun:
    """A suite and what Great Expectations made of it, kept for the Data Docs. A suite run over slices of its
    frame gives one SuiteRun per slice, each with its `rows`: the Data Docs show one validation result per
    slice (`write_docs`), each with its own counts and the positions of its first offending rows in the whole
    frame, rather than a result whose counts would be those of one slice only."""

    suite: str
    expectations: Callable[[], list]
    result: object = field(repr=False)
    rows: range | None = None
    """The rows of the frame this result covers, when its suite ran over slices; None when it saw all of them."""

    @property
    def batch(self) -> str:
        """The result's name in the Data Docs: the suite's, followed by the first and last row of its slice."""
        return self.suite if self.rows is None else f"{self.suite}.rows-{self.rows.start}-{self.rows.stop - 1}"


def _gx():  # noqa: ANN202 - the great_expectations module
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # slow to import (~2-3 s): only when a suite runs

    return gx


_importing: threading.Thread | None = None
_importing_lock = threading.Lock()


def import_in_background() -> None:
    """Start importing Great Expectations (about 2 s) on a thread of its own, once per process, beside Prefect's
    start-up, instead of inside the validate stage. The first suite waits for the import to end; so does the
    process, before it exits (the thread is not a daemon). The import holds Python's interpreter lock most of
    the time, so only the part of the start-up that waits on the server is won back: 0.3 s of a flow run on the
    seed (10.75 s against 11.04 s, three runs each side by side)."""
    global _importing
    with _importing_lock:
        if _importing is None:
            _importing = threading.Thread(target=_gxe, name="import-great-expectations")
            _importing.start()


# --- the claim suites -------------------------------------------------------------------------------------------


def _none(e, column: str, description: str):  # noqa: ANN001, ANN202 - great_expectations.expectations
    """An expectation that a count of missing or broken references is 0 on every row."""
    return e.ExpectColumnValuesToBeBetween(column=column, max_value=0, description=description)


def _gxe():  # noqa: ANN202 - the great_expectations.expectations module
    _gx()
    import great_expectations.expectations as module

    return module


UNIQUE_IDS = ("claim_id values must be unique; they are compared by their rank among the distinct ids (equal"
              " exactly when the ids are equal), so a repeat shows as a number")


def claim_batches(claimset: ClaimSet, frame: pl.DataFrame) -> list[Batch]:
    """The claim suites, each over the columns it reads."""

    def columns():
        return [_gxe().ExpectTableColumnsToMatchSet(column_set=list(CLAIM_SCHEMA), exact_match=True)]

    def ids():
        e = _gxe()
        return [
            e.ExpectColumnValuesToNotBeNull(column="claim_id"),
            e.ExpectColumnValuesToMatchRegex(column="claim_id", regex=r"^[a-z0-9][a-z0-9_-]*$"),
        ]

    # Uniqueness is checked on each id's rank among the distinct ids, equal exactly when the ids are equal:
    # pandas finds repeats among 10^7 numbers in 0.4 s and 0.26 GB, among 10^7 strings in 3.6 s and 1.6 GB.
    # The ranks are made here, before any suite runs: ranking 10^7 ids takes 0.45 GB for a moment, and the
    # validate stage peaked at 3.4 GB with the ranks made here against 3.5 to 3.6 GB with them made in the
    # suite's turn, after the ids' suite.
    ranks = frame.get_column("claim_id").rank("dense")

    def unique_ids():
        return [_gxe().ExpectColumnValuesToBeUnique(column="claim_id", description=UNIQUE_IDS)]

    def quotes():
        e = _gxe()
        return [
            e.ExpectColumnValuesToNotBeNull(column="quote"),
            e.ExpectColumnValueLengthsToBeBetween(column="quote", min_value=1),
        ]

    known = {
        "source_id": sorted(s.source_id for s in claimset.sources),
        "document_id": sorted(d.document_id for d in claimset.documents),
        "metric": sorted(claimset.node_ids("metric")),
        "side": sorted(claimset.node_ids("side")),
        "category": sorted(claimset.node_ids("category")),
        "qualifier": sorted(q.qualifier for q in claimset.qualifiers),
    }

    def references():
        e = _gxe()
        suite = [e.ExpectColumnValuesToNotBeNull(column=c) for c in known]
        return suite + [e.ExpectColumnValuesToBeInSet(column=c, value_set=values) for c, values in known.items()]

    def periods():
        e = _gxe()
        return [
            e.ExpectColumnValuesToNotBeNull(column="period_start"),
            e.ExpectColumnValuesToNotBeNull(column="period_end"),
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="period_end", column_B="period_start", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
        ]

    def figures():
        e = _gxe()
        suite = [e.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in ("value", "stated_low", "stated_high")]
        return suite + [
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="stated_high", column_B="stated_low", or_equal=True, ignore_row_if="either_value_is_missing"
            )
        ]

    def origin():
        e = _gxe()
        return [e.ExpectColumnValuesToNotBeNull(column="file"), e.ExpectColumnValuesToNotBeNull(column="line")]

    def batch(name: str, cols: tuple[str, ...] | None, suite: Callable[[], list], **kw) -> Batch:  # noqa: ANN003
        return Batch(f"{SUITE_NAME}.{name}", frame, cols, "claim_id", suite, **kw)

    return [
        batch("columns", None, columns, schema_only=True),
        batch("ids", ("claim_id",), ids, slice_rows=SLICE_ROWS),
        batch("unique_ids", ("claim_id",), unique_ids, stand_ins={"claim_id": ranks}),
        batch("quotes", ("quote",), quotes, slice_rows=SLICE_ROWS),
        batch("references", tuple(known), references, slice_rows=REFERENCE_SLICE_ROWS),
        batch("periods", ("period_start", "period_end"), periods, slice_rows=SLICE_ROWS),
        batch("figures", ("value", "stated_low", "stated_high"), figures, slice_rows=SLICE_ROWS),
        batch("origin", ("file", "line"), origin, slice_rows=SLICE_ROWS),
    ]


def source_batch(claimset: ClaimSet) -> Batch:
    """The suite over the sources table."""

    def sources():
        e = _gxe()
        return [
            e.ExpectColumnValuesToBeUnique(column="source_id"),
            e.ExpectColumnValuesToNotBeNull(column="name"),
            e.ExpectColumnValuesToBeInSet(column="type", value_set=list(SOURCE_TYPES)),
        ]

    return Batch("sources", claimset.table("sources"), None, "source_id", sources)


_claim_runs: dict[str, list[SuiteRun]] = {}
_claim_runs_lock = threading.Lock()


def validate(claimset: ClaimSet, frame: pl.DataFrame | None = None) -> list[Outcome]:
    """Run the claim and source suites over the claims (or over `frame`); raise `ValidationFailed` naming
    the broken claims. Only validation: the benchmarks time this call."""
    outcomes, runs = run_batches(
        claim_batches(claimset, claimset.claims_frame() if frame is None else frame) + [source_batch(claimset)],
        run_name(claimset),
    )
    _raise_failures(outcomes)
    if frame is None:
        with _claim_runs_lock:  # kept for the Data Docs of this claim set's run (see `verify_outputs`)
            _claim_runs.clear()
            _claim_runs[claimset.digest] = runs
    return outcomes


# --- the output suites -----------------------------------------------------------------------------------------

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
missing, so that the expectations are about plain columns and no frame is as long as the claims:
one row per finding, per quantity, per whole of `quantity_links` and `part_sums`, and per cumulative check
(10^7 claims give about 10^6 quantities and wholes). The part/whole and sum checks of the `checks` view are
worked out from these tables when read, so the tables are what is checked."""

OUTPUT_IDS = {"findings": "finding_id", "quantities": "quantity_id", "quantity_links": "whole_quantity_id",
              "part_sums": "whole_quantity_id", "series_checks": "check_id"}  # fmt: skip


def output_batches(con: duckdb.DuckDBPyConnection) -> list[Batch]:
    """The suites over the reconciled outputs in `con`."""

    def findings():
        e = _gxe()
        return [
            e.ExpectColumnValuesToBeUnique(column="finding_id"),
            e.ExpectColumnValuesToBeInSet(column="kind", value_set=list(FINDING_KINDS)),
            e.ExpectColumnValuesToBeInSet(column="certainty", value_set=list(CERTAINTIES)),
            e.ExpectColumnValuesToBeBetween(column="margin", min_value=0, strict_min=True),
            e.ExpectColumnValuesToBeBetween(
                column="n_claim_ids", min_value=2, description="Every finding names at least two claims."
            ),
            e.ExpectColumnPairValuesToBeEqual(
                column_A="n_source_ids", column_B="n_claim_ids", description="Every finding names a source per claim."
            ),
            _none(e, "unknown_claims", "Every claim a finding names is in `claims`."),
            _none(e, "unknown_quantity", "Every finding's quantity is in `quantities`."),
            _none(e, "unknown_parts", "Every part a finding names is in `quantities`."),
        ]

    def quantities():
        e = _gxe()

        def ordered(high: str, low: str):  # noqa: ANN202
            return e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=high, column_B=low, or_equal=True, ignore_row_if="either_value_is_missing"
            )

        return [
            e.ExpectColumnValuesToNotBeNull(column="quantity_id", description="Every claim has a quantity."),
            e.ExpectColumnValuesToBeUnique(column="quantity_id"),
            e.ExpectColumnValuesToBeUnique(column="quantity_key"),
            _none(e, "unknown_quantity", "Every claim's quantity is in `quantities`."),
            e.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES)),
            e.ExpectColumnPairValuesToBeEqual(
                column_A="n_claims", column_B="n_claims_counted", ignore_row_if="either_value_is_missing",
                description="Every quantity's `n_claims` is the number of claims that point at it.",
            ),
            _none(e, "inverted_claims", "No claim's interval has its high below its low."),
            ordered("widest_high", "widest_low"),
            ordered("consensus_high", "consensus_low"),
            ordered("chosen_high", "chosen_low"),
            ordered("consensus_low", "widest_low"),
            ordered("widest_high", "consensus_high"),
        ]

    def links():
        e = _gxe()
        return [
            _none(e, "unknown_whole", "Every whole in `quantity_links` is in `quantities`."),
            _none(e, "unknown_parts", "Every part in `quantity_links` is in `quantities`."),
            _none(e, "repeated_parts", "No part is listed twice for the same whole."),
            _none(e, "whole_as_part", "No quantity is listed as a part of itself."),
            _none(e, "summed_not_maximal", "Every summed part is a maximal part."),
        ]

    def sums():
        e = _gxe()
        return [
            e.ExpectColumnValuesToBeUnique(column="whole_quantity_id"),
            _none(e, "unknown_whole", "Every whole in `part_sums` is in `quantities`."),
            e.ExpectColumnPairValuesToBeEqual(
                column_A="n_parts", column_B="n_summed",
                description="Every sum counts the parts `quantity_links` marks as summed.",
            ),
        ]

    def series():
        e = _gxe()
        return [
            e.ExpectColumnValuesToBeUnique(column="check_id"),
            e.ExpectColumnValuesToBeInSet(column="outcome", value_set=list(OUTCOMES)),
            _none(e, "unknown_quantity", "Every cumulative check's quantity is in `quantities`."),
            _none(e, "unknown_claims", "Every claim a cumulative check compares is in `claims`."),
        ]

    suites = {"findings": findings, "quantities": quantities, "quantity_links": links, "part_sums": sums,
              "series_checks": series}  # fmt: skip
    return [
        Batch(name, con.execute(OUTPUT_QUERIES[name]).pl(), None, OUTPUT_IDS[name], suite, prefix=f"{name}.")
        for name, suite in suites.items()
    ]


def validate_outputs(con: duckdb.DuckDBPyConnection, name: str = "claimrec") -> tuple[list[Outcome], list[SuiteRun]]:
    """Run the output suites over the reconciled database `con` (results under the run name `name`);
    raise `ValidationFailed` naming the findings, quantities and checks that broke them."""
    outcomes, runs = run_batches(output_batches(con), name)
    _raise_failures(outcomes)
    return outcomes, runs


def verify_outputs(building: Path, run_id: str, claimset: ClaimSet, docs: Path | None = None) -> list[Outcome]:
    """The output suites over the database being built: a failure raises (nothing is published);
    otherwise their outcomes go into its `validations` table, and the Data Docs of this run's claim
    and output suites are rendered into `docs`."""
    con = store.connect(building)
    try:
        outcomes, runs = validate_outputs(con, run_name(claimset))
        con.register("incoming", outcomes_frame(run_id, outcomes))
        try:
            con.execute('INSERT INTO validations BY NAME SELECT * FROM incoming')
        finally:
            con.unregister("incoming")
    finally:
        con.close()
    if docs is not None:
        with _claim_runs_lock:
            claim_runs = _claim_runs.get(claimset.digest)
        if claim_runs is None:  # validated in another process: run the claim suites again for the docs
            validate(claimset)
            with _claim_runs_lock:
                claim_runs = _claim_runs[claimset.digest]
        write_docs(docs, claim_runs + runs)
    return outcomes


# --- Data Docs --------------------------------------------------------------------------------------------------

RUN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The run time every result carries, so that the same claims render the same Data Docs; when a run
happened is in the `runs` table."""


def run_name(claimset: ClaimSet) -> str:
    """The Great Expectations run name of a claim set: its input digest, shortened."""
    return f"claims-{claimset.digest[:16]}"


def run_identifier(name: str):  # noqa: ANN201 - a GX RunIdentifier
    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=name, run_time=RUN_TIME)


def write_docs(directory: Path, runs: list[SuiteRun]) -> Path:
    """Render the Great Expectations Data Docs of `runs` (their suites and results) into `directory`,
    which must not exist yet; return its index.html. The same results give the same bytes. A suite run over
    slices has a page per slice (see `SuiteRun`)."""
    gx = _gx()
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    directory = directory.resolve()
    if directory.exists():
        raise FileExistsError(f"{directory}: the Data Docs folder exists already")
    suites: set[str] = set()
    context = _context(gx)
    view = {"module_name": "claimrec.datadocs", "class_name": "StablePageView"}
    context.add_data_docs_site("claimrec", {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "view": {"module_name": "claimrec.datadocs", "class_name": "StableIndexPageView"},
        },
        "site_section_builders": {"expectations": {"view": view}, "validations": {"view": view}, "profiling": "None"},
    })  # fmt: skip
    for run in runs:
        if run.suite not in suites:
            suites.add(run.suite)
            context.suites.add(gx.ExpectationSuite(name=run.suite, expectations=run.expectations()))
        result = run.result
        # the moment the batch was loaded: not rendered
        markers = result.meta.get("batch_markers") or {}
        result.meta["batch_markers"] = {k: v for k, v in markers.items() if k != "ge_load_time"}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=run.suite),
            run_id=result.meta["run_id"],
            batch_identifier=run.batch,
        )
        context.validation_results_store.set(key, result)
    context.build_data_docs(site_names=["claimrec"])
    return directory / "index.html"


# --- running suites ---------------------------------------------------------------------------------------------


def run_batches(batches: list[Batch], name: str = "claimrec") -> tuple[list[Outcome], list[SuiteRun]]:
    """Validate each batch with its suite in one ephemeral Great Expectations context; the results carry
    the run name `name` and the fixed `RUN_TIME` (see `run_identifier`)."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = _context(gx)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    run_id = run_identifier(name)
    try:
        with _no_batch_fingerprint(), _collecting_only_new_objects():
            return _run(gx, context, batches, run_id)
    finally:
        # The suites' pandas text columns are Arrow buffers, whose pool keeps what they freed for later buffers
        # (0.5 GB after the claim suites at 10^7 claims); the stages after validation allocate through Polars
        # and DuckDB, so it goes back to the system.
        pyarrow.default_memory_pool().release_unused()


def _context(gx):  # noqa: ANN001, ANN202 - the great_expectations module; a GX EphemeralDataContext
    """An ephemeral Great Expectations context that keeps its configuration in memory only. Great Expectations
    writes the whole configuration out as YAML into an in-memory store each time a data source, asset or site
    is added or removed (over 50 times a run, about 1 s), and nothing reads it back: that step is skipped."""
    context = gx.get_context(mode="ephemeral")
    context._save_project_config = lambda: None
    return context


def _run(gx, context, batches: list[Batch], run_id) -> tuple[list[Outcome], list[SuiteRun]]:  # noqa: ANN001
    outcomes: list[Outcome] = []
    runs: list[SuiteRun] = []
    for b in batches:
        suite = context.suites.add(gx.ExpectationSuite(name=b.suite, expectations=b.expectations()))
        sliced = [(rows, _run_rows(context, suite, b, rows, run_id)) for rows in _slices(b)]
        ids = b.frame.get_column(b.id_column)
        per_expectation = zip(*(result.results for _, result in sliced))  # each result lists the suite in order
        outcomes += [_outcome(list(results), ids, b.prefix) for results in per_expectation]
        runs += [SuiteRun(b.suite, b.expectations, result, rows) for rows, result in sliced]
    return outcomes, runs


def _slices(batch: Batch) -> list[range | None]:
    """The rows of each run of the batch's suite: all of them at once (None), or consecutive slices of
    `batch.slice_rows` rows when the frame is longer."""
    height, size = batch.frame.height, batch.slice_rows
    if size is None or height <= size:
        return [None]
    return [range(start, min(start + size, height)) for start in range(0, height, size)]


def _run_rows(context, suite, batch: Batch, rows: range | None, run_id):  # noqa: ANN001, ANN202 - GX objects
    """The result of `suite` over the rows `rows` of the batch (all when None), through a data source of its
    own. Deleting the data source drops the batch it keeps, but Great Expectations leaves the pandas frame
    and what it derived from it in reference cycles: they are collected here, before the next frame is made.

    The suite runs on the batch itself (`Batch.validate`), not through a validation definition, whose run
    also checks the suite and itself against the context's stores and serialises the result into its results
    store (a fifth of the seed's suites' time); nothing reads that store, the caller keeps the result."""
    datasource = context.data_sources.add_pandas(batch.suite)
    definition = datasource.add_dataframe_asset(batch.suite).add_batch_definition_whole_dataframe(batch.suite)
    try:
        with _configurations_made_once():
            result = definition.get_batch({"dataframe": _pandas(batch, rows)}).validate(
                suite, result_format=RESULT_FORMAT
            )
        # the run's identity, as a validation definition's run records it (the moment is the fixed RUN_TIME)
        result.meta.update({"validation_id": None, "checkpoint_id": None, "run_id": run_id,
                            "validation_time": run_id.run_time, "batch_parameters": {"dataframe": "<DATAFRAME>"}})  # fmt: skip
        return result
    finally:
        context.data_sources.delete(batch.suite)
        gc.collect()
        pyarrow.default_memory_pool().release_unused()


@contextlib.contextmanager
def _collecting_only_new_objects() -> Iterator[None]:
    """Leave the objects that exist when the suites start (with Great Expectations' modules, about 300,000) out
    of the garbage collections made while they run (`gc.freeze`): a collection over all of them takes about
    0.15 s, one over what a run made next to nothing. (Two runs at once only make each other's collections
    slower: the first to end unfreezes everything.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_suite_run = threading.local()
"""`configurations`: the configurations made so far in this thread's suite run (`_configurations_made_once`)."""
_configuration_lock = threading.Lock()


@contextlib.contextmanager
def _configurations_made_once() -> Iterator[None]:
    """Great Expectations makes an expectation's configuration anew from its fields each time it is asked
    for it, about 150 times per expectation and run (a fifth of the seed's suites' time). The expectations do
    not change while a suite runs, so within this block each one's is made once, then handed out as copies
    (Great Expectations changes a configuration it is given: it evaluates its suite parameters into it).

    The made configurations are kept per thread, with their expectations, so that no other object takes the
    id of one of them meanwhile. Outside the block, or on another thread, configurations are made as before:
    `_ConfigurationOnce` stays in place of Great Expectations' own once installed, so that runs on several
    threads never have to put it back in turn."""
    from great_expectations.expectations.expectation import Expectation

    with _configuration_lock:
        if not isinstance(Expectation.configuration.fget, _ConfigurationOnce):
            Expectation.configuration = property(_ConfigurationOnce(Expectation.configuration.fget))
    outer, _suite_run.configurations = getattr(_suite_run, "configurations", None), {}
    try:
        yield
    finally:
        _suite_run.configurations = outer


class _ConfigurationOnce:
    """`Expectation.configuration`, made once per expectation while `_configurations_made_once` is open."""

    def __init__(self, make: Callable) -> None:
        self.make = make

    def __call__(self, expectation):  # noqa: ANN001, ANN204 - a GX Expectation and its ExpectationConfiguration
        made = getattr(_suite_run, "configurations", None)
        if made is None:
            return self.make(expectation)
        kept = made.get(id(expectation))
        if kept is None:
            kept = made[id(expectation)] = (expectation, self.make(expectation))
        c = kept[1]
        return type(c)(type=c.type, kwargs=dict(c.kwargs), meta=copy.deepcopy(c.meta), notes=c.notes,
                       description=c.description, severity=c.severity, id=c.id, rendered_content=c.rendered_content)  # fmt: skip


@contextlib.contextmanager
def _no_batch_fingerprint() -> Iterator[None]:
    """Great Expectations records an MD5 of every pandas batch under 1 GB in its batch markers; for text
    columns pandas builds one Python string per row to hash them (5 s for 10^7 claim ids). The
    fingerprint takes no part in validation, so it is skipped while the suites run."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    saved = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


def _pandas(batch: Batch, rows: range | None = None):  # noqa: ANN202 - a pandas DataFrame
    """The batch's columns, of the rows `rows` (all when None), as a pandas frame with a RangeIndex of their
    row positions in `batch.frame`: Great Expectations reports offending rows by that index, so the positions
    in a slice's result are those of the whole frame."""
    frame = batch.frame if batch.columns is None else batch.frame.select(
        batch.stand_ins.get(c, pl.col(c)).alias(c) for c in batch.columns
    )  # fmt: skip
    if rows is not None:
        frame = frame.slice(rows.start, len(rows))
    if batch.schema_only:
        frame = frame.clear()
    # An Enum of the values present has codes of 8 or 16 bits, which pandas keeps; a Categorical's 32-bit codes
    # become 64-bit ones on the way (for the six reference columns of 10^7 claims, 1.2 GB against 0.4 GB).
    enums = {n: pl.Enum(frame.get_column(n).unique().drop_nulls().sort()) for n, kind in frame.schema.items()
             if n in CATEGORICAL and kind == pl.String}  # fmt: skip
    # expect_column_values_to_be_between compares in bulk only for int64 and float64 columns; stand-ins stay as
    # they are (the ids' ranks: pandas finds repeats among 32-bit numbers in half the memory and time)
    small_ints = [n for n, kind in frame.schema.items()
                  if kind.is_integer() and kind != pl.Int64 and n not in batch.stand_ins]  # fmt: skip
    casts = [pl.col(n).cast(enum) for n, enum in enums.items()] + [pl.col(small_ints).cast(pl.Int64)]
    frame = frame.with_columns(casts)
    # Text leaves Polars as it holds it (string views) and pyarrow makes pandas' strings of it, in Arrow's pool,
    # which is emptied after each run (`_run_rows`); made by Polars (`to_pandas`), the quotes' four slices left
    # 0.25 GB in the process by the end of their suite.
    pandas = frame.to_arrow(compat_level=pl.CompatLevel.newest()).to_pandas(date_as_object=False)
    if rows is not None:
        pandas.index = pandas.index + rows.start
    return pandas


def _outcome(results: list, ids: pl.Series, prefix: str) -> Outcome:
    """One expectation's outcome from Great Expectations' results over the slices of a frame, in row order
    (one result when the frame was not sliced): met when met on every slice; the counts are summed; the
    offending rows named are the first `ID_LIMIT` of all; the observed value is the first failing slice's (or
    the first slice's when none failed), though the row-wise expectations that are sliced observe none."""
    config = results[0].expectation_config
    kwargs = config.kwargs
    names = [kwargs["column"]] if kwargs.get("column") else [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
    column = ", ".join(f"{prefix}{n}" for n in names)
    infos = [r.result or {} for r in results]
    positions = [p for info in infos for p in info.get("partial_unexpected_index_list") or [] if isinstance(p, int)]
    named = ids.gather(positions[:ID_LIMIT]).to_list() if positions else []
    observed = next((info for r, info in zip(results, infos) if not r.success), infos[0]).get("observed_value")
    return Outcome(
        expectation=config.type,
        column=column or None,
        success=all(r.success for r in results),
        element_count=_total(info.get("element_count") for info in infos),
        unexpected_count=_total(info.get("unexpected_count") for info in infos),
        observed_value=None if observed is None else json.dumps(observed, default=str, sort_keys=True),
        unexpected_ids=tuple(sorted({"(none)" if i is None else str(i) for i in named})),
    )


def _total(counts: Iterable[int | None]) -> int | None:
    """The sum of a count over the slices; None when a slice has none."""
    counts = list(counts)
    return None if None in counts else sum(counts)


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
            "run_id": pl.String, "expectation": pl.String, "column": pl.String, "success": pl.Boolean,
            "element_count": pl.Int64, "unexpected_count": pl.Int64, "observed_value": pl.String,
            "unexpected_ids": pl.List(pl.String),
        },  # fmt: skip
    )

