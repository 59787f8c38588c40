"""The checks of a claim's values, made once, on rows: YAML claims and claim tables alike.

Both readers hand over a frame in the columns of the claims frame, with a `line` per row. YAML rows also
carry the line of each field (`_line_<column>`) and the file of each row (`file`); a column the reader
could not read in some row is marked (`_unread_<column>`), so that its value is not reported again as
missing. Every check is a mask over whole columns; all masks are summed in one pass, and only the checks
that fail have their rows listed. A message is worded once for both kinds of file; only the field names
differ, as each file writes them (`low` in YAML, `stated_low` in a table):

    claims/war.yaml:14: claim az-2020: low: 3,825 is above high 2,906 - swap them
    claims/war.csv:9: claim az-2020: stated_low: 3,825 is above stated_high 2,906 - swap them
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import polars as pl

from claimrec.ingest.collector import Collector
from claimrec.model import CLAIM_FIELDS, ID_PATTERN, REQUIRED_COLUMNS, format_number

SHOWN_PER_CHECK = 5
"""Rows a claim table names for each failed check; the rest are counted."""
FIGURES = ("value", "stated_low", "stated_high")


@dataclass(frozen=True)
class Route:
    """How problems in one kind of claim file are worded and how many are listed."""

    names: dict[str, str] = field(default_factory=dict)
    """The name of a column as the file writes it, where it differs."""
    add: str = ""
    """How to fill a missing field, `{name}` standing for its name."""
    shown: int | None = None
    """Rows of a failed check named per file; None names them all (a hand-edited file)."""

    def name(self, column: str) -> str:
        return self.names.get(column, column)


YAML = Route({column: name for name, columns in CLAIM_FIELDS.items() for column in columns}, "add '{name}:'")
TABLE = Route({}, "fill in this cell", SHOWN_PER_CHECK)


class Check(NamedTuple):
    """One check: the rows where `mask` is true have a problem in `column`, worded by `message`."""

    column: str
    mask: pl.Expr
    message: Callable[[], pl.Expr] | pl.Expr | str
    """Text, or an expression over the failing rows (or a function making one: built only for a check that
    fails, since most never do)."""


class Rows:
    """Claims being checked: their frame, how problems in them are worded, and where they go."""

    def __init__(self, collector: Collector, frame: pl.DataFrame, route: Route, file: str | None = None):
        self.collector, self.frame, self.route = collector, frame, route
        self.file = file
        """The file all rows come from, as messages show it; None when each row says (`file`)."""
        self.failed: list[Check] = []

    def unread(self, column: str) -> pl.Expr:
        """Whether the reader could not read the row's value of `column` (and said so)."""
        name = f"_unread_{column}"
        return pl.col(name) if name in self.frame.columns else pl.lit(False)

    def line(self, column: str) -> pl.Expr:
        """The line a problem in `column` is reported at: its field's, or the row's."""
        name = f"_line_{column}"
        return pl.coalesce(name, "line") if name in self.frame.columns else pl.col("line")

    def run(self, checks: list[Check]) -> list[Check]:
        """Evaluate every check in one pass over the frame (Polars runs the masks side by side), then report the
        ones that fail, in the order given. Returns the checks that failed."""
        if not checks:
            return []
        counts = self.frame.select(c.mask.fill_null(False).sum().alias(str(i)) for i, c in enumerate(checks)).row(0)
        failed = [(check, n) for check, n in zip(checks, counts, strict=True) if n]
        for check, n in failed:
            self._report(check, n)
        self.failed += [check for check, _ in failed]
        return [check for check, _ in failed]

    def ok(self) -> pl.Expr:
        """Whether a row has no problem, of its reader's or of a check's."""
        masks = [c.mask.fill_null(False) for c in self.failed]
        if "_flawed" in self.frame.columns:
            masks.append(pl.col("_flawed"))
        return ~pl.any_horizontal(masks) if masks else pl.lit(True)

    def _report(self, check: Check, n: int) -> None:
        text = check.message() if callable(check.message) else check.message
        text = pl.lit(text) if isinstance(text, str) else text
        rows = self.frame.filter(check.mask.fill_null(False))
        if self.route.shown is not None:
            rows = rows.head(self.route.shown + 1)  # the messages are made for these rows only
        file = pl.col("file") if self.file is None else pl.lit(self.file)
        rows = rows.select(file.alias("file"), self.line(check.column).alias("line"), "claim_id", text.alias("message"))
        emit(self.collector, rows, self.route.name(check.column), self.route.shown, n)


def emit(collector: Collector, rows: pl.DataFrame, field: str, shown: int | None, n: int) -> None:
    """Report rows (file, line, claim_id, message) of one failed check: all of them, or the first `shown` and
    a count of the other `n - shown`."""
    for file, line, claim, message in (rows if shown is None else rows.head(shown)).iter_rows():
        collector.add(file, line, message, claim or None, field)
    if shown is not None and n > shown:
        file, line, *_ = rows.row(shown)
        collector.add(file, line, f"and {n - shown:,} more rows with the same problem", None, field)


