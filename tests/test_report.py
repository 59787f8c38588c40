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
    assert "- 5 findings, 4 of them a source contradicting itself: 5 disjoint_claims." in text
    assert text.count("\n### ") == 5
    section = text.split("### 4. disjoint_claims: killed, azerbaijani, military, 1988–1994\n", 1)[1].split("\n### ")[0]
    assert "Government of Azerbaijan (11,557) and Western and Russian estimates (25,000–30,000) disagree" in section
    assert "- **Government of Azerbaijan** (belligerent_official, azerbaijani): 11,557, read as 11,557" in section
    assert "  > Azerbaijan stated 11,557 of its soldiers were killed" in section
    assert "  > Western and Russian estimates of dead combatants on the Azerbaijani side were 25,000–30,000" in section


def test_bounds_table_lists_every_quantity_with_several_claims(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    table = text.split("## Bounds of every quantity with more than one claim", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| quantity")]
    assert len(rows) == 32
    assert "| killed, azerbaijani, military, 1988–1994 | people | 2 | 2 | 11,557–30,000 | none | contradicted |" in rows
    assert "| killed, all, civilians, 2020-09-27 – 2020-11-10 | people | 2 | 1 | 180 or more | 185–220 | agreed |" in rows


def test_table_cells_are_escaped(mini: Path) -> None:
    config = pipeline.RunConfig(mini, mini.parent / "db.duckdb", mini.parent / "reports")
    pipeline.run_pipeline(config)
    with duckdb.connect(str(config.db_path), read_only=True) as con:
        text = report.render(con)
    assert "| displaced, all, civilians, 2019 | people | 2 | 2 | 0 or more | 91–300 | agreed |" in text
