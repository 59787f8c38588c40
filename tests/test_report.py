"""The discrepancy report: deterministic, complete, and the committed copy is current."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

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
    assert text.startswith(
        f"# Discrepancy report\n\n{report.HEADER}\n\n## Summary\n\n- 233 claims from 16 sources in 1"
    )
    assert "- 32 quantities have more than one claim: 27 agree" in text
    assert "- 13 findings, 6 of them a source contradicting itself:" in text
    assert (
        "| disjoint_claims | 5 | 5 | 0 |\n| part_exceeds_whole | 4 | 4 | 0 |\n| parts_exceed_whole | 4 | 4 | 0 |"
        in text
    )
    assert "- 236 part/whole and sum relations checked, 228 of them hold." in text
    assert text.count("\n#### ") == 13
    section = text.split("#### 7. disjoint_claims (definite): killed, azerbaijani, military, 1988–1994\n", 1)[1]
    section = section.split("\n#### ")[0]
    assert "Government of Azerbaijan (11,557) and Western and Russian estimates (25,000–30,000) disagree" in section
    assert "- **Government of Azerbaijan** (belligerent_official, azerbaijani): 11,557, read as 11,557" in section
    assert "  > Azerbaijan stated 11,557 of its soldiers were killed" in section
    assert "  > Western and Russian estimates of dead combatants on the Azerbaijani side were 25,000–30,000" in section


def test_bounds_table_shows_stated_and_implied_bounds(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    table = text.split("## Bounds\n", 1)[1]
    rows = [
        re.sub(r'^\| <a id="bounds-[^"]+"></a>', "| ", line)
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| quantity")
    ]
    expected = seed_db.execute("""
        SELECT count(*) FROM quantities WHERE n_claims > 1 OR implied_low > chosen_low OR implied_high < chosen_high
            OR (chosen_high IS NULL AND implied_high IS NOT NULL)
    """).fetchone()[0]
    assert len(rows) == expected
    assert (
        "| killed, azerbaijani, military, 1988–1994 | people | 2 | 2 | 11,557–30,000 | none | at most 38,000 |"
        " contradicted | [#7](#finding-F9e59e4a82c293dea) |"
    ) in rows
    assert (
        "| killed, all, all, 2010–2019 | people | 1 | 1 | 541 or more | 541 or more | 544 or more | single |  |" in rows
    )
    assert (
        "| killed, all, military, 2015 | people | 1 | 1 | 77 | 77 | 106 or more | single | [#11](#finding-Fc21e71d393a764bd) |"
        in rows
    )


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
    assert (
        '| <a id="bounds-displaced/all/civilians/2019"></a>displaced, all, civilians, 2019 | people | 2 | 2 | 0 or more'
        " | 91–300 |  | agreed |  |"
    ) in text


def test_every_link_lands(seed_run: pipeline.RunConfig) -> None:
    """Every `](#…)` link points at an anchor of the report, and every relative link at a file that exists,
    read from reports/ in the repository (where the committed copy lives)."""
    text = (ROOT / "reports" / report.REPORT_NAME).read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    inside = {unquote(t[1:]) for t in targets if t.startswith("#")}
    assert inside and inside <= anchors
    assert {a for a in anchors if a.startswith("finding-")} <= inside  # every finding is linked from the bounds table
    files = [t for t in targets if not t.startswith(("#", "http://", "https://"))]
    assert any(f.endswith(".txt") for f in files) and any("#L" in f for f in files)
    for target in files:
        path, _, fragment = unquote(target).partition("#")
        resolved = (ROOT / "reports" / path).resolve()
        assert resolved.is_file(), target
        if fragment:
            line = int(fragment.removeprefix("L"))
            assert 1 <= line <= len(resolved.read_text(encoding="utf-8").splitlines()), target
    # a finding links to its quantity's row, and the row back to the finding
    finding = text.split('<a id="finding-F9e59e4a82c293dea"></a>\n', 1)[1].split("\n#### ")[0]
    assert "[its row in the bounds table](#bounds-killed/azerbaijani/military/1988..1994)" in finding
    assert (
        "[claims/nagorno-karabakh/10-fatalities-1988-1994.yaml:63](../claims/nagorno-karabakh/10-fatalities-1988-1994.yaml#L63)"
        in finding
    )
    assert "[Nagorno-Karabakh conflict](https://en.wikipedia.org/wiki/Nagorno-Karabakh_conflict)" in finding


def test_documents_show_their_provenance(seed_db: duckdb.DuckDBPyConnection) -> None:
    section = report.render(seed_db).split("## Documents\n\n", 1)[1].split("\n## ")[0]
    assert section.startswith(
        "- **Nagorno-Karabakh conflict** (`wikipedia-nagorno-karabakh-conflict`, 233 claims):"
        " [https://en.wikipedia.org/wiki/Nagorno-Karabakh_conflict](https://en.wikipedia.org/wiki/Nagorno-Karabakh_conflict),"
        " no revision recorded, retrieved 2026-11-25. Text:"
        " [claims/documents/wikipedia-nagorno-karabakh-conflict.txt](../claims/documents/wikipedia-nagorno-karabakh-conflict.txt)."
    )


def test_related_findings_are_grouped_once(seed_db: duckdb.DuckDBPyConnection) -> None:
    """Findings about the same sources over the same period sit under one heading, which appears once."""
    text = report.render(seed_db)
    groups = re.findall(r"^### (.+)$", text.split("## Findings\n", 1)[1].split("\n## ")[0], flags=re.M)
    assert len(groups) == len(set(groups)) == 6
    assert groups[0] == "Wikipedia article (in its own voice) — 2016-04-01 – 2016-04-05 (6 related findings)"
    assert (
        "Caspian Defense Studies Institute and Government of Azerbaijan — 1994-01-01 – 2020-09-26 (2 related findings)"
        in groups
    )
    group = text.split("### Caspian Defense Studies Institute and Government of Azerbaijan — ", 1)[1].split("\n### ")[0]
    assert re.findall(r"^#### (\d+)\. (\w+)", group, flags=re.M) == [
        ("8", "part_exceeds_whole"),
        ("9", "part_exceeds_whole"),
    ]


def test_claims_show_their_notes_and_terms(seed_db: duckdb.DuckDBPyConnection) -> None:
    text = report.render(seed_db)
    finding = text.split("#### 11. parts_exceed_whole (definite): killed, all, military, 2015\n", 1)[1]
    finding = finding.split("\n#### ")[0]
    assert (
        "  > | 2015 | 42 soldiers, 5 civilians | 64 soldiers | 77 soldiers, 5 civilians |\n"
        '  - notes: Table cell "64 soldiers" (Azerbaijan column).'
    ) in finding
    assert ", Fatalities / 1994–2019 ([claims/nagorno-karabakh/12-fatalities-table-2008-2019.yaml:247]" in finding
    terms = text.split("## Terms\n", 1)[1].split("\n## ")[0]
    assert "- `artsakh` (side): Nagorno-Karabakh Republic / Artsakh:" in terms


def test_hostile_notes_make_no_link_and_no_heading(mini: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    path = mini / "claims.yaml"
    hostile = "[x](javascript:alert(1)) \\\\[y](javascript:alert(2))\\n## heading\\r### another <b>bold</b>"
    text = path.read_text().replace(
        "    value: 120\n    qualifier: exact\n", f'    value: 120\n    qualifier: exact\n    notes: "{hostile}"\n', 1
    )
    path.write_text(text)
    config = pipeline.RunConfig(mini, mini.parent / "db.duckdb", mini.parent / "reports")
    pipeline.run_pipeline(config)
    markdown = (config.reports_dir / report.REPORT_NAME).read_text(encoding="utf-8")
    assert "  - notes: \\[x\\](javascript:alert(1))" in markdown
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)
    assert "javascript:" in html and 'href="javascript' not in html
    assert "<h2>heading" not in html and "<h3>another" not in html and "<b>" not in html
    assert "[x](javascript:alert(1))" in html  # shown as the characters it is


def test_a_cut_report_links_only_to_what_it_shows(
    seed_db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the limits (lowered here) the findings and the bounds table are cut; no link points at what was cut."""
    monkeypatch.setattr(report, "FINDINGS_SHOWN", 5)
    monkeypatch.setattr(report, "PER_KIND_SHOWN", 2)
    monkeypatch.setattr(report, "ROWS_SHOWN", 10)
    text = report.render(seed_db)
    assert text.count("\n#### ") == 6
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert len([a for a in anchors if a.startswith("bounds-")]) == 10
    inside = {unquote(t) for t in re.findall(r"\]\(#([^)\s]+)\)", text)}
    assert inside and inside <= anchors
