"""The HTML report, reports/index.html: deterministic, exact, and, opened in headless Chromium, its charts
draw, no script fails, nothing is fetched, and a quote written to attack the page stays text.

Chromium is driven over the DevTools protocol by the helpers of tests/browser.py: no browser download, no
driver. When /usr/bin/chromium is missing, `.ci/install-chromium` installs it from Debian's packages; the
browser tests are skipped, saying why, only when that is impossible.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import markupsafe
import pytest
from browser import chromium, open_page

from claimrec import pipeline, report_charts, report_html

HOSTILE = """<img src=x onerror="document.title='pwned'"> & <script>document.title='pwned'</script>"""
HOSTILE_CLAIM = f"""  - id: hostile-quote
    source: ngo
    quote: {json.dumps(HOSTILE)}
    metric: killed
    side: side_a
    category: military
    period: 2019
    value: 500
    qualifier: exact
    notes: {json.dumps("a note with </script><b>markup</b>")}
"""
"""A claim for the mini folder whose quote tries to run script in the report; 500 contradicts the others."""


@pytest.fixture(scope="module")
def browser() -> Iterator[str]:
    """A headless Chromium with no network features, started once; yields its DevTools HTTP address."""
    with chromium() as address:
        yield address


# ---------------------------------------------------------------------------------------------- in Chromium


def test_seed_report_draws_a_chart_per_contested_quantity(
    browser: str, seed_run: pipeline.RunConfig, seed_db: duckdb.DuckDBPyConnection
) -> None:
    page = open_page(browser, seed_run.reports_dir / report_html.HTML_NAME)
    contested = seed_db.execute("SELECT count(*) FROM contested_quantities").fetchone()[0]
    assert contested == 10
    charts = page.evaluate("""Array.from(document.querySelectorAll('section.quantity .chart')).map(c => {
        const svg = c.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return {marks: svg ? svg.querySelectorAll('[role="graphics-symbol"]').length : 0,
                width: box.width, height: box.height}; })""")
    assert len(charts) == contested
    assert all(c["marks"] >= 2 and c["width"] > 300 and c["height"] > 60 for c in charts), charts
    # every bar carries its quote as hover text
    titles = page.evaluate("Array.from(document.querySelectorAll('.chart svg title')).map(t => t.textContent)")
    assert (
        "Government of Azerbaijan: 11,557, read as 11,557. “Azerbaijan stated 11,557 of its soldiers were killed”"
        in titles
    )
    assert page.errors() == []
    assert [u for u in page.requested() if not u.startswith("file:")] == []


def test_tables_sort_and_filter(browser: str, seed_run: pipeline.RunConfig, seed_db: duckdb.DuckDBPyConnection) -> None:
    page = open_page(browser, seed_run.reports_dir / report_html.HTML_NAME)
    rows = "Array.from(document.querySelectorAll('#claims-table tbody tr')).filter(r => !r.hidden)"
    assert page.evaluate(f"{rows}.length") == 233
    page.evaluate("""(() => { const i = document.querySelector('input[data-filter="claims-table"]');
        i.value = 'NK-FAT-8894'; i.dispatchEvent(new Event('input')); })()""")  # any case
    shown = page.evaluate(f"{rows}.map(r => r.cells[0].textContent)")
    expected = seed_db.execute("SELECT claim_id FROM claims WHERE claim_id LIKE 'nk-fat-8894-%' ORDER BY claim_id")
    assert shown == [c for (c,) in expected.fetchall()] and 0 < len(shown) < 233
    assert (
        page.evaluate("document.querySelector('[data-shown=\"claims-table\"]').textContent")
        == f"{len(shown)} of 233 rows"
    )
    low = page.evaluate(
        "Array.from(document.querySelectorAll('#claims-table th')).findIndex(h => h.textContent == 'low')"
    )
    page.evaluate(f"document.querySelectorAll('#claims-table th')[{low}].click()")  # ascending
    lows = page.evaluate(f"{rows}.map(r => parseFloat(r.cells[{low}].dataset.sort))")
    assert lows == sorted(lows) and lows[0] < lows[-1]
    page.evaluate(f"document.querySelectorAll('#claims-table th')[{low}].click()")  # descending
    assert page.evaluate(f"{rows}.map(r => parseFloat(r.cells[{low}].dataset.sort))") == sorted(lows, reverse=True)
    assert page.errors() == []


def test_a_hostile_quote_stays_text(browser: str, mini: Path) -> None:
    (mini / "claims.yaml").write_text(
        (mini / "claims.yaml").read_text(encoding="utf-8") + HOSTILE_CLAIM, encoding="utf-8"
    )
    document = mini / "documents" / "report.txt"
    document.write_text(document.read_text(encoding="utf-8") + f"The NGO wrote: {HOSTILE}\n", encoding="utf-8")
    config = pipeline.RunConfig(mini, mini.parent / "claimrec.duckdb", mini.parent / "reports")
    pipeline.run_pipeline(config)
    path = config.reports_dir / report_html.HTML_NAME
    text = path.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<script>document" not in text and "</script><b>" not in text
    assert str(markupsafe.escape(HOSTILE)) in text  # the five characters html.escape escapes, escaped alike
    page = open_page(browser, path)
    assert page.evaluate("document.title") == "Discrepancy report"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    quotes = page.evaluate(
        "Array.from(document.querySelectorAll('blockquote, td.quote q, figcaption q')).map(q => q.textContent)"
    )
    assert quotes.count(HOSTILE) >= 3  # in the finding, the claims table and the chart's caption
    notes = page.evaluate("Array.from(document.querySelectorAll('.notes')).map(n => n.textContent)")
    assert "a note with </script><b>markup</b>" in notes
    titles = page.evaluate("Array.from(document.querySelectorAll('.chart svg title')).map(t => t.textContent)")
    assert any(HOSTILE in t for t in titles)
    assert page.errors() == []
    assert [u for u in page.requested() if not u.startswith("file:")] == []


# ------------------------------------------------------------------------------------------- without browser


def words(fragment: str) -> str:
    """The text of an HTML fragment as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def test_same_claims_give_a_byte_identical_page(seed_run: pipeline.RunConfig, tmp_path: Path) -> None:
    again = pipeline.RunConfig(seed_run.claims_dir, tmp_path / "again.duckdb", tmp_path / "reports")
    pipeline.run_pipeline(again)
    first = (seed_run.reports_dir / report_html.HTML_NAME).read_bytes()
    assert (again.reports_dir / report_html.HTML_NAME).read_bytes() == first
    with duckdb.connect(str(again.db_path), read_only=True) as con:
        assert report_html.render_html(con).encode() == first  # and rendering again in the same process
        run_ids = [r for (r,) in con.execute("SELECT run_id FROM runs").fetchall()]
    assert run_ids and not any(r.encode() in first for r in run_ids)


