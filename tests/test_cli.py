"""The `claimrec` command: exit codes, messages, and nothing written on refusal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from claimrec import cli, pipeline, settings
from claimrec.reconcile import CHECKS
from support import snapshot


def claimrec(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.DEFAULTS}
    return subprocess.run([sys.executable, "-m", "claimrec", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_run_validate_report(mini: Path) -> None:
    work = mini.parent
    done = claimrec("run", cwd=work)
    assert done.returncode == 0, done.stderr
    stages = done.stdout.splitlines()[: len(pipeline.STAGES)]
    assert [line.split(":")[0].strip() for line in stages] == [name for name, _ in pipeline.STAGES]
    assert pipeline.STAGES[0][0] == "parse" and pipeline.STAGES[-1][0] == "publish"
    assert all(re.search(r": .+ \(\d+\.\d\d s\)$", line) for line in stages), done.stdout
    assert re.fullmatch(r"run \S+: 7 claims, 1 findings \(1 definite\)", done.stdout.splitlines()[-1])
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


def test_every_command_has_help_with_its_exit_codes_and_quiet(tmp_path: Path) -> None:
    commands = cli._parser()._subparsers._group_actions[0].choices
    assert {"run", "validate", "report", "query", "runs", "serve"} <= set(commands)
    for command in commands:
        shown = claimrec(command, "--help", cwd=tmp_path)
        assert shown.returncode == 0 and f"usage: claimrec {command}" in shown.stdout
        codes = [int(code) for code in re.findall(r"^  (\d+) ", shown.stdout.split("exit codes:\n", 1)[1], flags=re.M)]
        assert codes[:1] == [0] and all(code in cli.EXIT_CODES for code in codes), command
        assert "-q, --quiet" in shown.stdout, command
    assert [int(c) for c in re.findall(r"^  (\d+) ", cli._parser().format_help(), flags=re.M)] == list(cli.EXIT_CODES)


def test_errors_are_coloured_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._colour(Stream(True)) and not cli._colour(Stream(False))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli._colour(Stream(True))


def test_a_refused_run_is_listed_as_failed_then_recorded(mini: Path) -> None:
    work = mini.parent
    path = mini / "claims.yaml"
    good = path.read_text()
    path.write_text(good.replace("value: 120", "value: -120"))
    refused = claimrec("run", cwd=work)
    assert refused.returncode == 1 and not (work / "claimrec.duckdb").exists()
    reason = (
        "stage parse failed: claims/claims.yaml:12: claim a-soldiers-killed: value: -120 is negative: figures"
        " count or measure, use 0 or more | 1 problem in the claim files; nothing was written"
    )
    listed = claimrec("runs", cwd=work)  # no database yet: the pending failure alone
    assert listed.returncode == 0, listed.stderr
    header, rule, row, count = listed.stdout.splitlines()
    assert header.split() == [
        "run_id",
        "status",
        "started_at",
        "finished_at",
        "claims",
        "findings",
        "flow_run",
        "error",
    ]
    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{8}  failed \(pending\)  \S+ \S+  \S+ \S+ +" + re.escape(reason), row)
    assert count == "(1 row)"

    path.write_text(good)
    run = pipeline.run_pipeline(pipeline.RunConfig(mini, work / "claimrec.duckdb", work / "reports"))
    with duckdb.connect(str(work / "claimrec.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT run_id, status, error FROM runs ORDER BY started_at").fetchall()
    assert [(r[1], r[2]) for r in rows] == [("failed", reason.replace(" | ", "\n")), ("succeeded", None)]
    assert rows[0][0] == row.split()[0] and rows[1][0] == run.run_id
    assert list(work.glob(".claimrec.duckdb.*.running")) == []
    listed = claimrec("runs", "-q", cwd=work).stdout.splitlines()
    assert [line.split()[1] for line in listed[2:]] == ["succeeded", "failed"]


def test_fail_on_contradictions_publishes_then_exits_4(mini: Path, capsys: pytest.CaptureFixture) -> None:
    work = mini.parent
    paths = ["--claims", str(mini), "--db", str(work / "claimrec.duckdb"), "--reports", str(work / "reports")]
    assert cli.main(["run", "-q", *paths, "--fail-on-contradictions", "0"]) == 4
    out, err = capsys.readouterr()
    with duckdb.connect(str(work / "claimrec.duckdb"), read_only=True) as con:
        [(run_id, status)] = con.execute("SELECT run_id, status FROM runs").fetchall()
    assert (out, err) == (
        "",
        f"Error: 1 definite contradiction found, more than the 0 allowed; run {run_id}"
        " published the database and the reports\n",
    )
    assert status == "succeeded" and (work / "reports" / "discrepancies.md").exists()
    assert cli.main(["run", "-q", *paths, "--fail-on-contradictions", "1"]) == 0
    assert capsys.readouterr() == ("", "")
    with pytest.raises(SystemExit) as usage:
        cli.main(["run", *paths, "--fail-on-contradictions", "-1"])
    assert usage.value.code == 2
    assert capsys.readouterr().err.endswith(
        "argument --fail-on-contradictions: expected a count of 0 or more, found -1\n"
    )


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
    slowest = claimrec("runs", "--slowest", "3", "-q", cwd=work)
    lines = slowest.stdout.splitlines()
    assert slowest.returncode == 0 and lines[0].split() == ["check", "statement", "seconds"] and len(lines) == 5
    seconds = [float(line.split()[-1]) for line in lines[2:]]
    assert seconds == sorted(seconds, reverse=True)
    assert {line.split()[0] for line in lines[2:]} <= {c.name for c in CHECKS} | {"(all)"}


def test_serve_refuses_a_bad_schedule_and_an_unreachable_server(tmp_path: Path) -> None:
    bad = claimrec("serve", "--cron", "0 6 * *", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (2, 'claimrec serve: error: Invalid cron string: "0 6 * *"\n')
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "PREFECT_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "claimrec", "serve", "--cron", "0 6 * * *"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 5
    assert done.stderr.startswith(
        "Error: cannot reach the Prefect server at http://127.0.0.1:9/api (PREFECT_API_URL): "
    )
    assert done.stdout == ""
