"""The data model: typed, immutable records for everything read from `claims/`. No I/O here."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa

SOURCE_TYPES = (
    "belligerent_official",
    "ngo",
    "monitor",
    "observer_estimate",
    "media",
    "encyclopedia",
    "scholar",
    "international_org",
)
"""The kinds of source a figure can be attributed to."""

DIMENSIONS = ("metric", "side", "category")
"""The taxonomy hierarchies a claim is placed in."""

QUALIFIER_INPUTS = ("value", "range", "none")
"""What a qualifier expects of a claim: one number, a low and a high, or no number at all."""


@dataclass(frozen=True)
class Document:
    """A text that claims quote from, kept in the repository."""

    document_id: str
    title: str
    path: str
    origin: str
    licence: str
    language: str
    sha256: str
    text: str = field(repr=False, compare=False)
    url: str | None = None
    """Where the document is published (http or https)."""
    retrieved: dt.date | None = None
    """When the text was taken from `url`."""
    revision: str | None = None
    """Which version of the document the text is (a revision id, an edition)."""
    published: dt.date | None = None
    """When the document (or this revision of it) was published."""


@dataclass(frozen=True)
class Source:
    """Whoever a figure is attributed to."""

    source_id: str
    name: str
    type: str
    affiliation: str | None
    notes: str | None


@dataclass(frozen=True)
class Unit:
    """A unit of measure; `integer` units only take whole numbers; `additive` figures of parts add up to
    the figure of their whole (people, money), unlike shares or durations."""

    unit: str
    integer: bool
    additive: bool
    description: str


@dataclass(frozen=True)
class Node:
    """One node of a taxonomy hierarchy (metric, side or category)."""

    dimension: str
    node_id: str
    parent_id: str | None
    depth: int
    description: str
    unit: str | None = None


@dataclass(frozen=True)
class Qualifier:
    """How a claim's wording becomes an interval: a row of `claims/qualifiers.yaml`."""

    qualifier: str
    description: str
    input: str
    low_factor: float | None
    low_fixed: float | None
    low_exclusive: bool
    high_factor: float | None
    high_fixed: float | None
    high_exclusive: bool
    high_open: bool


@dataclass(frozen=True)
class Claim:
    """One figure from one source about one quantity, with the quote it came from."""

    claim_id: str
    source_id: str
    document_id: str
    section: str | None
    quote: str
    metric: str
    side: str
    category: str
    subject: str | None
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date | None
    qualifier: str
    value: float | None
    stated_low: float | None
    stated_high: float | None
    revision: str | None
    notes: str | None
    file: str
    line: int


CLAIM_SCHEMA = {
    "claim_id": pl.String,
    "source_id": pl.String,
    "document_id": pl.String,
    "section": pl.String,
    "quote": pl.String,
    "metric": pl.String,
    "side": pl.String,
    "category": pl.String,
    "subject": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "as_of": pl.Date,
    "qualifier": pl.String,
    "value": pl.Float64,
    "stated_low": pl.Float64,
    "stated_high": pl.Float64,
    "revision": pl.String,
    "notes": pl.String,
    "file": pl.String,
    "line": pl.Int32,
}
"""Column types of the claims frame; the same columns, in the same order, as `Claim`."""

CLAIM_COLUMNS = tuple(column for column in CLAIM_SCHEMA if column not in ("file", "line"))
"""The columns of a claim table (Parquet or CSV): the claims frame without the place each claim was read from."""

REQUIRED_COLUMNS = (
    "claim_id",
    "source_id",
    "document_id",
    "quote",
    "metric",
    "side",
    "category",
    "period_start",
    "period_end",
    "qualifier",
)
"""The columns every claim fills; the others (section, subject, as_of, figures, revision, notes) may be empty."""

CLAIM_FIELDS = {
    "id": ("claim_id",),
    "source": ("source_id",),
    "quote": ("quote",),
    "document": ("document_id",),
    "section": ("section",),
    "metric": ("metric",),
    "side": ("side",),
    "category": ("category",),
    "subject": ("subject",),
    "period": ("period_start", "period_end"),
    "value": ("value",),
    "low": ("stated_low",),
    "high": ("stated_high",),
    "qualifier": ("qualifier",),
    "as_of": ("as_of",),
    "revision": ("revision",),
    "notes": ("notes",),
}
"""The fields of a claim in a YAML claim file, in the order the files write them, and the columns each fills
(`period` fills two). Iterating gives the field names."""

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
"""What a claim id and a taxonomy id look like: lowercase letters, digits, '-' and '_', not starting with '-' or
'_'. One regular expression that Python's `re`, Polars and Great Expectations read alike."""