def test_page_is_self_contained(seed_run: pipeline.RunConfig) -> None:
    text = (seed_run.reports_dir / report_html.HTML_NAME).read_text(encoding="utf-8")
    # nothing is fetched from elsewhere; the one kind of outside address is a link a reader may follow: a
    # document's web address, in the summary
    assert not re.search(r"""<(?!a )[^>]*\b(src|href)=["']?(https?:)?//""", text)
    outside = re.findall(r"""<a [^>]*href=["']?(?:https?:)?//[^>]*>""", text)
    assert outside == ['<a class="document" href="https://en.wikipedia.org/wiki/Nagorno-Karabakh_conflict">']
    assert not re.search(r"<(link|iframe|object|embed)\b", text)
    assert text.count("<script>") == 1 and text.count("<style>") == 1


def test_numbers_shown_for_one_quantity(seed_run: pipeline.RunConfig) -> None:
    text = (seed_run.reports_dir / report_html.HTML_NAME).read_text(encoding="utf-8")
    section = text.split('<section class="quantity" id="quantity-killed/azerbaijani/military/1988..1994">', 1)[1]
    section = section.split("</section>", 1)[0]
    assert "<h3>killed, azerbaijani, military, 1988–1994</h3>" in section
    meta = section.split('<p class="meta">', 1)[1].split("</p>", 1)[0]
    assert words(meta) == (
        "contradicted 2 claims from 2 sources (people) · widest 11,557–30,000 · consensus none"
        " · implied at most 38,000 · findings: disjoint_claims (definite)"
    )
    caption = section.split("<figcaption>", 1)[1]
    items = re.findall(r"<li>(.*?)</li>", caption, re.S)
    assert [words(i) for i in items] == [
        "Government of Azerbaijan belligerent_official: 11,557, read as 11,557 —"
        " Azerbaijan stated 11,557 of its soldiers were killed nk-fat-8894-az-mil-killed-azgov",
        "Western and Russian estimates observer_estimate: 25,000–30,000, read as 25,000–30,000 —"
        " Western and Russian estimates of dead combatants on the Azerbaijani side were 25,000–30,000"
        " nk-fat-8894-az-mil-killed-western",
    ]
    # the chart: the two claims as bars with their quotes on one linear axis (the figures span less than 100 times)
    chart = section.split('<div class="chart">', 1)[1].split("</div>", 1)[0]
    assert "for a linear scale" in chart
    labels = re.findall(r'aria-label="([^"]*)"', chart)
    assert (
        "Government of Azerbaijan: 11,557, read as 11,557. “Azerbaijan stated 11,557 of its soldiers were killed”"
        in labels
    )
    assert any(lab.startswith("Western and Russian estimates: 25,000–30,000, read as 25,000–30,000.") for lab in labels)
    finding = text.split('id="finding-', 1)[1]
    assert finding  # the findings carry anchors; the chart's heading links to its finding
    assert re.search(r'findings:\s*<a href="#finding-F9e59e4a82c29[0-9a-f]*">disjoint_claims \(definite\)</a>', section)


