"""Claims in bulk: Parquet and CSV claim tables, read into typed columns and checked by `rules` at Polars speed.

A claim table has one row per claim and the columns of the `claims` table (`model.CLAIM_COLUMNS`, of which
`model.REQUIRED_COLUMNS` are required). What is particular to a table is checked here: that it can be read,
that its columns are known and the required ones present, and that each cell reads as its column's type.
Problems name the file, the row (the line in a CSV file, counting the header as line 1; the row number in a
Parquet file), the claim and the column. A check that fails on many rows reports the first few and counts
the rest.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from claimrec.ingest import rules
from claimrec.ingest.collector import Collector
from claimrec.model import CLAIM_COLUMNS, CLAIM_SCHEMA, REQUIRED_COLUMNS, aligned

TABLE_SUFFIXES = (".parquet", ".csv")


def read_tables(collector: Collector, paths: list[Path], ctx) -> list[pl.DataFrame]:
    """Read and check claim tables; the frames (columns `CLAIM_SCHEMA`) of those without problems."""
    frames = []
    for path in paths:
        frame = _read_table(collector, path, ctx)
        if frame is not None:
            frames.append(frame)
    return frames


def _read_table(c: Collector, path: Path, ctx) -> pl.DataFrame | None:
    with open(path, "rb") as handle:
        c.digest.update(c.name(path).encode() + b"\0")
        while chunk := handle.read(1 << 24):
            c.digest.update(chunk)
    try:
        if path.suffix == ".parquet":
            raw, first_line = pl.read_parquet(path), 1
        else:
            raw, first_line = pl.read_csv(path, infer_schema=False, encoding="utf8"), 2
    except (pl.exceptions.PolarsError, OSError) as exc:
        kind = "Parquet" if path.suffix == ".parquet" else "CSV"
        c.problem(path, 0, f"cannot read this {kind} file: {str(exc).splitlines()[0]}")
        return None
    unknown = [column for column in raw.columns if column not in CLAIM_COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    for column in unknown:
        c.problem(path, 1, f"unknown column (known: {', '.join(CLAIM_COLUMNS)})", None, column)
    for column in missing:
        c.problem(path, 1, 'missing column: add it (see README, "Claims in bulk")', None, column)
    if unknown or missing:
        return None
    raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(col) for col in CLAIM_COLUMNS if col not in raw.columns)
    name = c.name(path)
    rows = rules.Rows(c, aligned(_typed(raw).with_row_index("line", offset=first_line)), rules.TABLE, name)
    del raw  # the typed frame keeps what the checks need of it; its text columns can go
    _check_types(rows)
    rules.check_claims(rows, ctx)
    if rows.failed:
        return None
    frame = rows.frame.select(*CLAIM_COLUMNS, pl.lit(name).alias("file"), pl.col("line").cast(pl.Int32))
    # only the columns not yet in their type: Polars copies a text column cast to its own type. The file name is
    # written out on every row: kept as one constant, it made the later stages use more memory.
    return aligned(frame.cast({col: kind for col, kind in CLAIM_SCHEMA.items() if frame.schema[col] != kind}))


def _raw(column: str) -> str:
    """The name under which the typed frame keeps a column as given, for the columns that convert."""
    return f"_raw_{column}"


def _typed(raw: pl.DataFrame) -> pl.DataFrame:
    """Columns converted to their types; text trimmed, empty text as null; what cannot convert is null.

    A column given in another type than its own is also kept as given (`_raw`), for `_check_types`; one
    given in its own type (dates and numbers in Parquet) converts as is and cannot fail."""
    out, tidy = [], _tidy_columns(raw)
    for column in CLAIM_COLUMNS:
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

    text_columns = [c for c in CLAIM_COLUMNS if CLAIM_SCHEMA[c] == pl.String]
    return raw.select(tidy(c) for c in text_columns).row(0, named=True)


def _check_types(rows: rules.Rows) -> None:
    """Name every cell that is given but could not be read as its column's type. Such a cell is marked
    (`_unread_<column>`): it is reported once, here, and not again as missing."""
    checks = []
    for column in CLAIM_COLUMNS:
        kind = CLAIM_SCHEMA[column]
        if kind == pl.String or _raw(column) not in rows.frame.columns:
            continue
        stripped = pl.col(_raw(column)).cast(pl.String, strict=False).str.strip_chars()
        given = pl.when(stripped != "").then(stripped)
        what = pl.lit("a date (YYYY-MM-DD)" if kind == pl.Date else "a number")
        if kind != pl.Date:  # "1,200": the same hint as for a YAML figure
            what = (
                pl.when(given.str.contains(",", literal=True))
                .then(pl.lit("a number without thousands separators"))
                .otherwise(what)
            )
        checks.append(
            rules.Check(
                column,
                given.is_not_null() & pl.col(column).is_null(),
                pl.lit("expected ") + what + pl.lit(", found '") + given + pl.lit("'"),
            )
        )
    failed = rows.run(checks)
    rows.frame = rows.frame.with_columns(c.mask.fill_null(False).alias(f"_unread_{c.column}") for c in failed)
    rows.failed = [rules.Check(c.column, pl.col(f"_unread_{c.column}"), c.message) for c in failed]  # not on `_raw`
    rows.frame = rows.frame.drop(_raw(c) for c in CLAIM_COLUMNS if _raw(c) in rows.frame.columns)
