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

import polars as pl

from claimrec.model import CLAIM_SCHEMA, format_number

TABLE_SUFFIXES = (".parquet", ".csv")
REQUIRED = ("claim_id", "source_id", "document_id", "quote", "metric", "side", "category", "period_start",
            "period_end", "qualifier")  # fmt: skip
COLUMNS = tuple(c for c in CLAIM_SCHEMA if c not in ("file", "line"))
SHOWN_PER_CHECK = 5
"""Rows named for each failed check of a file; the rest are counted."""
ID_REGEX = r"^[a-z0-9][a-z0-9_-]*$"


class _Table:
    """One claim table being checked: its frame and where its problems are reported."""

    def __init__(self, reader, path: Path, frame: pl.DataFrame, first_line: int):  # noqa: ANN001 - load._Reader
        self.r, self.path = reader, path
        self.frame = frame.with_row_index("_row", offset=first_line)
        self.bad = pl.Series("bad", [False] * frame.height)

    def flag(self, mask: pl.Series | pl.Expr, field: str, message: pl.Expr | str) -> None:
        """Report every row where `mask` is true: the first few by row, the rest counted."""
        if isinstance(mask, pl.Expr):
            mask = self.frame.select(mask.fill_null(False)).to_series()
        mask = mask.fill_null(False)
        if not mask.any():
            return
        self.bad = self.bad | mask
        text = pl.lit(message) if isinstance(message, str) else message
        rows = self.frame.filter(mask).head(SHOWN_PER_CHECK + 1).select("_row", "claim_id", text.alias("message"))
        for row in rows.head(SHOWN_PER_CHECK).iter_rows(named=True):
            self.r.problem(self.path, row["_row"], row["message"], row["claim_id"] or None, field)
        more = int(mask.sum()) - SHOWN_PER_CHECK
        if more > 0:
            first = rows.row(SHOWN_PER_CHECK, named=True)
            self.r.problem(self.path, first["_row"], f"and {more:,} more rows with the same problem", None, field)


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
    claims = pl.concat(frames, how="vertical")
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
    _check_types(t, raw)
    _check_values(t, ctx)
    if t.bad.any():
        return None
    name = r.name(path)
    return t.frame.select(
        *COLUMNS, pl.lit(name).alias("file"), pl.col("_row").cast(pl.Int32).alias("line")
    ).cast(CLAIM_SCHEMA)


def _typed(raw: pl.DataFrame) -> pl.DataFrame:
    """Columns converted to their types; text trimmed, empty text as null; what cannot convert is null."""
    out = []
    for column in COLUMNS:
        kind, col = CLAIM_SCHEMA[column], pl.col(column)
        if kind == pl.String:
            text = col.cast(pl.String).str.strip_chars()
            out.append(pl.when(text == "").then(None).otherwise(text).alias(column))
        elif raw.schema[column] == pl.String:
            text = col.str.strip_chars()
            parsed = text.str.to_date("%Y-%m-%d", strict=False) if kind == pl.Date else text.cast(kind, strict=False)
            out.append(parsed.alias(column))
        else:
            out.append(col.cast(kind, strict=False).alias(column))
    return raw.select(out)


def _check_types(t: _Table, raw: pl.DataFrame) -> None:
    """Name every cell that is given but could not be read as its column's type."""
    for column in COLUMNS:
        kind = CLAIM_SCHEMA[column]
        if kind == pl.String:
            continue
        given = raw[column].cast(pl.String, strict=False).str.strip_chars()
        t.frame = t.frame.with_columns(pl.when(given != "").then(given).alias("_given"))
        what = "a date (YYYY-MM-DD)" if kind == pl.Date else "a number"
        t.flag(pl.col("_given").is_not_null() & pl.col(column).is_null(), column,
               pl.lit(f"expected {what}, found '") + pl.col("_given") + pl.lit("'"))  # fmt: skip
    t.frame = t.frame.drop("_given", strict=False)


