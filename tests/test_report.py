"""The discrepancy report: deterministic, complete, and the committed copy is current."""

from __future__ import annotations

from pathlib import Path

import duckdb

from claimrec import pipeline, report
from support import ROOT


def test_same_claims_give_a_byte_identical_report(seed_run: pipeline.RunConfig, tmp_path: Path) -> None:
    again = pipeline.RunConfig(seed_run.claims_dir, tmp_path / "again.duckdb", tmp_path / "reports")
    pipeline.run_pipeline(again)
    first = (seed_run.reports_dir / report.REPORT_NAME).read_bytes()
    assert (again.reports_dir / report.REPORT_NAME).read_bytes() == first


def test_committed_report_is_current(seed_run: pipeline.RunConfig) -> None:
    """reports/discrepancies.md in the repository is what `make run` writes for claims/ (re-run it to update)."""
    fresh = (seed_run.reports_dir / report.REPORT_NAME).read_text(encoding="utf-8")
    assert (ROOT / "reports" / report.REPORT_NAME).read_text(encoding="utf-8") == fresh


def test_report_explains_each_finding(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    assert text.startswith("# Discrepancy report\n\n## Summary\n\n- 233 claims from 16 sources in 1 document(s)")
    assert "- 32 quantities have more than one claim: 27 agree" in text
    assert "- 13 findings, 6 of them a source contradicting itself:" in text
    assert (
        "| disjoint_claims | 5 | 5 | 0 |\n| part_exceeds_whole | 4 | 4 | 0 |\n| parts_exceed_whole | 4 | 4 | 0 |"
        in text
    )
    assert "- 236 part/whole and sum relations checked, 228 of them hold." in text
    assert text.count("\n### ") == 13
    section = text.split("### 4. disjoint_claims (definite): killed, azerbaijani, military, 1988–1994\n", 1)[1]
    section = section.split("\n### ")[0]
    assert "Government of Azerbaijan (11,557) and Western and Russian estimates (25,000–30,000) disagree" in section
    assert "- **Government of Azerbaijan** (belligerent_official, azerbaijani): 11,557, read as 11,557" in section
    assert "  > Azerbaijan stated 11,557 of its soldiers were killed" in section
    assert "  > Western and Russian estimates of dead combatants on the Azerbaijani side were 25,000–30,000" in section


def test_bounds_table_shows_stated_and_implied_bounds(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    table = text.split("## Bounds\n", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| quantity")]
    expected = seed_db.execute("""
        SELECT count(*) FROM quantities WHERE n_claims > 1 OR implied_low > chosen_low OR implied_high < chosen_high
            OR (chosen_high IS NULL AND implied_high IS NOT NULL)
    """).fetchone()[0]
    assert len(rows) == expected
    assert (
        "| killed, azerbaijani, military, 1988–1994 | people | 2 | 2 | 11,557–30,000 | none | at most 38,000 |"
        " contradicted |"
    ) in rows
    assert "| killed, all, all, 2010–2019 | people | 1 | 1 | 541 or more | 541 or more | 544 or more | single |" in rows
    assert "| killed, all, military, 2015 | people | 1 | 1 | 77 | 77 | 106 or more | single |" in rows


def test_relations_that_hold_are_listed(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    section = text.split("## Relations that hold\n", 1)[1].split("\n## ")[0]
    assert "200 part/whole pairs hold" in section
    assert (
        "- The parts of killed, all, military, 2008–2010 (2008: 30; 2009: 19; 2010: 25) add up to at least 74,"
        " exactly the 74 the whole allows."
    ) in section


def test_table_cells_are_escaped(mini: Path) -> None:
    config = pipeline.RunConfig(mini, mini.parent / "db.duckdb", mini.parent / "reports")
    pipeline.run_pipeline(config)
    with duckdb.connect(str(config.db_path), read_only=True) as con:
        text = report.render(con)
    assert "| displaced, all, civilians, 2019 | people | 2 | 2 | 0 or more | 91–300 |  | agreed |" in text
