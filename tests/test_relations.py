"""Parts and wholes: containment, sums of parts, covers, certainty and implied bounds, on small cases."""

from __future__ import annotations

from pathlib import Path

import duckdb

from support import claims_yaml, reconciled


def _claims(mini: Path, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """Replace the mini claims with `rows` (see support.claims_yaml) and reconcile them."""
    (mini / "claims.yaml").write_text(claims_yaml(rows), encoding="utf-8")
    return reconciled(mini)


def _findings(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("""
        SELECT kind, certainty, quantity_id, claim_ids, low_bound, high_bound, margin FROM findings
        WHERE kind <> 'disjoint_claims' ORDER BY kind, quantity_id, claim_ids
    """).fetchall()


def test_part_above_whole_is_definite_or_possible(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("w-low", "ministry_a", "killed", "all", "all", 2019, "value: 10; qualifier: exact"),
            ("w-high", "monitors", "killed", "all", "all", 2019, "value: 100; qualifier: exact"),
            ("p-mid", "ngo", "killed", "side_a", "all", 2019, "value: 50; qualifier: exact"),
            ("p-big", "ngo", "killed", "all", "military", 2019, "value: 150; qualifier: exact"),
        ],
    )
    assert _findings(con) == [
        ("part_exceeds_whole", "definite", "killed/all/all/2019", ["w-high", "p-big"], 150, 100, 50),
        ("part_exceeds_whole", "definite", "killed/all/all/2019", ["w-low", "p-big"], 150, 10, 140),
        # 50 only clashes with the claim of 10; believing the claim of 100 resolves it
        ("part_exceeds_whole", "possible", "killed/all/all/2019", ["w-low", "p-mid"], 50, 10, 40),
    ]
    # side_a (any category) and military (any side) may count the same people: they are not added up
    assert con.execute("SELECT count(*) FROM checks WHERE kind = 'parts_sum'").fetchone() == (0,)


def test_parts_covering_the_whole_must_reach_it(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("whole", "ministry_a", "killed", "all", "military", 2019, "value: 100; qualifier: exact"),
            ("a", "monitors", "killed", "side_a", "military", 2019, "value: 10; qualifier: exact"),
            ("b", "ngo", "killed", "side_b", "military", 2019, "low: 15; high: 20; qualifier: range"),
        ],
    )
    assert _findings(con) == [
        ("whole_exceeds_parts", "definite", "killed/all/military/2019", ["whole", "a", "b"], 100, 30, 70),
    ]
    checks = con.execute("SELECT kind, outcome, low_bound, high_bound FROM checks ORDER BY ALL").fetchall()
    assert checks == [
        ("cover_sum", "contradiction", 100, 30),
        ("part_whole", "consistent", 10, 100),
        ("part_whole", "consistent", 15, 100),
        ("parts_sum", "consistent", 25, 100),
    ]
    implied = con.execute("SELECT quantity_id, implied_low, implied_high FROM quantities ORDER BY 1").fetchall()
    assert implied == [
        ("killed/all/military/2019", 25, 30),
        ("killed/side_a/military/2019", None, 100),
        ("killed/side_b/military/2019", None, 100),
    ]


def test_an_open_part_leaves_the_cover_open(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("whole", "ministry_a", "killed", "all", "military", 2019, "value: 100; qualifier: exact"),
            ("a", "monitors", "killed", "side_a", "military", 2019, "value: 10; qualifier: exact"),
            ("b", "ngo", "killed", "side_b", "military", 2019, "value: 15; qualifier: at_least"),
        ],
    )
    assert _findings(con) == []
    cover = con.execute("SELECT outcome, high_bound, margin FROM checks WHERE kind = 'cover_sum'").fetchone()
    assert cover == ("consistent", None, None)


def test_periods_that_tile_the_whole(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("year", "ministry_a", "wounded", "side_b", "all", 2019, "value: 50; qualifier: exact"),
            (
                "h1",
                "monitors",
                "wounded",
                "side_b",
                "all",
                "{start: 2019-01, end: 2019-06}",
                "value: 30; qualifier: exact",
            ),
            (
                "h2",
                "monitors",
                "wounded",
                "side_b",
                "all",
                "{start: 2019-07, end: 2019-12}",
                "value: 30; qualifier: exact",
            ),
        ],
    )
    assert _findings(con) == [
        ("parts_exceed_whole", "definite", "wounded/side_b/all/2019", ["year", "h1", "h2"], 60, 50, 10),
    ]
    assert con.execute("SELECT outcome, margin FROM checks WHERE kind = 'cover_sum'").fetchone() == ("consistent", -10)


def test_overlapping_parts_are_not_added_twice(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("year", "ministry_a", "wounded", "all", "all", 2019, "value: 50; qualifier: exact"),
            (
                "spring",
                "monitors",
                "wounded",
                "side_a",
                "all",
                "{start: 2019-01, end: 2019-06}",
                "value: 30; qualifier: exact",
            ),
            (
                "summer",
                "ngo",
                "wounded",
                "side_a",
                "all",
                "{start: 2019-04, end: 2019-09}",
                "value: 40; qualifier: exact",
            ),
            (
                "autumn",
                "ngo",
                "wounded",
                "side_b",
                "all",
                "{start: 2019-04, end: 2019-09}",
                "value: 5; qualifier: exact",
            ),
        ],
    )
    parts = con.execute(
        "SELECT part_quantity_id, maximal, summed FROM quantity_parts ORDER BY part_quantity_id"
    ).fetchall()
    assert parts == [
        ("wounded/side_a/all/2019-01..2019-06", True, False),  # overlaps the longer April–September part
        ("wounded/side_a/all/2019-04..2019-09", True, True),
        ("wounded/side_b/all/2019-04..2019-09", True, True),  # another side: disjoint
    ]
    assert con.execute("SELECT low_bound FROM checks WHERE kind = 'parts_sum'").fetchone() == (45,)
    assert _findings(con) == []