def _check_values(t: _Table, ctx) -> None:  # noqa: ANN001
    f = pl.col
    typed = pl.lit(~t.bad)  # rows whose cells all read: a cell that did not is reported once, above
    for column in REQUIRED:
        t.flag(typed & f(column).is_null(), column, "missing: every claim needs a value here")
    t.flag(~f("claim_id").str.contains(ID_REGEX), "claim_id", "use lowercase letters, digits, '-' and '_' only")
    refs = (("source_id", ctx.sources, "source"), ("document_id", ctx.documents, "document"),
            ("metric", ctx.ids["metric"], "metric"), ("side", ctx.ids["side"], "side"),
            ("category", ctx.ids["category"], "category"), ("qualifier", ctx.qualifiers, "qualifier"))  # fmt: skip
    for column, known, what in refs:
        t.flag(f(column).is_not_null() & ~f(column).is_in(sorted(known)), column,
               pl.lit(f"unknown {what} '") + f(column) + pl.lit("': add it to the reference file or fix the spelling"))  # fmt: skip
    _check_quotes(t, ctx)
    t.flag(f("period_end") < f("period_start"), "period_end",
           pl.lit("ends (") + f("period_end").cast(pl.String) + pl.lit(") before it starts (")
           + f("period_start").cast(pl.String) + pl.lit(") - swap start and end"))  # fmt: skip
    integer = pl.DataFrame({"metric": list(ctx.metric_integer), "_integer": list(ctx.metric_integer.values())},
                           schema={"metric": pl.String, "_integer": pl.Boolean})  # fmt: skip
    inputs = pl.DataFrame({"qualifier": list(ctx.qualifiers), "_input": [q.input for q in ctx.qualifiers.values()]},
                          schema={"qualifier": pl.String, "_input": pl.String})  # fmt: skip
    t.frame = t.frame.join(integer, on="metric", how="left").join(inputs, on="qualifier", how="left")
    for column in ("value", "stated_low", "stated_high"):
        x = f(column)
        t.flag(x.is_nan() | x.is_infinite(), column, "not a finite number: write the figure")
        t.flag(x < 0, column, x.map_elements(format_number, return_dtype=pl.String)
               + pl.lit(" is negative: figures count or measure, use 0 or more"))  # fmt: skip
        t.flag(f("_integer") & (x.round(0) != x), column,
               x.cast(pl.String) + pl.lit(" is not a whole number, and this metric counts whole units"))
    has = {c: f(c).is_not_null() for c in ("value", "stated_low", "stated_high")}
    takes = {
        "value": "a value", "range": "stated_low and stated_high", "none": "no number",
    }  # fmt: skip
    expected = {"value": (True, False, False), "range": (False, True, True), "none": (False, False, False)}
    for kind, (v, lo, hi) in expected.items():
        mismatch = (has["value"] != v) | (has["stated_low"] != lo) | (has["stated_high"] != hi)
        wrong = typed & (f("_input") == kind) & mismatch
        t.flag(wrong, "qualifier", pl.lit("qualifier ") + f("qualifier") + pl.lit(f" takes {takes[kind]}"))
    t.flag(f("stated_low") > f("stated_high"), "stated_low",
           pl.lit("above stated_high - swap them"))  # fmt: skip
    t.frame = t.frame.drop("_integer", "_input")


def _check_quotes(t: _Table, ctx) -> None:  # noqa: ANN001
    """Each distinct (document, quote) pair is looked up once in its document's text."""
    pairs = t.frame.select("document_id", "quote").drop_nulls().unique()
    missing = [
        (d, q) for d, q in pairs.iter_rows()
        if ctx.documents.get(d) is not None and q not in ctx.documents[d].text
    ]  # fmt: skip
    if missing:
        absent = pl.DataFrame(missing, schema={"document_id": pl.String, "quote": pl.String}, orient="row")
        mask = t.frame.join(absent.with_columns(pl.lit(True).alias("_absent")), on=["document_id", "quote"],
                            how="left", maintain_order="left")["_absent"].fill_null(False)  # fmt: skip
        t.flag(mask, "quote", pl.lit("not found verbatim in document ") + pl.col("document_id")
               + pl.lit(": copy the exact words"))  # fmt: skip


def _check_duplicates(r, claims: pl.DataFrame, known_ids: set[str]) -> None:  # noqa: ANN001
    twice = claims.filter(pl.col("claim_id").is_duplicated() | pl.col("claim_id").is_in(sorted(known_ids)))
    for row in twice.sort("file", "line").head(SHOWN_PER_CHECK).iter_rows(named=True):
        r.problems.append(_problem(row, "duplicate id: another claim (in a table or a YAML file) has this id"))
    if twice.height > SHOWN_PER_CHECK:
        first = twice.sort("file", "line").row(SHOWN_PER_CHECK, named=True)
        r.problems.append(_problem(first, f"and {twice.height - SHOWN_PER_CHECK:,} more rows with duplicate ids"))


def _problem(row: dict, message: str):  # noqa: ANN202
    from claimrec.errors import Problem

    return Problem(row["file"], row["line"], row["claim_id"], "claim_id", message)