@functools.lru_cache(maxsize=4096)
def suggest(value: str, known: tuple[str, ...]) -> str:
    """How to fix a reference to something unknown: the known names that look like it, if any."""
    close = sorted(k for k in known if k[:3] == value[:3] or value in k)[:3]
    if close:
        return f"did you mean {' or '.join(close)}?"
    return "add it to the reference file or fix the spelling"


def check_claims(rows: Rows, ctx) -> None:
    """Every check of the claims' values against each other and against the reference files.

    Afterwards `rows.frame` has `_ok` (the row has no problem) when some row has one."""
    f, name = pl.col, rows.route.name
    checks = [
        Check(c, f(c).is_null() & ~rows.unread(c), "missing: " + rows.route.add.format(name=name(c)))
        for c in REQUIRED_COLUMNS
    ]
    checks.append(
        Check("claim_id", ~f("claim_id").str.contains(ID_PATTERN), "use lowercase letters, digits, '-' and '_' only")
    )
    refs = (
        ("source_id", ctx.sources, "source"),
        ("document_id", ctx.documents, "document"),
        ("metric", ctx.ids["metric"], "metric"),
        ("side", ctx.ids["side"], "side"),
        ("category", ctx.ids["category"], "category"),
        ("qualifier", ctx.qualifiers, "qualifier"),
    )
    for column, known, what in refs:
        names = tuple(sorted(known))
        checks.append(
            Check(
                column,
                f(column).is_not_null() & ~f(column).is_in(pl.Series(names, dtype=pl.String).implode()),
                functools.partial(_unknown, column, what, names),
            )
        )
    checks.extend(_quote_checks(rows, ctx))
    checks.append(
        Check(
            "period_end",
            f("period_end") < f("period_start"),
            lambda: (
                pl.lit("ends (")
                + f("period_end").cast(pl.String)
                + pl.lit(") before it starts (")
                + f("period_start").cast(pl.String)
                + pl.lit(") - swap start and end")
            ),
        )
    )
    # what each claim's metric and qualifier expect, looked up by value rather than joined onto the frame
    rows.frame = rows.frame.with_columns(
        f("metric").replace_strict(ctx.metric_integer, default=None, return_dtype=pl.Boolean).alias("_integer"),
        f("qualifier")
        .replace_strict({q: v.input for q, v in ctx.qualifiers.items()}, default=None, return_dtype=pl.String)
        .alias("_input"),
    )
    checks.extend(_figure_checks(rows))
    rows.run(checks)
    if rows.failed or "_flawed" in rows.frame.columns:
        rows.frame = rows.frame.with_columns(rows.ok().alias("_ok"))
    rows.frame = rows.frame.drop("_integer", "_input", "_figures_ok", "_absent", strict=False)


def _unknown(column: str, what: str, known: tuple[str, ...]) -> pl.Expr:
    """The message for a reference to something unknown, with the known names it may have meant."""
    hint = pl.col(column).map_elements(functools.partial(_suggest_for, known=known), return_dtype=pl.String)
    return pl.lit(f"unknown {what} '") + pl.col(column) + pl.lit("': ") + hint


def _suggest_for(value: str, known: tuple[str, ...]) -> str:
    return suggest(value, known)


def _figure_checks(rows: Rows) -> list[Check]:
    """A figure must be finite, not negative, and whole if its metric counts whole units; the figures given
    must be those the qualifier takes, and a low not above its high. Each figure gets at most one problem."""
    f, name, checks, valid = pl.col, rows.route.name, [], []
    for column in FIGURES:
        x = f(column)
        infinite = x.is_nan() | x.is_infinite()
        negative = ~infinite & (x < 0)
        fractional = ~infinite & (x >= 0) & f("_integer") & (x.round(0) != x)
        checks += [
            Check(
                column,
                infinite,
                functools.partial(_figure_message, column, None, " is not a finite number: write the figure"),
            ),
            Check(
                column,
                negative,
                functools.partial(
                    _figure_message, column, format_number, " is negative: figures count or measure, use 0 or more"
                ),
            ),
            Check(
                column,
                fractional,
                functools.partial(
                    _figure_message, column, repr, " is not a whole number, and this metric counts whole units"
                ),
            ),
        ]
        valid.append(~rows.unread(column) & ~(infinite | negative | fractional).fill_null(False))
    rows.frame = rows.frame.with_columns(pl.all_horizontal(valid).alias("_figures_ok"))  # made once, used by four
    has = {c: f(c).is_not_null() for c in FIGURES}
    expects = {
        "value": f("_input") == "value",
        "stated_low": f("_input") == "range",
        "stated_high": f("_input") == "range",
    }
    agree = f("_figures_ok") & f("_input").is_not_null()
    for column in FIGURES:  # the problem goes to the first figure that is given but not taken, or the reverse
        differs = has[column] != expects[column]
        checks.append(Check(column, agree & differs, functools.partial(_takes_message, name)))
        agree = agree & ~differs
    above = f("_figures_ok") & (f("_input") == "range") & f("value").is_null() & (f("stated_low") > f("stated_high"))
    checks.append(
        Check(
            "stated_low",
            above,
            lambda: (
                f("stated_low").map_elements(format_number, return_dtype=pl.String)
                + pl.lit(f" is above {name('stated_high')} ")
                + f("stated_high").map_elements(format_number, return_dtype=pl.String)
                + pl.lit(" - swap them")
            ),
        )
    )
    return checks


