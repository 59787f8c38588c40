"""The seed document, fully reconciled: its claims, quotes, table cells, bounds and findings."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import yaml

from claimrec.model import ClaimSet
from support import CLAIMS

DOCUMENT = CLAIMS / "documents" / "wikipedia-nagorno-karabakh-conflict.txt"


def _raw_claims() -> list[dict]:
    """Every claim, read with plain YAML (independently of claimrec's parser)."""
    out = []
    for path in sorted((CLAIMS / "nagorno-karabakh").glob("*.yaml")):
        out += yaml.safe_load(path.read_text(encoding="utf-8"))["claims"]
    return out


def test_document_is_the_seed_and_has_its_provenance() -> None:
    documents = yaml.safe_load((CLAIMS / "documents.yaml").read_text())["documents"]
    assert [d["id"] for d in documents] == ["wikipedia-nagorno-karabakh-conflict"]
    assert documents[0]["licence"].startswith("CC BY-SA")
    assert DOCUMENT.read_text(encoding="utf-8").startswith("= Nagorno-Karabakh conflict =")


def test_every_quote_occurs_verbatim() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    claims = _raw_claims()
    assert len(claims) == 233
    missing = [c["id"] for c in claims if c["quote"] not in text]
    assert missing == []


def test_claims_cover_every_section(seed: ClaimSet) -> None:
    per_file = {}
    for claim in seed.claims:
        per_file[claim.file.split("/")[-1]] = per_file.get(claim.file.split("/")[-1], 0) + 1
    assert per_file["01-infobox.yaml"] == 10
    assert per_file["12-fatalities-table-2008-2019.yaml"] == 42
    assert len(per_file) == 20 and sum(per_file.values()) == 233
    assert len(seed.sources) == 16


_CELL = re.compile(r"^(\d+)(?:–(\d+))?(\+)? (soldiers?|civilians?)$")


def test_every_table_cell_is_a_claim(seed: ClaimSet) -> None:
    """Each figure in each non-N/A cell of the 2008–2019 table is a claim with the cell's figure."""
    rows = [line for line in DOCUMENT.read_text(encoding="utf-8").splitlines() if re.match(r"^\| 20[01]\d \|", line)]
    assert len(rows) == 12
    by_key = {}
    for c in seed.claims:
        if c.file.endswith("12-fatalities-table-2008-2019.yaml"):
            by_key[(c.period_start.year, c.side, c.category)] = c
    expected = 0
    for row in rows:
        year, *cells = [cell.strip() for cell in row.strip("|").split("|")]
        for side, cell in zip(("armenian", "azerbaijani", "all"), cells):
            if cell == "N/A":
                continue
            for part in cell.split(", "):
                low, high, plus, noun = _CELL.match(part).groups()
                category = "military" if noun.startswith("soldier") else "civilians"
                claim = by_key[(int(year), side, category)]
                expected += 1
                assert claim.quote == row and claim.source_id == "wikipedia" and claim.metric == "killed"
                assert (claim.period_start, claim.period_end) == (dt.date(int(year), 1, 1), dt.date(int(year), 12, 31))
                if high:
                    assert (claim.qualifier, claim.stated_low, claim.stated_high) == ("range", int(low), int(high))
                else:
                    assert (claim.qualifier, claim.value) == ("at_least" if plus else "exact", int(low))
    assert expected == 42 == len(by_key)


def test_azerbaijani_soldiers_1988_1994_are_contradicted(seed_db: duckdb.DuckDBPyConnection) -> None:
    quantity = seed_db.execute("""
        SELECT n_claims, n_sources, widest_low, widest_high, consensus_low, consensus_high, status
        FROM quantities WHERE quantity_id = 'killed/azerbaijani/military/1988..1994'
    """).fetchone()
    assert quantity == (2, 2, 11557, 30000, None, None, "contradicted")
    finding = seed_db.execute("""
        SELECT kind, claim_ids, source_ids, same_source, low_bound, high_bound, margin, message
        FROM findings WHERE quantity_id = 'killed/azerbaijani/military/1988..1994'
    """).fetchall()
    assert finding == [
        (
            "disjoint_claims",
            ["nk-fat-8894-az-mil-killed-azgov", "nk-fat-8894-az-mil-killed-western"],
            ["azerbaijan_government", "western_russian_estimates"],
            False,
            25000,
            11557,
            13443,
            "Government of Azerbaijan (11,557) and Western and Russian estimates (25,000–30,000) disagree on killed,"
            " azerbaijani, military, 1988–1994; the figures do not overlap, 13,443 apart.",
        )
    ]


def test_disjoint_claims_of_the_seed(seed_db: duckdb.DuckDBPyConnection) -> None:
    """The article contradicts itself four times about 1–5 April 2016, and two sources disagree about 1988–1994."""
    rows = seed_db.execute("""
        SELECT quantity_id, same_source, high_bound, low_bound, margin FROM findings
        WHERE kind = 'disjoint_claims' ORDER BY quantity_id
    """).fetchall()
    assert rows == [
        ("killed/all/civilians/2016-04-01..2016-04-05", True, 10, 15, 5),
        ("killed/armenian/civilians/2016-04-01..2016-04-05", True, 4, 9, 5),
        ("killed/armenian/military/2016-04-01..2016-04-05", True, 88, 91, 3),
        ("killed/azerbaijani/military/1988..1994", False, 11557, 25000, 13443),
        ("killed/azerbaijani/military/2016-04-01..2016-04-05", True, 92, 94, 2),
    ]


def test_seed_quantities(seed_db: duckdb.DuckDBPyConnection) -> None:
    totals = seed_db.execute("""
        SELECT count(*), count(*) FILTER (n_claims > 1), count(*) FILTER (status = 'agreed'),
               count(*) FILTER (status = 'contradicted')
        FROM quantities
    """).fetchone()
    assert totals == (200, 32, 27, 5)

    def bounds(quantity_id: str) -> tuple:
        return seed_db.execute(
            "SELECT n_claims, widest_low, widest_high, consensus_low, consensus_high, status FROM quantities"
            " WHERE quantity_id = ?",
            [quantity_id],
        ).fetchone()

    # infobox and Fatalities agree on 28,000–38,000 killed in the first war
    assert bounds("killed/all/all/1988..1994") == (2, 28000, 38000, 28000, 38000, "agreed")
    # "as many as 3,000" (most observers) allows the infobox's 3,000
    assert bounds("killed/all/all/1994-05..2009-08") == (2, 0, 3000, 3000, 3000, "agreed")
    # "at least 185" and "an estimated two hundred" civilians in the 2020 war meet at 185–220
    assert bounds("killed/all/civilians/2020-09-27..2020-11-10") == (2, 180, None, 185, 220, "agreed")
    # "approximately 20" (prose) and 20 (table) Azerbaijani soldiers in 2012
    assert bounds("killed/azerbaijani/military/2012") == (2, 18, 22, 20, 20, "agreed")
    # "at least 64 ... according to Armenian sources" and the table's 64 for 2015
    assert bounds("killed/azerbaijani/military/2015") == (2, 64, None, 64, 64, "agreed")
    # official figures for the 2020 war, stated twice
    assert bounds("killed/armenian/military/2020-09-27..2020-11-10") == (2, 3825, 3825, 3825, 3825, "agreed")
    assert bounds("killed/azerbaijani/military/2020-09-27..2020-11-10") == (2, 2906, 2906, 2906, 2906, "agreed")
    # single-claim quantities that the part/whole checks will use
    assert bounds("killed/all/military/2008..2010") == (1, 74, 74, 74, 74, "single")
    assert bounds("killed/azerbaijani/military/1994-01-01..2020-09-26") == (1, 398, 398, 398, 398, "single")
    assert bounds("killed/azerbaijani/military/1994..2016") == (1, 1008, 1008, 1008, 1008, "single")


def test_part_whole_findings_of_the_seed(seed_db: duckdb.DuckDBPyConnection) -> None:
    rows = seed_db.execute("""
        SELECT kind, certainty, same_source, quantity_id, part_quantity_ids, low_bound, high_bound, margin
        FROM findings WHERE kind <> 'disjoint_claims' ORDER BY kind, quantity_id
    """).fetchall()
    az_period = "1994-01-01..2020-09-26"
    assert rows == [
        # the Caspian Defense Studies Institute's 1994–2016 figures exceed Azerbaijan's own for 1994–September 2020
        (
            "part_exceeds_whole",
            "definite",
            False,
            f"killed/azerbaijani/civilians/{az_period}",
            ["killed/azerbaijani/civilians/1994..2016"],
            91,
            31,
            60,
        ),
        (
            "part_exceeds_whole",
            "definite",
            False,
            f"killed/azerbaijani/military/{az_period}",
            ["killed/azerbaijani/military/1994..2016"],
            1008,
            398,
            610,
        ),
        # "two missing" in April 2016, against one Armenian and three Azerbaijani soldiers missing
        (
            "part_exceeds_whole",
            "definite",
            True,
            "missing/all/military/2016-04-01..2016-04-05",
            ["missing/azerbaijani/military/2016-04-01..2016-04-05"],
            3,
            2,
            1,
        ),
        # 239 Karabakhi soldiers unaccounted for (as of 2014) against 196 Armenian soldiers missing
        (
            "part_exceeds_whole",
            "definite",
            False,
            "missing/armenian/military/1988..1994",
            ["missing/artsakh/military/1988..1994"],
            239,
            196,
            43,
        ),
        # the 2015 table row: 42 Armenian + 64 Azerbaijani soldiers, but a total of 77
        (
            "parts_exceed_whole",
            "definite",
            False,
            "killed/all/military/2015",
            ["killed/armenian/military/2015", "killed/azerbaijani/military/2015"],
            106,
            77,
            29,
        ),
        (
            "parts_exceed_whole",
            "definite",
            False,
            f"killed/azerbaijani/civilians/{az_period}",
            ["killed/azerbaijani/civilians/1994..2016", "killed/azerbaijani/civilians/2020-01-01..2020-09-26"],
            92,
            31,
            61,
        ),
        (
            "parts_exceed_whole",
            "definite",
            False,
            f"killed/azerbaijani/military/{az_period}",
            [
                "killed/azerbaijani/military/1994..2016",
                "killed/azerbaijani/military/2017",
                "killed/azerbaijani/military/2018",
                "killed/azerbaijani/military/2019",
                "killed/azerbaijani/military/2020-01-01..2020-09-26",
            ],
            1055,
            398,
            657,
        ),
        (
            "parts_exceed_whole",
            "definite",
            True,
            "missing/all/military/2016-04-01..2016-04-05",
            ["missing/armenian/military/2016-04-01..2016-04-05", "missing/azerbaijani/military/2016-04-01..2016-04-05"],
            4,
            2,
            2,
        ),
    ]
    message = seed_db.execute(
        "SELECT message FROM findings WHERE kind = 'part_exceeds_whole' AND margin = 610"
    ).fetchone()[0]
    assert message == (
        "Caspian Defense Studies Institute gives 1,008 for killed, azerbaijani, military, 1994–2016, which exceeds"
        " Government of Azerbaijan's 398 for the whole, killed, azerbaijani, military, 1994-01-01 – 2020-09-26,"
        " by 610."
    )
    assert seed_db.execute("SELECT count(*) FROM findings").fetchone() == (13,)


def test_2008_to_2010_rows_add_up_exactly_to_74(seed_db: duckdb.DuckDBPyConnection) -> None:
    rows = seed_db.execute("""
        SELECT kind, part_quantity_ids, low_bound, high_bound, margin, outcome, certainty, message FROM checks
        WHERE whole_quantity_id = 'killed/all/military/2008..2010' AND kind <> 'part_whole' ORDER BY kind
    """).fetchall()
    years = ["killed/all/military/2008", "killed/all/military/2009", "killed/all/military/2010"]
    assert rows == [
        (
            "cover_sum",
            years,
            74,
            74,
            0,
            "consistent",
            None,
            "The parts of killed, all, military, 2008–2010 cover it completely (2008: 30; 2009: 19; 2010: 25) and add"
            " up to at most 74, exactly the 74 stated for the whole.",
        ),
        (
            "parts_sum",
            years,
            74,
            74,
            0,
            "consistent",
            None,
            "The parts of killed, all, military, 2008–2010 (2008: 30; 2009: 19; 2010: 25) add up to at least 74,"
            " exactly the 74 the whole allows.",
        ),
    ]


def test_2010_to_2019_yearly_rows_imply_at_least_541(seed_db: duckdb.DuckDBPyConnection) -> None:
    """The table's yearly totals add up to 541, the infobox's "541–547+"; the prose adds three civilian
    deminers killed on 29 March 2018 (the table lists only soldiers for 2018), so all claims imply 544."""
    quantity = "killed/all/all/2010..2019"
    implied, stated = seed_db.execute(
        "SELECT implied_low, widest_low FROM quantities WHERE quantity_id = ?", [quantity]
    ).fetchone()
    assert (implied, stated) == (544, 541)
    parts = seed_db.execute(
        """
        SELECT q.quantity_id, q.chosen_low, q.subject FROM quantity_parts qp
        JOIN quantities q ON q.quantity_id = qp.part_quantity_id
        WHERE qp.whole_quantity_id = ? AND qp.summed ORDER BY q.quantity_id
    """,
        [quantity],
    ).fetchall()
    table_rows = [(q, low) for q, low, subject in parts if subject is None]
    assert [q for q, _ in table_rows] == [
        "killed/all/all/2014",
        "killed/all/civilians/2011",
        "killed/all/civilians/2015",
        "killed/all/civilians/2016",
        "killed/all/military/2010",
        "killed/all/military/2011",
        "killed/all/military/2012",
        "killed/all/military/2013",
        "killed/all/military/2015",
        "killed/all/military/2016",
        "killed/all/military/2017",
        "killed/all/military/2018",
        "killed/all/military/2019",
    ]
    assert sum(low for _, low in table_rows) == 541
    assert [(q, low) for q, low, subject in parts if subject is not None] == [
        ("killed/all/civilians/demining-operation/2018-03-29", 3)
    ]
    check = seed_db.execute(
        "SELECT low_bound, high_bound, outcome FROM checks WHERE kind = 'parts_sum' AND whole_quantity_id = ?",
        [quantity],
    ).fetchone()
    assert check == (544, None, "consistent")


def test_check_outcomes_are_the_checks_without_words(seed_db: duckdb.DuckDBPyConnection) -> None:
    """The unworded view gives the same relations, bounds and outcomes as `checks`, with the quantities' keys."""
    outcomes = seed_db.execute("""
        SELECT o.check_id, o.kind, w.quantity_id, p.quantity_id, o.low_bound, o.high_bound, o.margin, o.outcome,
               o.certainty
        FROM check_outcomes o JOIN quantities w ON w.quantity_key = o.whole_key
        LEFT JOIN quantities p ON p.quantity_key = o.part_key ORDER BY o.check_id
    """).fetchall()
    worded = seed_db.execute("""
        SELECT check_id, kind, whole_quantity_id, CASE kind WHEN 'part_whole' THEN part_quantity_ids[1] END,
               low_bound, high_bound, margin, outcome, certainty
        FROM checks ORDER BY check_id
    """).fetchall()
    assert outcomes == worded
    assert len(outcomes) == 236
    keys = seed_db.execute("SELECT quantity_key FROM quantities ORDER BY quantity_id").fetchall()
    assert [k for (k,) in keys] == list(range(1, 201))  # numbered in the order of quantity ids
    assert sum(row[7] == "consistent" for row in outcomes) == 228
