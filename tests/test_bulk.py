"""Claims in bulk: Parquet and CSV claim tables are checked like YAML claims, with file, row and column."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from claimrec import load
from claimrec.errors import InputError
from claimrec.model import CLAIM_FIELDS
from support import MINI, reconciled

HEADER = (
    "claim_id,source_id,document_id,quote,metric,side,category,period_start,period_end,qualifier,value,"
    "stated_low,stated_high"
)
GOOD = "bulk-one,ngo,report,Hundreds were wounded,wounded,side_b,all,2019-01-01,2019-12-31,exact,250,,"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "claims"
    shutil.copytree(MINI, target)
    return target


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load.load_claims(folder)
    return [str(p) for p in caught.value.problems]


def test_a_csv_table_is_loaded_beside_the_yaml_claims(folder: Path) -> None:
    (folder / "more.csv").write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    claimset = load.load_claims(folder)
    assert claimset.n_claims == 8
    row = claimset.claims_frame().filter(pl.col("claim_id") == "bulk-one").row(0, named=True)
    assert (row["file"], row["line"], row["value"], row["subject"]) == ("claims/more.csv", 2, 250.0, None)
    low, high = reconciled(folder).execute("SELECT low, high FROM claims WHERE claim_id = 'bulk-one'").fetchone()
    assert (low, high) == (250, 250)


def test_a_parquet_table_round_trips_the_claims_table(folder: Path, tmp_path: Path) -> None:
    frame = load.load_claims(folder).claims_frame().drop("file", "line")
    (folder / "claims.yaml").unlink()
    frame.write_parquet(folder / "all.parquet")
    claimset = load.load_claims(folder)
    assert claimset.claims_frame().drop("file", "line").sort("claim_id").equals(frame.sort("claim_id"))
    assert claimset.claims_frame()["line"].to_list() == list(range(1, frame.height + 1))


def test_text_is_trimmed_and_empty_text_is_null_in_parquet_too(folder: Path) -> None:
    """A column whose cells are all tidy is used as read; one with spaces around a cell or an empty cell is
    trimmed, and its empty cells become null, like the same cell in YAML."""
    frame = load.load_claims(folder).claims_frame().drop("file", "line")
    (folder / "claims.yaml").unlink()
    untidy = frame.with_columns(
        pl.col("side").str.pad_start(12, " "), pl.lit("").alias("notes"), pl.lit("  ").alias("revision")
    )
    untidy.write_parquet(folder / "all.parquet")
    loaded = load.load_claims(folder).claims_frame().drop("file", "line")
    assert loaded.sort("claim_id").equals(
        frame.with_columns(pl.lit(None, pl.String).alias("revision"), pl.lit(None, pl.String).alias("notes")).sort(
            "claim_id"
        )
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD.replace("250", "many"), "claims/more.csv:2: claim bulk-one: value: expected a number, found 'many'"),
        (
            GOOD.replace(",250,", ',"1,200",'),
            "claims/more.csv:2: claim bulk-one: value: expected a number without thousands separators, found '1,200'",
        ),
        (
            GOOD.replace("ngo", "nobody"),
            "claims/more.csv:2: claim bulk-one: source_id: unknown source 'nobody': add it"
            " to the reference file or fix the spelling",
        ),
        (
            GOOD.replace("side_b", "side_z"),
            "claims/more.csv:2: claim bulk-one: side: unknown side 'side_z': did you mean side_a or side_b?",
        ),
        (
            GOOD.replace("Hundreds", "Thousands"),
            "claims/more.csv:2: claim bulk-one: quote: not found verbatim in document report: copy the exact words",
        ),
        (
            GOOD.replace("2019-12-31", "2018-12-31"),
            "claims/more.csv:2: claim bulk-one: period_end: ends (2018-12-31)"
            " before it starts (2019-01-01) - swap start and end",
        ),
        (
            GOOD.replace("2019-01-01", "1 Jan 2019"),
            "claims/more.csv:2: claim bulk-one: period_start: expected a date (YYYY-MM-DD), found '1 Jan 2019'",
        ),
        (
            GOOD.replace(",250,,", ",-5,,"),
            "claims/more.csv:2: claim bulk-one: value: -5 is negative: figures count or measure, use 0 or more",
        ),
        (
            GOOD.replace(",250,,", ",2.5,,"),
            "claims/more.csv:2: claim bulk-one: value: 2.5 is not a whole number, and this metric counts whole units",
        ),
        (
            GOOD.replace(",250,,", ",inf,,"),
            "claims/more.csv:2: claim bulk-one: value: inf is not a finite number: write the figure",
        ),
        (
            GOOD.replace(",250,,", ",,1,2"),
            "claims/more.csv:2: claim bulk-one: value: qualifier exact takes a 'value'"
            " (found: stated_low, stated_high)",
        ),
        (
            GOOD.replace(",exact,250,,", ",range,,180,150"),
            "claims/more.csv:2: claim bulk-one: stated_low: 180 is above stated_high 150 - swap them",
        ),
        (
            GOOD.replace("bulk-one", "Bulk One"),
            "claims/more.csv:2: claim Bulk One: claim_id: use lowercase letters, digits, '-' and '_' only",
        ),
        (
            GOOD.replace("bulk-one", "a-soldiers-killed"),
            "claims/more.csv:2: claim a-soldiers-killed: claim_id:"
            " duplicate id: also defined at claims/claims.yaml:5 - give each claim its own id",
        ),
        (GOOD.replace(",wounded,", ",,"), "claims/more.csv:2: claim bulk-one: metric: missing: fill in this cell"),
    ],
)
def test_a_bad_row_is_named_by_file_line_claim_and_column(folder: Path, row: str, expected: str) -> None:
    (folder / "more.csv").write_text(f"{HEADER}\n{GOOD.replace('bulk-one', 'bulk-zero')}\n{row}\n", encoding="utf-8")
    assert _problems(folder) == [expected.replace("claims/more.csv:2", "claims/more.csv:3")]


# The same claim as GOOD, in YAML: line 3 is the claim's (and its id's), each field on the line after.
YAML_CLAIM = """claims:
  - id: bulk-one
    source: ngo
    quote: Hundreds were wounded
    document: report
    metric: wounded
    side: side_b
    category: all
    period: {start: 2019-01-01, end: 2019-12-31}
    qualifier: exact
    value: 250
