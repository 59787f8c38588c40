"""The Data Docs of a run, opened in headless Chromium with the network cut off: the index lists every
validation result with its suite and the run's time, a result page shows its expectations, no script fails
and nothing but the site's own files is requested (the libraries the pages load are shipped with claimrec,
`claimrec.datadocs`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Page, chromium, open_page

from claimrec import pipeline, validate

RESULTS = "#section-1-content-block-2-1-body-table"
"""The index's table of validation results."""


@pytest.fixture(scope="module")
def browser() -> Iterator[str]:
    """A headless Chromium (`browser.chromium`), started once for the module."""
    with chromium() as address:
        yield address


def failed_loads(page: Page) -> list[str]:
    """What the page asked for and did not get: requests that failed, and responses other than 200."""
    urls = {
        e["params"]["requestId"]: e["params"]["request"]["url"]
        for e in page.events
        if e.get("method") == "Network.requestWillBeSent"
    }
    failed = [
        f"{urls.get(e['params']['requestId'])}: {e['params'].get('errorText')}"
        for e in page.events
        if e.get("method") == "Network.loadingFailed"
    ]
    return failed + [
        f"{e['params']['response']['url']}: {e['params']['response']['status']}"
        for e in page.events
        if e.get("method") == "Network.responseReceived" and e["params"]["response"].get("status") not in (0, 200)
    ]


def result_suites(docs: Path) -> dict[str, Path]:
    """The suite of each validation result page of the site (validations/<suite path>/<run>/<time>/<batch>.html)."""
    pages = sorted((docs / "validations").rglob("*.html"))
    return {".".join(p.relative_to(docs / "validations").parts[:-3]): p for p in pages}


def test_data_docs_list_every_result_with_the_run_time_offline(browser: str, mini_config: pipeline.RunConfig) -> None:
    run = pipeline.run_pipeline(mini_config)
    docs = mini_config.reports_dir / validate.DOCS_DIR
    suites = result_suites(docs)
    assert len(suites) == 14 and "claims.ids" in suites and "findings" in suites
    shown_time = run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")  # the run's start (UTC)
    assert not shown_time.startswith("1970")

    index = open_page(browser, docs / "index.html", offline=True)
    pages = index.evaluate(f"$('{RESULTS}').bootstrapTable('getOptions').totalPages")
    assert pages >= 2  # ten rows a page: the rows of every page are read
    rows = []
    for number in range(1, pages + 1):
        index.evaluate(f"void $('{RESULTS}').bootstrapTable('selectPage', {number})")
        rows += index.evaluate(f"""Array.from(document.querySelectorAll('{RESULTS} tbody tr'))
            .filter(r => r.offsetParent !== null)
            .map(r => Array.from(r.cells).map(c => c.innerText.trim()))""")
    headers = index.evaluate(
        f"Array.from(document.querySelectorAll('{RESULTS} thead th .th-inner')).map(h => h.innerText.trim())"
    )
    assert headers[:3] == ["Status", "Run Time", "Run Name"] and headers[-1] == "Expectation Suite", headers
    assert sorted(row[-1] for row in rows) == sorted(suites)
    assert {(row[1], row[2]) for row in rows} == {(shown_time, validate.run_name(run.claimset))}
    # each status icon is drawn with the shipped Font Awesome font
    assert index.evaluate(f"document.querySelectorAll('{RESULTS} tbody .fa-check-circle').length") >= 1
    assert index.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert failed_loads(index) == []
    assert index.errors() == []
    requested = index.requested()
    assert [u for u in requested if not u.startswith(("file:", "data:"))] == []
    assert any(u.endswith("/static/vendor/jquery-3.7.1/jquery.min.js") for u in requested)

    result = suites["claims.ids"]
    assert result.parent.name == run.started_at.strftime("%Y%m%dT%H%M%S.%fZ")
    page = open_page(browser, result, offline=True)
    rows = page.evaluate("""Array.from(document.querySelectorAll('table tbody tr'))
        .filter(r => r.offsetParent !== null).map(r => r.innerText.replace(/\\s+/g, ' ').trim())""")
    expectations = [r for r in rows if "No offender of" in r]
    assert expectations, rows
    assert any("claim_id" in r for r in expectations), expectations
    assert "1970" not in page.evaluate("document.body.innerText")
    assert failed_loads(page) == []
    assert page.errors() == []
    assert [u for u in page.requested() if not u.startswith(("file:", "data:"))] == []