@dataclass(frozen=True)
class ClaimSet:
    """Everything read from a claims folder, checked and ready to store."""

    documents: tuple[Document, ...]
    sources: tuple[Source, ...]
    units: tuple[Unit, ...]
    nodes: tuple[Node, ...]
    qualifiers: tuple[Qualifier, ...]
    claims: tuple[Claim, ...]
    digest: str
    table_claims: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    """Claims read from Parquet and CSV claim tables (columns `CLAIM_SCHEMA`), in file and row order."""

    @property
    def n_claims(self) -> int:
        """Number of claims, from YAML files and claim tables."""
        return len(self.claims) + (0 if self.table_claims is None else self.table_claims.height)

    def claims_frame(self) -> pl.DataFrame:
        """All claims as a Polars frame, one row per claim (built once per claim set): the YAML claims sorted
        by id, then the claim tables' rows in file and row order."""
        return self._claims_frame

    @functools.cached_property
    def _claims_frame(self) -> pl.DataFrame:
        rows = [tuple(getattr(c, name) for name in CLAIM_SCHEMA) for c in self.claims]
        frame = pl.DataFrame(rows, schema=CLAIM_SCHEMA, orient="row").sort("claim_id")
        if self.table_claims is None:
            return frame
        return pl.concat([frame, self.table_claims], how="vertical", rechunk=False) if len(rows) else self.table_claims

    def table(self, name: str) -> pl.DataFrame:
        """The reference table `name` (documents, sources, units, taxonomy, qualifiers) as a frame."""
        records = {
            "documents": self.documents,
            "sources": self.sources,
            "units": self.units,
            "taxonomy": self.nodes,
            "qualifiers": self.qualifiers,
        }[name]
        kind = {
            "documents": Document,
            "sources": Source,
            "units": Unit,
            "taxonomy": Node,
            "qualifiers": Qualifier,
        }[name]
        columns = [f for f in kind.__dataclass_fields__ if f != "text"]
        data = {col: [getattr(r, col) for r in records] for col in columns}
        return pl.DataFrame(data, schema_overrides=_frame_types(kind, columns))

    def node_ids(self, dimension: str) -> set[str]:
        """The ids of one taxonomy hierarchy."""
        return {n.node_id for n in self.nodes if n.dimension == dimension}


def _frame_types(kind: type, columns: list[str]) -> dict[str, pl.DataType]:
    """Polars types for a record class, so that empty and all-null columns keep their type."""
    mapping = {
        "str": pl.String,
        "str | None": pl.String,
        "int": pl.Int32,
        "bool": pl.Boolean,
        "float | None": pl.Float64,
        "dt.date | None": pl.Date,
    }
    hints = kind.__annotations__
    return {col: mapping[hints[col]] for col in columns if hints[col] in mapping}


def format_number(x: float | int | None) -> str:
    """A figure as people read it: 11557 -> '11,557', 84.4 -> '84.4', None -> 'no limit'."""
    if x is None:
        return "no limit"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,}"


def arrow_batches(frame: pl.DataFrame, rows: int | None = None) -> pa.Table:
    """The frame as an Arrow table, without copying it: a batch per chunk of its most divided column (cut into
    batches of at most `rows` rows when given).

    Polars copies every column into one chunk when the columns of a frame are chunked differently (a claim
    table's columns as read from the Parquet row groups, its line numbers made in one piece): 1.7 GB at 10^7
    claims, on every conversion. Converted slice by slice along the chunks, each slice is in one piece in every
    column. Arrow's string views are Polars' own layout: no string is copied (the default, oldest Arrow level
    copies every one)."""
    newest = pl.CompatLevel.newest()
    batches, offset = [], 0
    for length in max(frame.get_columns(), key=lambda column: column.n_chunks()).chunk_lengths():
        step = rows or length
        for start in range(0, length, step):
            batches += frame.slice(offset + start, min(step, length - start)).to_arrow(compat_level=newest).to_batches()
        offset += length
    return pa.Table.from_batches(batches) if batches else frame.to_arrow(compat_level=newest)


def aligned(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every column in the same chunks, without copying (see `arrow_batches`). Polars
    joins the chunks of a misaligned frame into one copy at each select, filter or conversion."""
    return pl.from_arrow(arrow_batches(frame), rechunk=False) if frame.width else frame