"""
# (case, text to replace in YAML_CLAIM and its replacement, the same for GOOD): the same bad value both ways
SAME_BAD_VALUE = [
    ("unknown-source", "source: ngo", "source: ngoo", ",ngo,", ",ngoo,"),
    ("unknown-document", "document: report", "document: reprot", ",report,", ",reprot,"),
    ("unknown-metric", "metric: wounded", "metric: wounde", ",wounded,", ",wounde,"),
    ("unknown-side", "side: side_b", "side: side_c", ",side_b,", ",side_c,"),
    ("unknown-category", "category: all", "category: children", ",all,", ",children,"),
    ("unknown-qualifier", "qualifier: exact", "qualifier: exactly", ",exact,", ",exactly,"),
    ("quote", "quote: Hundreds", "quote: Thousands", ",Hundreds", ",Thousands"),
    ("bad-id", "id: bulk-one", "id: Bulk-One", "bulk-one,", "Bulk-One,"),
    ("duplicate-id", "id: bulk-one", "id: wounded-hundreds", "bulk-one,", "wounded-hundreds,"),
    ("end-before-start", "end: 2019-12-31", "end: 2018-12-31", ",2019-12-31,", ",2018-12-31,"),
    ("negative", "value: 250", "value: -250", ",250,", ",-250,"),
    ("not-whole", "value: 250", "value: 250.5", ",250,", ",250.5,"),
    ("not-finite", "value: 250", "value: .nan", ",250,", ",NaN,"),
    ("value-for-range", "qualifier: exact", "qualifier: range", ",exact,", ",range,"),
    ("range-for-value", "value: 250", "low: 250\n    high: 300", ",250,,", ",,250,300"),
    (
        "low-above-high",
        "qualifier: exact\n    value: 250",
        "qualifier: range\n    low: 300\n    high: 250",
        ",exact,250,,",
        ",range,,300,250",
    ),
    ("missing-value", "\n    value: 250", "", ",250,", ",,"),
]


def _as_yaml(text: str) -> str:
    """A table's column names in a problem, written as the YAML fields that fill them."""
    for field, columns in CLAIM_FIELDS.items():
        for column in columns:
            text = re.sub(rf"\b{column}\b", field, text)
    return text


SUGGESTED = {"unknown-source", "unknown-document", "unknown-metric", "unknown-side", "unknown-qualifier"}
"""The cases whose unknown name looks like a known one: both ways, the message says "did you mean"."""


@pytest.mark.parametrize(
    ("case", "yaml_old", "yaml_new", "csv_old", "csv_new"), SAME_BAD_VALUE, ids=[c[0] for c in SAME_BAD_VALUE]
)
def test_the_same_bad_value_gets_the_same_message_in_yaml_and_in_a_table(
    folder: Path, case: str, yaml_old: str, yaml_new: str, csv_old: str, csv_new: str
) -> None:
    assert yaml_old in YAML_CLAIM and csv_old in GOOD
    (folder / "more.yaml").write_text(YAML_CLAIM.replace(yaml_old, yaml_new, 1), encoding="utf-8")
    from_yaml = _problems(folder)
    (folder / "more.yaml").unlink()
    (folder / "more.csv").write_text(f"{HEADER}\n{GOOD.replace(csv_old, csv_new, 1)}\n", encoding="utf-8")
    from_table = _problems(folder)
    assert len(from_yaml) == len(from_table) == 1
    where_yaml, what_yaml = from_yaml[0].split(": ", 1)
    where_table, what_table = from_table[0].split(": ", 1)
    assert where_yaml.startswith("claims/more.yaml:") and where_table == "claims/more.csv:2"
    assert what_yaml == _as_yaml(what_table)
    assert ("did you mean" in what_yaml) == (case in SUGGESTED)


