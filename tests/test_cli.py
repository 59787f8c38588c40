"""The `claimrec` command: exit codes, messages, and nothing written on refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support import snapshot


def claimrec(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    return subprocess.run([sys.executable, "-m", "claimrec", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_run_validate_report(mini: Path) -> None:
    work = mini.parent
    done = claimrec("run", cwd=work)
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0].strip() for line in done.stdout.splitlines()[:6]] == [
        "parse", "validate", "store", "reconcile", "report", "publish"
    ]  # fmt: skip
    assert "7 claims, 1 findings" in done.stdout.splitlines()[-1]
    assert (work / "claimrec.duckdb").exists() and (work / "reports" / "discrepancies.md").exists()
    checked = claimrec("validate", cwd=work)
    assert checked.returncode == 0 and checked.stdout.startswith("7 claims from 3 sources: all ")
    (work / "reports" / "discrepancies.md").unlink()
    rendered = claimrec("report", "-q", cwd=work)
    assert rendered.returncode == 0 and rendered.stdout == ""
    assert (work / "reports" / "discrepancies.md").exists()


def test_refused_claims_exit_1_and_write_nothing(mini: Path) -> None:
    work = mini.parent
    assert claimrec("run", "-q", cwd=work).returncode == 0
    before = snapshot(work / "claimrec.duckdb", work / "reports")
    path = mini / "claims.yaml"
    path.write_text(path.read_text().replace("value: 120", "value: -120"))
    for command in ("run", "validate"):
        refused = claimrec(command, cwd=work)
        assert refused.returncode == 1
        assert refused.stderr.splitlines() == [
            "claims/claims.yaml:12: claim a-soldiers-killed: value: -120 is negative: figures count or measure,"
            " use 0 or more",
            "1 problem in the claim files; nothing was written",
        ]
    assert snapshot(work / "claimrec.duckdb", work / "reports") == before


def test_missing_database_and_usage_errors(tmp_path: Path) -> None:
    missing = claimrec("report", "--db", "nowhere.duckdb", cwd=tmp_path)
    assert missing.returncode == 3
    assert missing.stderr.strip() == "Error: nowhere.duckdb: no database yet; run `claimrec run` first"
    assert claimrec("frobnicate", cwd=tmp_path).returncode == 2
    no_claims = claimrec("validate", "--claims", "nothing-here", cwd=tmp_path)
    assert no_claims.returncode == 1
    assert no_claims.stderr.splitlines()[0] == "nothing-here:0: claims folder not found"


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in ("run", "validate", "report", "query", "runs"):
        shown = claimrec(command, "--help", cwd=tmp_path)
        assert shown.returncode == 0 and f"usage: claimrec {command}" in shown.stdout


def test_query_and_runs(mini: Path) -> None:
    work = mini.parent
    assert claimrec("run", "-q", cwd=work).returncode == 0
    sql = "select claim_id, low, high from claims where quantity_id = 'displaced/all/civilians/2019' order by 1"
    as_csv = claimrec("query", "--format", "csv", sql, cwd=work)
    assert as_csv.returncode == 0 and as_csv.stdout == "claim_id,low,high\nleft-ganja,91.0,\nleft-ganja-ngo,0.0,300.0\n"
    as_json = claimrec("query", "--format", "json", sql, cwd=work)
    assert json.loads(as_json.stdout) == [
        {"claim_id": "left-ganja", "low": 91.0, "high": None},
        {"claim_id": "left-ganja-ngo", "low": 0.0, "high": 300.0},
    ]
    as_table = claimrec("query", sql, cwd=work)
    assert as_table.stdout.splitlines() == [
        "claim_id         low   high",
        "--------------  ----  -----",
        "left-ganja      91.0",
        "left-ganja-ngo   0.0  300.0",
        "(2 rows)",
    ]
    refused = claimrec("query", "delete from claims", cwd=work)
    assert refused.returncode == 3 and "read-only mode" in refused.stderr
    runs = claimrec("runs", cwd=work)
    assert runs.returncode == 0 and runs.stdout.splitlines()[-1] == "(1 row)"
    assert " succeeded " in runs.stdout.splitlines()[2]
