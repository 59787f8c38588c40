"""Reconciliation: claim intervals from qualifiers, quantity bounds, disjoint-claim findings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from support import claims_yaml, reconciled

# (qualifier, figure fields, metric, expected low, expected high); metric 'share' is in percent, not whole
INTERVALS = [
    ("exact", "value: 120", "killed", 120, 120),
    ("at_least", "value: 12", "killed", 12, None),
    ("more_than", "value: 90", "killed", 91, None),
    ("more_than", "value: 90", "share", 90, None),
    ("up_to", "value: 300", "killed", 0, 300),
    ("less_than", "value: 300", "killed", 0, 299),
    ("less_than", "value: 2.5", "share", 0, 2.5),
    ("approximately", "value: 40", "killed", 36, 44),
    ("approximately", "value: 100", "killed", 90, 110),
    ("approximately", "value: 11557", "killed", 10402, 12712),
    ("approximately", "value: 33.3", "share", 29.97, 36.63),
    ("range", "low: 31; high: 92", "killed", 31, 92),
    ("several", "", "killed", 3, 9),
    ("dozens", "", "killed", 24, 99),
    ("scores", "", "killed", 40, 199),
    ("hundreds", "", "killed", 200, 999),
    ("thousands", "", "killed", 2000, 9999),
    ("tens_of_thousands", "", "killed", 20000, 99999),
    ("many", "", "killed", 2, None),
]


def test_every_qualifier_becomes_its_interval(mini: Path) -> None:
    rows = [
        (f"q{number:02d}", "ngo", metric, "side_b", "all", 1900 + number, f"qualifier: {qualifier}; {figure}")
        for number, (qualifier, figure, metric, _, _) in enumerate(INTERVALS)
    ]
    (mini / "intervals.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    con = reconciled(mini)
    got = dict(
        con.execute("SELECT claim_id, [low, high] FROM claims WHERE claim_id LIKE 'q%' ORDER BY claim_id").fetchall()
    )
    for number, (qualifier, figure, metric, low, high) in enumerate(INTERVALS):
        assert got[f"q{number:02d}"] == pytest.approx([low, high]), (qualifier, figure, metric)


def test_mini_quantities_and_findings(mini: Path) -> None:
    con = reconciled(mini)
    quantities = con.execute("""
        SELECT quantity_id, n_claims, n_sources, widest_low, widest_high, consensus_low, consensus_high, status
        FROM quantities ORDER BY quantity_id
    """).fetchall()
    assert quantities == [
        ("captured/side_a/military/2019", 1, 1, 12, None, 12, None, "single"),
        ("displaced/all/civilians/2019", 2, 2, 0, None, 91, 300, "agreed"),
        ("killed/all/civilians/2019", 1, 1, 36, 44, 36, 44, "single"),
        ("killed/side_a/military/2019", 2, 2, 120, 180, None, None, "contradicted"),
        ("wounded/all/all/2019", 1, 1, 200, 999, 200, 999, "single"),
    ]
    findings = con.execute("""
        SELECT kind, quantity_id, claim_ids, source_ids, same_source, low_bound, high_bound, margin, message
        FROM findings
    """).fetchall()
    assert findings == [
        (
            "disjoint_claims",
            "killed/side_a/military/2019",
            ["a-soldiers-killed", "monitors-soldiers-killed"],
            ["ministry_a", "monitors"],
            False,
            150,
            120,
            30,
            "Ministry of A (120) and Independent monitors (150–180) disagree on killed, side_a, military, 2019;"
            " the figures do not overlap, 30 apart.",
        )
    ]


def test_every_disjoint_pair_is_reported(mini: Path) -> None:
    """Four claims on one quantity: 10, 20–30, 25–40 and 50+ give the four pairs that do not meet."""
    figures = {
        "a": "value: 10; qualifier: exact",
        "b": "low: 20; high: 30; qualifier: range",
        "c": "low: 25; high: 40; qualifier: range",
        "d": "value: 50; qualifier: at_least",
    }
    rows = [(f"many-{name}", "ngo", "wounded", "side_b", "all", 2000, figure) for name, figure in figures.items()]
    (mini / "many.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    con = reconciled(mini)
    pairs = con.execute("""
        SELECT claim_ids, margin, same_source FROM findings WHERE quantity_id = 'wounded/side_b/all/2000'
        ORDER BY claim_ids
    """).fetchall()
    assert pairs == [
        (["many-a", "many-b"], 10, True),
        (["many-a", "many-c"], 15, True),
        (["many-a", "many-d"], 40, True),
        (["many-b", "many-d"], 20, True),
        (["many-c", "many-d"], 10, True),
    ]
    message = con.execute("SELECT message FROM findings WHERE claim_ids = ['many-a', 'many-b']").fetchone()[0]
    assert message == (
        "The NGO contradicts itself on wounded, side_b, all, 2000: 10 against 20–30; the figures do not overlap, 10 apart."
    )


def test_taxonomy_paths_hold_every_ancestor(mini: Path) -> None:
    con = reconciled(mini)
    rows = con.execute(
        "SELECT ancestor_id, distance FROM taxonomy_paths WHERE dimension = 'metric' AND descendant_id = 'killed'"
        " ORDER BY distance"
    ).fetchall()
    assert rows == [("killed", 0), ("casualties", 1)]
    assert con.execute("SELECT count(*) FROM taxonomy_paths").fetchone()[0] == (6 + 3) + (3 + 2) + (
        3 + 2
    )  # each node itself, plus one row per parent link


def test_quantity_bounds_match_the_claims(seed_db: duckdb.DuckDBPyConnection) -> None:
    """Recompute every quantity's bounds in Polars from the claims and compare with the SQL result."""
    claims = seed_db.execute("SELECT quantity_id, low, high FROM claims").pl()
    expected = (
        claims.group_by("quantity_id")
        .agg(
            pl.len().alias("n_claims"),
            pl.col("low").min().alias("widest_low"),
            pl.when(pl.col("high").null_count() == 0).then(pl.col("high").max()).alias("widest_high"),
            pl.col("low").max().alias("max_low"),
            pl.col("high").min().alias("min_high"),
        )
        .sort("quantity_id")
    )
    got = seed_db.execute(
        "SELECT quantity_id, n_claims, widest_low, widest_high, status FROM quantities ORDER BY quantity_id"
    ).pl()
    assert got["quantity_id"].to_list() == expected["quantity_id"].to_list()
    assert got["n_claims"].to_list() == expected["n_claims"].cast(pl.Int32).to_list()
    assert got["widest_low"].to_list() == expected["widest_low"].to_list()
    assert got["widest_high"].to_list() == expected["widest_high"].to_list()
    contradicted = (expected["max_low"] > expected["min_high"]).fill_null(False).to_list()
    assert [s == "contradicted" for s in got["status"].to_list()] == contradicted