def _figure_message(column: str, shown, text: str) -> pl.Expr:
    """The figure as written (None: nan, inf or -inf), then `text`."""
    x = pl.col(column)
    if shown is None:
        figure = pl.when(x.is_nan()).then(pl.lit("nan")).when(x > 0).then(pl.lit("inf")).otherwise(pl.lit("-inf"))
    else:
        figure = x.map_elements(shown, return_dtype=pl.String)
    return figure + pl.lit(text)


def _takes_message(name) -> pl.Expr:
    """What the qualifier takes, and which figures the claim gives."""
    f = pl.col
    low, high = name("stated_low"), name("stated_high")
    wants = (
        pl.when(f("_input") == "value")
        .then(pl.lit(f"a '{name('value')}'"))
        .when(f("_input") == "range")
        .then(pl.lit(f"'{low}' and '{high}'"))
        .otherwise(pl.lit("no number"))
    )
    found = pl.concat_str(
        [pl.when(f(c).is_not_null()).then(pl.lit(name(c))) for c in FIGURES], separator=", ", ignore_nulls=True
    )
    return (
        pl.lit("qualifier ")
        + f("qualifier")
        + pl.lit(" takes ")
        + wants
        + pl.lit(" (found: ")
        + pl.when(found == "").then(pl.lit("none")).otherwise(found)
        + pl.lit(")")
    )


def _quote_checks(rows: Rows, ctx) -> list[Check]:
    """A quote must be found, verbatim (no folding of spaces or apostrophes), in its document's text. The distinct
    (document, quote) pairs are looked up a document at a time, all its quotes in one pass over its text
    (Aho-Corasick, overlapping matches, so a quote inside another is found too); the rows of the pairs not
    found are marked (`_absent`) for the check."""
    texts = {d: doc.text for d, doc in ctx.documents.items() if doc is not None}
    # grouping finds the distinct pairs much faster than DataFrame.unique
    pairs = (
        rows.frame.lazy()
        .select("document_id", "quote")
        .drop_nulls()
        .filter(pl.col("document_id").is_in(pl.Series(list(texts), dtype=pl.String).implode()))
        .group_by("document_id", "quote")
        .agg()
        .collect()
    )
    absent = []
    for (document,), part in pairs.partition_by("document_id", as_dict=True).items():
        found = pl.Series([texts[document]]).str.extract_many(part["quote"].implode(), overlapping=True).explode()
        absent.append(part.filter(~pl.col("quote").is_in(found.drop_nulls().implode())))
    absent = [part for part in absent if part.height]
    if not absent:
        return []
    marks = pl.concat(absent).with_columns(pl.lit(True).alias("_absent"))
    rows.frame = rows.frame.join(marks, on=["document_id", "quote"], how="left", maintain_order="left")
    return [
        Check(
            "quote",
            pl.col("_absent"),
            lambda: (
                pl.lit("not found verbatim in document ") + pl.col("document_id") + pl.lit(": copy the exact words")
            ),
        )
    ]


def check_duplicates(collector: Collector, parts: list[tuple[pl.DataFrame, Route]]) -> None:
    """Every claim id once across all files: each claim whose id an earlier one has (files in the order given,
    rows in file order) is reported with the place of the first. `parts` are frames of claims without other
    problems (columns claim_id, file, line) and how their problems are worded."""
    frames = [frame.select("claim_id", "file", "line") for frame, _ in parts]
    ids = pl.concat(frames, how="vertical", rechunk=False) if len(frames) > 1 else frames[0] if frames else None
    # Ids whose 64-bit hashes all differ cannot repeat, and counting distinct numbers is much faster than
    # finding repeated strings; the strings are compared only when two hashes are equal, which is when an id
    # repeats (or, rarely, two ids share a hash).
    if ids is None or ids.select(pl.col("claim_id").hash().n_unique()).item() == ids.height:
        return
    ids = ids.with_row_index("_order").filter(pl.col("claim_id").is_duplicated())
    again = ids.with_columns(
        pl.format(
            "duplicate id: also defined at {}:{} - give each claim its own id",
            pl.col("file").first().over("claim_id"),
            pl.col("line").first().over("claim_id"),
        ).alias("message"),
    ).filter(~pl.col("claim_id").is_first_distinct())
    start = 0
    for frame, route in parts:
        part = again.filter(pl.col("_order").is_between(start, start + frame.height, closed="left"))
        start += frame.height
        for _, rows in part.partition_by("file", as_dict=True, maintain_order=True).items():
            emit(
                collector,
                rows.select("file", "line", "claim_id", "message"),
                route.name("claim_id"),
                route.shown,
                rows.height,
            )
