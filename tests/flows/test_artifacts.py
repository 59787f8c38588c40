"""What a flow run shows in the Prefect UI and says at its end: its artifacts (the Markdown report, the findings
as a table, links to the HTML report and the Data Docs), read back from the server, and its last log line;
Great Expectations' INFO lines stay out of its log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.settings import PREFECT_API_URL

from claimrec import flow, pipeline
from support import CLAIMS, ROOT

LINK_KEYS = {flow.ARTIFACT_KEYS["html"], flow.ARTIFACT_KEYS["docs"]}


async def _artifacts(flow_run_id: str) -> dict[str, object]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


def artifacts(flow_run_id: object) -> dict:
    """Artifact key -> artifact, of one flow run, as the server holds them (those with a key: a failed flow run
    also has a keyless one, where Prefect keeps its exception)."""
    return asyncio.run(_artifacts(str(flow_run_id)))


def test_a_flow_run_shows_its_results_as_artifacts(tmp_path: Path) -> None:
    db, reports = tmp_path / "claimrec.duckdb", tmp_path / "reports"
    state = flow.claimrec_pipeline(str(CLAIMS), str(db), str(reports), return_state=True)
    assert state.is_completed()
    found = artifacts(state.state_details.flow_run_id)
    assert {key: a.type for key, a in found.items()} == {
        "claimrec-report": "markdown",
        "claimrec-findings": "table",
        "claimrec-html-report": "markdown",  # Prefect shows a link artifact as Markdown
        "claimrec-data-docs": "markdown",
    }

    rows = json.loads(found["claimrec-findings"].data)
    assert len(rows) == 13 == state.result()["findings"]
    assert [list(r) for r in rows] == [["kind", "certainty", "quantity", "margin", "message"]] * 13
    assert [r["certainty"] for r in rows] == ["definite"] * 13
    margins = [r["margin"] for r in rows]
    assert margins == sorted(margins, reverse=True)
    assert found["claimrec-findings"].description.startswith("Findings: all 13;")

    # the seed's report is longer than the artifact shows: it is cut at a line's end and says where the rest is
    whole = (reports / "discrepancies.md").read_text(encoding="utf-8")
    shown = found["claimrec-report"].data
    assert len(whole) > flow.REPORT_ARTIFACT_CHARS
    cut, note = shown.split("\n\n---\n\n")
    assert whole.startswith(cut + "\n") and len(cut) <= flow.REPORT_ARTIFACT_CHARS
    assert note == (
        f"*Cut at {len(cut):,} of {len(whole):,} characters: the whole report is `{reports / 'discrepancies.md'}`.*\n"
    )

    html, docs = reports / "index.html", reports / "validation" / "index.html"
    assert found["claimrec-html-report"].data == f"[{html}]({html.as_uri()})"
    assert found["claimrec-data-docs"].data == f"[{docs}]({docs.as_uri()})"
    assert html.as_uri().startswith("file:///") and html.exists() and docs.exists()


def test_a_run_over_the_contradiction_limit_still_shows_what_it_published(mini: Path) -> None:
    work = mini.parent
    state = flow.claimrec_pipeline(
        str(mini), str(work / "claimrec.duckdb"), str(work / "reports"), fail_on_contradictions=0, return_state=True
    )
    assert state.is_failed()
    found = artifacts(state.state_details.flow_run_id)
    assert sorted(found) == sorted(flow.ARTIFACT_KEYS.values())
    assert len(json.loads(found["claimrec-findings"].data)) == 1
    assert found["claimrec-report"].data == (work / "reports" / "discrepancies.md").read_text(encoding="utf-8")


def test_findings_table_is_cut_with_a_count(seed_run: pipeline.RunConfig) -> None:
    rows, total = flow._findings_rows(seed_run.db_path, 5)
    assert (len(rows), total) == (5, 13)
    everything, _ = flow._findings_rows(seed_run.db_path, 100)
    assert rows == everything[:5]


def test_the_flow_script_ends_with_what_it_found_and_no_library_chatter(mini: Path) -> None:
    """`flows/pipeline.py` (what `make run` runs), on the test server: Great Expectations' INFO lines stay out of
    its log, and it ends with one sentence: the counts, the reports' folder and the database."""
    work = mini.parent
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "NO_COLOR": "1", "COLUMNS": "400"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "flows" / "pipeline.py"), "--claims", str(mini)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sentence = (
        f"claimrec-pipeline finished: 7 claims, 5 quantities, 1 finding (1 definite); reports in {work / 'reports'}"
        f" (index.html, discrepancies.md), database {work / 'claimrec.duckdb'}"
    )
    assert done.stdout.splitlines()[-1] == sentence
    log = done.stderr.splitlines()
    assert [line for line in log if "great_expectations" in line] == []
    flow_lines = [line for line in log if "| Flow run " in line]
    assert flow_lines[-2].endswith(f" - {sentence}")  # the flow's own last line, before Prefect's "Finished"
    assert flow_lines[-1].endswith(" - Finished in state Completed()")