def test_shares_are_not_added_and_subjects_narrow(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("share-all", "ministry_a", "share", "all", "all", 2019, "value: 10; qualifier: exact"),
            ("share-a", "ministry_a", "share", "side_a", "all", 2019, "value: 80; qualifier: exact"),
            ("plain", "ngo", "killed", "all", "all", 2019, "value: 10; qualifier: exact"),
            ("tanks", "ngo", "killed", "side_a", "all", 2019, "value: 12; qualifier: exact; subject: tank crews"),
        ],
    )
    parts = con.execute("SELECT whole_quantity_id, part_quantity_id, differs_in FROM quantity_parts").fetchall()
    assert parts == [("killed/all/all/2019", "killed/side_a/all/tank-crews/2019", ["side", "subject"])]
    assert [f[0] for f in _findings(con)] == ["part_exceeds_whole"]


def test_a_falling_cumulative_figure_needs_an_explanation(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("march", "ngo", "captured", "side_a", "military", 2019, "value: 100; qualifier: exact; as_of: 2019-03"),
            ("june", "ngo", "captured", "side_a", "military", 2019, "value: 80; qualifier: exact; as_of: 2019-06"),
            (
                "sept",
                "ngo",
                "captured",
                "side_a",
                "military",
                2019,
                "value: 60; qualifier: exact; as_of: 2019-09; revision: 40 prisoners were exchanged in August",
            ),
            ("dec", "ngo", "captured", "side_a", "military", 2019, "value: 75; qualifier: exact; as_of: 2019-12"),
            (
                "other",
                "monitors",
                "captured",
                "side_a",
                "military",
                2019,
                "value: 10; qualifier: exact; as_of: 2019-07",
            ),
        ],
    )
    findings = con.execute("SELECT kind, claim_ids, low_bound, high_bound, margin, message FROM findings").fetchall()
    assert findings == [
        (
            "cumulative_decrease",
            ["march", "june"],
            100,
            80,
            20,
            "The NGO gave 100 as of 2019-03-31 and 80 as of 2019-06-30 for captured, side_a, military, 2019: the"
            " cumulative figure fell by 20 with no explanation (a claim's revision field records one).",
        )
    ]
    checks = con.execute(
        "SELECT outcome, margin, message FROM checks WHERE kind = 'cumulative' ORDER BY margin, outcome"
    )
    assert [(o, m) for o, m, _ in checks.fetchall()] == [("consistent", -15), ("consistent", 20), ("contradiction", 20)]
    explained = con.execute("SELECT message FROM checks WHERE message LIKE '%explained%'").fetchone()[0]
    assert explained.endswith("it fell by 20, explained: 40 prisoners were exchanged in August")


def test_large_groups_get_one_finding_naming_every_clashing_claim(mini: Path) -> None:
    rows = [
        (f"k{i:02d}", "ngo", "killed", "side_a", "military", 2019, f"value: {v}; qualifier: exact")
        for i, v in enumerate([5, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 60])
    ]
    rows += [
        (f"w{i:02d}", "monitors", "killed", "all", "military", 2019, f"low: 30; high: {50 + i}; qualifier: range")
        for i in range(10)
    ]
    con = _claims(mini, rows)
    found = con.execute("""
        SELECT kind, quantity_id, claim_ids, low_bound, high_bound, margin, message FROM findings ORDER BY kind
    """).fetchall()
    assert found == [
        # twelve claims: 5 and 60 miss the others, 20–29 miss 5 and 60: one finding names each claim once
        (
            "disjoint_claims",
            "killed/side_a/military/2019",
            [f"k{i:02d}" for i in range(12)],
            60,
            5,
            55,
            "12 of the 12 claims on killed, side_a, military, 2019 miss at least one other: the highest low, 60,"
            " is 55 above the lowest high, 5.",
        ),
        # 12 × 10 claims: one finding for the pair of quantities, not a finding per pair of claims
        (
            "part_exceeds_whole",
            "killed/all/military/2019",
            [f"w{i:02d}" for i in range(10)] + ["k11"],
            60,
            50,
            10,
            "1 claims on killed, side_a, military, 2019 are above the lowest claim on the whole, killed, all, military,"
            " 2019, and 10 claims on the whole are below the highest claim on the part: the part's highest low, 60,"
            " exceeds the whole's lowest high, 50, by 10.",
        ),
    ]


def test_claims_as_of_different_dates_are_not_rivals(mini: Path) -> None:
    con = _claims(
        mini,
        [
            ("a-march", "ngo", "captured", "side_a", "military", 2019, "value: 10; qualifier: exact; as_of: 2019-03"),
            (
                "b-march",
                "monitors",
                "captured",
                "side_a",
                "military",
                2019,
                "value: 50; qualifier: exact; as_of: 2019-03",
            ),
            (
                "b-june",
                "monitors",
                "captured",
                "side_a",
                "military",
                2019,
                "value: 70; qualifier: exact; as_of: 2019-06",
            ),
            (
                "a-june",
                "ngo",
                "captured",
                "side_a",
                "military",
                2019,
                "low: 60; high: 75; qualifier: range; as_of: 2019-06",
            ),
        ],
    )
    assert con.execute("SELECT kind, claim_ids FROM findings").fetchall() == [
        ("disjoint_claims", ["a-march", "b-march"])
    ]
    quantity = con.execute("SELECT status, consensus_low, consensus_high, widest_low, widest_high FROM quantities")
    assert quantity.fetchone() == ("contradicted", 70, 70, 10, 75)  # consensus of the latest date, June
