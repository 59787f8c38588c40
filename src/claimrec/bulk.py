"""Claims in bulk: Parquet and CSV claim files, checked column by column at Polars speed.

A claim table has one row per claim and the columns of the `claims` table (README, "Claims in bulk"):

    claim_id, source_id, document_id, quote, metric, side, category, period_start, period_end, qualifier
    (required) and section, subject, as_of, value, stated_low, stated_high, revision, notes (optional).

Every check the YAML reader makes is made here on whole columns, and each problem names the file, the
row (the line in a CSV file, counting the header as line 1; the row number in a Parquet file), the claim
and the column. A check that fails on many rows reports the first few and counts the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import polars as pl

from claimrec.model import CLAIM_SCHEMA, aligned, format_number

TABLE_SUFFIXES = (".parquet", ".csv")
REQUIRED = ("claim_id", "source_id", "document_id", "quote", "metric", "side", "category", "period_start",
            "period_end", "qualifier")  # fmt: skip
COLUMNS = tuple(c for c in CLAIM_SCHEMA if c not in ("file", "line"))
SHOWN_PER_CHECK = 5
"""Rows named for each failed check of a file; the rest are counted."""
ID_REGEX = r"^[a-z0-9][a-z0-9_-]*$"


class _Check(NamedTuple):
    """One check of a claim table: the rows where `mask` is true have a problem in `field`, worded by `message`."""

    field: str
    mask: pl.Expr
    message: pl.Expr | str


class _Table:
    """One claim table being checked: its frame and where its problems are reported."""

    def __init__(self, reader, path: Path, frame: pl.DataFrame, first_line: int):  # noqa: ANN001 - load._Reader
        self.r, self.path = reader, path
        self.frame = aligned(frame.with_row_index("_row", offset=first_line))
        self.failed = False

    def run(self, checks: list[_Check]) -> list[_Check]:
        """Evaluate every check in one pass over the frame (Polars runs the masks side by side), then report the
        ones that fail, in the order given. Returns the checks that failed."""
        if not checks:
            return []
        counts = self.frame.select(
            c.mask.fill_null(False).sum().alias(str(i)) for i, c in enumerate(checks)
        ).row(0)  # fmt: skip
        failed = [(check, n) for check, n in zip(checks, counts, strict=True) if n]
        for check, n in failed:
            self._report(check, n)
        return [check for check, _ in failed]

    def _report(self, check: _Check, n: int) -> None:
        """Report the `n` rows of a failed check: the first few by row, the rest counted."""
        self.failed = True
        text = pl.lit(check.message) if isinstance(check.message, str) else check.message
        rows = (self.frame.filter(check.mask.fill_null(False)).head(SHOWN_PER_CHECK + 1)
                .select("_row", "claim_id", text.alias("message")))  # fmt: skip
        for row in rows.head(SHOWN_PER_CHECK).iter_rows(named=True):
            self.r.problem(self.path, row["_row"], row["message"], row["claim_id"] or None, check.field)
        more = n - SHOWN_PER_CHECK
        if more > 0:
            first = rows.row(SHOWN_PER_CHECK, named=True)
            self.r.problem(self.path, first["_row"], f"and {more:,} more rows with the same problem", None,
                           check.field)  # fmt: skip


def read_tables(reader, paths: list[Path], ctx, known_ids: set[str]) -> pl.DataFrame | None:  # noqa: ANN001
    """Read and check claim tables; None when there are none. Problems go to `reader` (see load.py)."""
    frames = []
    for path in paths:
        frame = _read_table(reader, path, ctx)
        if frame is not None:
            frames.append(frame)
    if not paths:
        return None
    if not frames:
        return pl.DataFrame(schema=CLAIM_SCHEMA)
    # The chunks stay as read (a Parquet row group, a CSV batch each): joining them into one would copy every
    # column (2.6 s and 1.7 GB at 10^7 claims), and DuckDB loads a chunked frame on all its threads. Each table
    # is chunked alike in every column (`_read_table`), so the tables put together are too.
    claims = pl.concat(frames, how="vertical", rechunk=False) if len(frames) > 1 else frames[0]
    _check_duplicates(reader, claims, known_ids)
    return claims


def _read_table(r, path: Path, ctx) -> pl.DataFrame | None:  # noqa: ANN001
    with open(path, "rb") as handle:
        r.digest.update(r.name(path).encode() + b"\0")
        while chunk := handle.read(1 << 24):
            r.digest.update(chunk)
    try:
        if path.suffix == ".parquet":
            raw, first_line = pl.read_parquet(path), 1
        else:
            raw, first_line = pl.read_csv(path, infer_schema=False, encoding="utf8"), 2
    except (pl.exceptions.PolarsError, OSError) as exc:
        kind = "Parquet" if path.suffix == ".parquet" else "CSV"
        r.problem(path, 0, f"cannot read this {kind} file: {str(exc).splitlines()[0]}")
        return None
    unknown = [c for c in raw.columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in raw.columns]
    for column in unknown:
        r.problem(path, 1, f"unknown column (known: {', '.join(COLUMNS)})", None, column)
    for column in missing:
        r.problem(path, 1, "missing column: add it (see README, \"Claims in bulk\")", None, column)
    if unknown or missing:
        return None
    raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in COLUMNS if c not in raw.columns)
    t = _Table(r, path, _typed(raw), first_line)
    del raw  # the typed frame keeps what the checks need of it; its text columns can go
    typed = _check_types(t)
    _check_values(t, ctx, typed)
    if t.failed:
        return None
    frame = t.frame.select(*COLUMNS, pl.lit(r.name(path)).alias("file"), pl.col("_row").cast(pl.Int32).alias("line"))
    # only the columns not yet in their type: Polars copies a text column cast to its own type (2 GB at 10^7 rows).
    # The file name is written out on every row: kept as one constant, it cost the claim suites 0.5 GB more at 10^7.
    return aligned(frame.cast({c: kind for c, kind in CLAIM_SCHEMA.items() if frame.schema[c] != kind}))


def _raw(column: str) -> str:
    """The name under which the typed frame keeps a column as given, for the columns that convert."""
    return f"_raw_{column}"


def _typed(raw: pl.DataFrame) -> pl.DataFrame:
    """Columns converted to their types; text trimmed, empty text as null; what cannot convert is null.

    A column given in another type than its own is also kept as given (`_raw`), for `_check_types`; one
    given in its own type (dates and numbers in Parquet) converts as is and cannot fail."""
    out, tidy = [], _tidy_columns(raw)
    for column in COLUMNS:
        kind, col = CLAIM_SCHEMA[column], pl.col(column)
        if kind == pl.String:
            if tidy[column]:
                out.append(col.cast(pl.String))  # kept as read: no copy of its text
                continue
            text = col.cast(pl.String).str.strip_chars()
            out.append(pl.when(text == "").then(None).otherwise(text).alias(column))
            continue
        if raw.schema[column] == kind:
            out.append(col)
            continue
        if raw.schema[column] == pl.String:
            text = col.str.strip_chars()
            parsed = text.str.to_date("%Y-%m-%d", strict=False) if kind == pl.Date else text.cast(kind, strict=False)
            out.append(parsed.alias(column))
        else:
            out.append(col.cast(kind, strict=False).alias(column))
        out.append(col.alias(_raw(column)))
    return raw.select(out)


def _tidy_columns(raw: pl.DataFrame) -> dict[str, bool]:
    """For each text column, whether it has no empty cell and no cell with spaces around it, so that it can be
    used as read. One pass over the frame, the columns side by side; each stripped copy is only summed, and
    dropped as soon as it is (the table as read is not copied)."""
    def tidy(column: str) -> pl.Expr:
        text = pl.col(column).cast(pl.String)
        stripped = text.str.strip_chars().str.len_bytes().sum() == text.str.len_bytes().sum()
        return (stripped & ~(text == "").any().fill_null(False)).fill_null(True).alias(column)

    text_columns = [c for c in COLUMNS if CLAIM_SCHEMA[c] == pl.String]
    return raw.select(tidy(c) for c in text_columns).row(0, named=True)


def _check_types(t: _Table) -> pl.Expr:
    """Name every cell that is given but could not be read as its column's type. Returns the rows whose cells
    all read (a cell that did not is reported once, here, and not again as missing)."""
    checks = []
    for column in COLUMNS:
        kind = CLAIM_SCHEMA[column]
        if kind == pl.String or _raw(column) not in t.frame.columns:
            continue
        stripped = pl.col(_raw(column)).cast(pl.String, strict=False).str.strip_chars()
        given = pl.when(stripped != "").then(stripped)
        what = "a date (YYYY-MM-DD)" if kind == pl.Date else "a number"
        checks.append(_Check(column, given.is_not_null() & pl.col(column).is_null(),
                             pl.lit(f"expected {what}, found '") + given + pl.lit("'")))  # fmt: skip
    failed = t.run(checks)
    if failed:
        t.frame = t.frame.with_columns((~pl.any_horizontal(c.mask.fill_null(False) for c in failed)).alias("_read"))
    t.frame = t.frame.drop(_raw(c) for c in COLUMNS if _raw(c) in t.frame.columns)
    return pl.col("_read") if failed else pl.lit(True)


def _check_values(t: _Table, ctx, typed: pl.Expr) -> None:  # noqa: ANN001
    f = pl.col
    checks = [_Check(column, typed & f(column).is_null(), "missing: every claim needs a value here")
              for column in REQUIRED]  # fmt: skip
    checks.append(_Check("claim_id", ~f("claim_id").str.contains(ID_REGEX),
                         "use lowercase letters, digits, '-' and '_' only"))  # fmt: skip
    refs = (("source_id", ctx.sources, "source"), ("document_id", ctx.documents, "document"),
            ("metric", ctx.ids["metric"], "metric"), ("side", ctx.ids["side"], "side"),
            ("category", ctx.ids["category"], "category"), ("qualifier", ctx.qualifiers, "qualifier"))  # fmt: skip
    for column, known, what in refs:
        checks.append(_Check(column, f(column).is_not_null() & ~f(column).is_in(sorted(known)),
                             pl.lit(f"unknown {what} '") + f(column)
                             + pl.lit("': add it to the reference file or fix the spelling")))  # fmt: skip
    checks.extend(_check_quotes(t, ctx))
    checks.append(_Check("period_end", f("period_end") < f("period_start"),
                         pl.lit("ends (") + f("period_end").cast(pl.String) + pl.lit(") before it starts (")
                         + f("period_start").cast(pl.String) + pl.lit(") - swap start and end")))  # fmt: skip
    # what each claim's metric and qualifier expect, looked up by value rather than joined onto the frame
    t.frame = t.frame.with_columns(
        f("metric").replace_strict(ctx.metric_integer, default=None, return_dtype=pl.Boolean).alias("_integer"),
        f("qualifier").replace_strict({q: v.input for q, v in ctx.qualifiers.items()}, default=None,
                                      return_dtype=pl.String).alias("_input"),
    )  # fmt: skip
    for column in ("value", "stated_low", "stated_high"):
        x = f(column)
        checks.append(_Check(column, x.is_nan() | x.is_infinite(), "not a finite number: write the figure"))
        checks.append(_Check(column, x < 0, x.map_elements(format_number, return_dtype=pl.String)
                             + pl.lit(" is negative: figures count or measure, use 0 or more")))  # fmt: skip
        checks.append(_Check(column, f("_integer") & (x.round(0) != x), x.cast(pl.String)
                             + pl.lit(" is not a whole number, and this metric counts whole units")))  # fmt: skip
    has = {c: f(c).is_not_null() for c in ("value", "stated_low", "stated_high")}
    takes = {
        "value": "a value", "range": "stated_low and stated_high", "none": "no number",
    }  # fmt: skip
    expected = {"value": (True, False, False), "range": (False, True, True), "none": (False, False, False)}
    for kind, (v, lo, hi) in expected.items():
        mismatch = (has["value"] != v) | (has["stated_low"] != lo) | (has["stated_high"] != hi)
        checks.append(_Check("qualifier", typed & (f("_input") == kind) & mismatch,
                             pl.lit("qualifier ") + f("qualifier") + pl.lit(f" takes {takes[kind]}")))  # fmt: skip
    checks.append(_Check("stated_low", f("stated_low") > f("stated_high"), "above stated_high - swap them"))
    t.run(checks)
    t.frame = t.frame.drop("_integer", "_input", "_absent", "_read", strict=False)


def _check_quotes(t: _Table, ctx) -> list[_Check]:  # noqa: ANN001
    """Each distinct (document, quote) pair is looked up once in its document's text; the check, if any pair
    is missing, flags the rows of those pairs (marked `_absent` on the frame)."""
    # grouping finds the distinct pairs fourteen times faster than DataFrame.unique (0.14 s against 2 s at 10^7)
    pairs = t.frame.lazy().select("document_id", "quote").drop_nulls().group_by("document_id", "quote").agg().collect()
    missing = [
        (d, q) for d, q in pairs.iter_rows()
        if ctx.documents.get(d) is not None and q not in ctx.documents[d].text
    ]  # fmt: skip
    if not missing:
        return []
    absent = pl.DataFrame(missing, schema={"document_id": pl.String, "quote": pl.String}, orient="row")
    t.frame = t.frame.join(absent.with_columns(pl.lit(True).alias("_absent")), on=["document_id", "quote"],
                           how="left", maintain_order="left")  # fmt: skip
    return [_Check("quote", pl.col("_absent"), pl.lit("not found verbatim in document ") + pl.col("document_id")
                   + pl.lit(": copy the exact words"))]  # fmt: skip


def _check_duplicates(r, claims: pl.DataFrame, known_ids: set[str]) -> None:  # noqa: ANN001
    ids = pl.col("claim_id")
    # Ids whose 64-bit hashes all differ cannot repeat. Counting distinct numbers is ten times faster than
    # finding repeated strings (0.4 s against 4 s at 10^7 claims); the strings are compared only when two
    # hashes are equal, which is when an id repeats (or, rarely, two ids share a hash).
    distinct = claims.select(ids.hash().n_unique()).item() == claims.height
    seen_before = ids.is_in(sorted(known_ids))
    if distinct and not known_ids:
        return
    twice = claims.filter(seen_before if distinct else ids.is_duplicated() | seen_before)
    for row in twice.sort("file", "line").head(SHOWN_PER_CHECK).iter_rows(named=True):
        r.problems.append(_problem(row, "duplicate id: another claim (in a table or a YAML file) has this id"))
    if twice.height > SHOWN_PER_CHECK:
        first = twice.sort("file", "line").row(SHOWN_PER_CHECK, named=True)
        r.problems.append(_problem(first, f"and {twice.height - SHOWN_PER_CHECK:,} more rows with duplicate ids"))


def _problem(row: dict, message: str):  # noqa: ANN202
    from claimrec.errors import Problem

    return Problem(row["file"], row["line"], row["claim_id"], "claim_id", message)