def test_unknown_and_missing_columns_are_named(folder: Path) -> None:
    (folder / "more.csv").write_text("claim_id,source_id,colour\nx,ngo,red\n", encoding="utf-8")
    problems = _problems(folder)
    assert any(p.startswith("claims/more.csv:1: colour: unknown column (known: claim_id, source_id,") for p in problems)
    assert any(p.startswith("claims/more.csv:1: quote: missing column") for p in problems)


def test_many_bad_rows_are_counted_not_listed(folder: Path) -> None:
    rows = [GOOD.replace("bulk-one", f"bulk-{i}").replace("ngo", "nobody") for i in range(40)]
    (folder / "more.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    problems = _problems(folder)
    assert len(problems) == 6
    assert problems[-1] == "claims/more.csv:7: source_id: and 35 more rows with the same problem"


def test_a_counted_row_beside_a_named_one_on_the_same_line_is_listed(folder: Path) -> None:
    """Line 7 holds both the "and N more" of one check (no claim named) and a problem of another check that
    names its claim: both are listed, the one without a claim first."""
    rows = [GOOD.replace("bulk-one", f"bulk-{i}").replace("ngo", "nobody") for i in range(7)]
    rows[5:] = [row.replace(",exact,", ",roughly,") for row in rows[5:]]
    (folder / "more.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    problems = [p for p in _problems(folder) if p.startswith("claims/more.csv:7:")]
    assert problems == [
        "claims/more.csv:7: source_id: and 2 more rows with the same problem",
        "claims/more.csv:7: claim bulk-5: qualifier: unknown qualifier 'roughly': add it to the reference file or"
        " fix the spelling",
    ]


def test_an_unreadable_table_is_refused_clearly(folder: Path) -> None:
    (folder / "broken.parquet").write_bytes(b"not parquet at all")
    assert _problems(folder)[0].startswith("claims/broken.parquet:0: cannot read this Parquet file:")


def test_planted_parquet_is_not_read_as_claims(folder: Path) -> None:
    pl.DataFrame({"kind": ["disjoint_claims"], "claim_ids": [["a", "b"]]}).write_parquet(folder / "planted.parquet")
    assert load.load_claims(folder).n_claims == 7


def test_a_parquet_table_of_many_row_groups_loads_every_claim_once(folder: Path, tmp_path: Path) -> None:
    # row groups smaller than DuckDB's, so the claims arrive in many Arrow batches read on several threads
    n = 300_000
    table = pl.DataFrame({"claim_id": [f"bulk-{i:06d}" for i in range(n)]}).with_columns(
        source_id=pl.lit("ngo"),
        document_id=pl.lit("report"),
        quote=pl.lit("Hundreds were wounded"),
        metric=pl.lit("wounded"),
        side=pl.lit("side_b"),
        category=pl.lit("all"),
        period_start=pl.date(2019, 1, 1),
        period_end=pl.date(2019, 12, 31),
        qualifier=pl.lit("exact"),
        value=(pl.int_range(n) % 1000).cast(pl.Float64),
    )
    table.write_parquet(folder / "many.parquet", row_group_size=50_000)
    claimset = load.load_claims(folder)
    # chunked alike in every column: Polars copies a misaligned frame whole at every select and conversion
    chunks = {tuple(column.chunk_lengths()) for column in claimset.claims_frame().get_columns()}
    assert len(chunks) == 1 and len(chunks.pop()) > 1
    con = reconciled(folder)
    assert con.execute("""
        SELECT count(*), count(DISTINCT claim_id), sum(value), min(line), max(line)
        FROM claims WHERE file = 'claims/many.parquet'
    """).fetchone() == (n, n, 300 * 499_500.0, 1, n)
    assert con.execute(
        "SELECT n_claims, n_sources, widest_low, widest_high FROM quantities"
        " WHERE quantity_id = 'wounded/side_b/all/2019'"
    ).fetchone() == (n, 1, 0, 999)


def test_claims_from_yaml_and_two_tables_are_chunked_alike(folder: Path) -> None:
    for name in ("a", "b"):
        rows = [GOOD.replace("bulk-one", f"bulk-{name}{i}") for i in range(3)]
        pl.read_csv(__import__("io").StringIO("\n".join([HEADER, *rows]))).write_parquet(
            folder / f"{name}.parquet", row_group_size=2
        )
    frame = load.load_claims(folder).claims_frame()
    assert frame.height == 7 + 6
    assert len({tuple(column.chunk_lengths()) for column in frame.get_columns()}) == 1
    assert frame.filter(pl.col("claim_id") == "bulk-b2").select("file", "line").row(0) == ("claims/b.parquet", 3)