def test_claims_share_a_quantity_code_exactly_when_they_share_a_quantity_id(mini: Path) -> None:
    # subjects worded differently but with one slug, a subject with no slug, another period, another side
    rows = [
        ("k1", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 5; subject: T-72 tanks"),
        ("k2", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 6; subject: t 72 Tanks!"),
        ("k3", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 7; subject: '!!'"),
        ("k4", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 8"),
        ("k5", "ngo", "killed", "side_a", "military", 2018, "qualifier: exact; value: 9; subject: T-72 tanks"),
        ("k6", "ngo", "killed", "side_b", "military", 2019, "qualifier: exact; value: 9; subject: T-72 tanks"),
    ]
    (mini / "codes.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    con = reconciled(mini)
    codes = dict(con.execute("SELECT claim_id, quantity_code FROM claims WHERE claim_id LIKE 'k%'").fetchall())
    assert codes["k1"] == codes["k2"]
    assert codes["k3"] == codes["k4"]  # a subject with nothing to slug is no subject, as in the quantity id
    assert len({codes[c] for c in ("k1", "k3", "k5", "k6")}) == 4
    pairs = con.execute("""
        SELECT count(DISTINCT quantity_id), count(DISTINCT quantity_code), count(DISTINCT (quantity_id, quantity_code))
        FROM claims
    """).fetchone()
    assert pairs[0] == pairs[1] == pairs[2] == con.execute("SELECT count(*) FROM quantities").fetchone()[0]
    assert (
        con.execute("SELECT quantity_id FROM claims WHERE claim_id = 'k2'").fetchone()[0].endswith("/t-72-tanks/2019")
    )


def test_a_quantity_shows_one_wording_of_its_subject_whatever_the_order_of_its_claims(mini: Path) -> None:
    # the claims table has no row order of its own (claims are loaded on several threads)
    rows = [
        ("w1", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 5; subject: t 72 Tanks!"),
        ("w2", "ngo", "killed", "side_a", "military", 2019, "qualifier: exact; value: 6; subject: T-72 tanks"),
        ("w3", "ngo", "killed", "side_a", "military", 2018, "qualifier: exact; value: 7; subject: '!!'"),
    ]
    (mini / "words.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    con = reconciled(mini)
    subjects = dict(con.execute("SELECT quantity_id, subject FROM quantities WHERE metric = 'killed'").fetchall())
    assert subjects["killed/side_a/military/t-72-tanks/2019"] == "T-72 tanks"  # the first in sort order
    assert subjects["killed/side_a/military/2018"] is None  # no slug, no subject: as its id says