def test_summary_counts_kinds_from_the_database(
    seed_run: pipeline.RunConfig, seed_db: duckdb.DuckDBPyConnection
) -> None:
    text = (seed_run.reports_dir / report_html.HTML_NAME).read_text(encoding="utf-8")
    summary = text.split('<section id="summary">', 1)[1].split("</section>", 1)[0]
    stats = re.findall(r"<div><b>([\d,]+)</b> (\w+)</div>", summary)
    assert stats == [
        ("233", "claims"),
        ("16", "sources"),
        ("1", "documents"),
        ("200", "quantities"),
        ("10", "contested"),
        ("13", "findings"),
    ]
    kinds = re.findall(
        r'<tr><td><code>(\w+)</code></td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td>',
        summary,
    )
    expected = seed_db.execute("SELECT kind FROM finding_kinds ORDER BY position").fetchall()
    assert [k[0] for k in kinds] == [k for (k,) in expected]
    assert kinds[:3] == [
        ("disjoint_claims", "5", "5", "0"),
        ("part_exceeds_whole", "4", "4", "0"),
        ("parts_exceed_whole", "4", "4", "0"),
    ]
    # every finding has an anchor; related findings (same sources, same period) are grouped
    assert len(re.findall(r'<article class="finding" id="finding-F[0-9a-f]+">', text)) == 13
    assert (
        "<h3>Wikipedia article (in its own voice) — 2016-04-01 – 2016-04-05"
        ' <span class="count">6 related findings</span></h3>'
    ) in text
    assert (
        "<h3>Caspian Defense Studies Institute, Government of Azerbaijan and Wikipedia article (in its own voice)"
        ' — 1994-01-01 – 2020-09-26 <span class="count">2 related findings</span></h3>'
    ) in text
    # every link inside the page points at an anchor that exists
    anchors = set(re.findall(r'\bid="([^"]+)"', text))
    links = set(re.findall(r'href="#([^"]+)"', text))
    assert links - anchors == set()


def test_chart_specs_follow_the_vega_lite_schema() -> None:
    import altair as alt

    bars = [
        report_charts.Bar("A\n11,557", 11557, 11557, "ngo", "a"),
        report_charts.Bar("B\nat least 90", 90, None, "media", "b"),
    ]
    spec = report_charts.interval_spec(
        bars, {"consensus": (None, None), "implied": (100, 38000)}, "people", ["media", "ngo"]
    )
    alt.LayerChart.from_dict(spec, validate=True)
    assert spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    linear = report_charts.interval_spec(
        bars[:1] + [report_charts.Bar("C\n12,000", 12000, 12000, "ngo", "c")], {}, "people", ["ngo"]
    )
    assert linear["layer"][0]["encoding"]["x"]["scale"]["type"] == "linear"


def test_large_claim_sets_are_cut_and_every_link_still_lands(
    seed_db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the limits (lowered here) the page charts the most contested quantities, lists the claims it refers
    to and the quantities they are about first, says so, and keeps every link pointing at an anchor."""
    monkeypatch.setattr(report_html, "CHARTS_SHOWN", 3)
    monkeypatch.setattr(report_html, "TABLE_ROWS", 40)
    text = report_html.render_html(seed_db)
    assert text.count('<section class="quantity" id="quantity-') == 3
    assert "The 3 most contested of 10\nquantities are drawn" in text
    claims = re.findall(r'<tr id="claim-([^"]+)">', text)
    named = {c for (ids,) in seed_db.execute("SELECT claim_ids FROM findings").fetchall() for c in ids}
    assert named <= set(claims) and len(claims) < 233
    assert f"The {len(claims)} claims this page refers to, of 233;" in text
    assert len(re.findall(r'<tr id="bounds-', text)) == 40
    anchors = set(re.findall(r'\bid="([^"]+)"', text))
    assert set(re.findall(r'href="#([^"]+)"', text)) - anchors == set()
