"""The `claimrec` command: exit codes, messages, and nothing written on refusal."""

from __future__ import annotations

import importlib.metadata
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
        "left-ganja      91.0   NULL",
        "left-ganja-ngo   0.0  300.0",
        "(2 rows)",
    ]
    refused = claimrec("query", "delete from claims", cwd=work)  # a SQL error like any other, not a broken database
    assert (refused.returncode, refused.stdout) == (6, "")
    assert refused.stderr == (
        'Error: query failed: Invalid Input Error: Cannot execute statement of type "DELETE" on database'
        ' "claimrec" which is attached in read-only mode!\n'
    )
    runs = claimrec("runs", cwd=work)
    assert runs.returncode == 0 and runs.stdout.splitlines()[-1] == "(1 row)"
    assert " succeeded " in runs.stdout.splitlines()[2]
    slowest = claimrec("runs", "--slowest", "3", "-q", cwd=work)
    lines = slowest.stdout.splitlines()
    assert slowest.returncode == 0 and lines[0].split() == ["check", "statement", "seconds"] and len(lines) == 5
    seconds = [float(line.split()[-1]) for line in lines[2:]]
    assert seconds == sorted(seconds, reverse=True)
    assert {line.split()[0] for line in lines[2:]} <= {c.name for c in CHECKS} | {"(all)"}


def test_version_names_claimrec_and_its_libraries(tmp_path: Path) -> None:
    shown = claimrec("--version", cwd=tmp_path)
    assert (shown.returncode, shown.stderr) == (0, "")
    version = importlib.metadata.version
    assert shown.stdout == (
        f"claimrec {version('claimrec')}\n"
        f"DuckDB {version('duckdb')}, Polars {version('polars')}, Prefect {version('prefect')},"
        f" Great Expectations {version('great-expectations')}\n"
    )
    assert re.fullmatch(r"claimrec \d+\.\d+\S*", shown.stdout.splitlines()[0])
    script = (  # the versions come from the metadata: neither slow library is imported
        "import sys\nfrom claimrec import cli\ntry:\n    cli.main(['--version'])\nexcept SystemExit as e:\n"
        "    print(e.code, sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'great_expectations'}))"
    )
    imported = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert imported.stdout.splitlines()[-1] == "0 []", imported.stderr


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    """A folder with a claimrec.duckdb of one table, `things`, holding NULLs, empty strings and lists."""
    with duckdb.connect(str(tmp_path / "claimrec.duckdb")) as con:
        con.execute(
            "CREATE TABLE things AS SELECT * FROM (VALUES (1, 'plain', ['x', 'y']), (2, '', []),"
            " (3, NULL, ['a, b', NULL, '']), (4, 'NULL', NULL)) AS t(n, name, tags)"
        )
    return tmp_path


THINGS = "select n, name, tags from things order by n"


def test_query_tells_null_from_empty_text_and_prints_lists_as_duckdb(tiny: Path) -> None:
    as_table = claimrec("query", THINGS, cwd=tiny)
    assert as_table.returncode == 0, as_table.stderr
    assert as_table.stdout.splitlines() == [
        "n  name    tags",
        "-  ------  ------------------",
        "1  plain   [x, y]",
        "2  ''      []",
        "3  NULL    ['a, b', NULL, '']",
        "4  'NULL'  NULL",
        "(4 rows)",
    ]
    as_csv = claimrec("query", "--format", "csv", THINGS, cwd=tiny)
    assert as_csv.stdout.splitlines() == [
        "n,name,tags",
        '1,plain,"[x, y]"',
        '2,"",[]',
        "3,,\"['a, b', NULL, '']\"",
        "4,NULL,",
    ]
    as_json = claimrec("query", "--format", "json", THINGS, cwd=tiny)
    assert json.loads(as_json.stdout) == [
        {"n": 1, "name": "plain", "tags": ["x", "y"]},
        {"n": 2, "name": "", "tags": []},
        {"n": 3, "name": None, "tags": ["a, b", None, ""]},
        {"n": 4, "name": "NULL", "tags": None},
    ]
    quoted = claimrec("query", "-q", "select ' pad' as a, 'it''s' as b, '''x''' as c, true as d", cwd=tiny)
    assert quoted.stdout.splitlines() == [
        "a       b     c        d",
        "------  ----  -------  ----",
        "' pad'  it's  '''x'''  true",
    ]


def test_query_reads_stdin_or_a_file(tiny: Path) -> None:
    expected = "n  name\n-  -----\n1  plain\n"
    sql = "select n, name from things\nwhere n = 1;\n"
    piped = subprocess.run(
        [sys.executable, "-m", "claimrec", "query", "-q", "-"],
        cwd=tiny,
        input=sql,
        capture_output=True,
        text=True,
        env={**os.environ, **settings.DEFAULTS},
    )
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, expected, "")
    (tiny / "q.sql").write_text("\ufeff" + sql, encoding="utf-8")  # a byte-order mark is skipped
    read = claimrec("query", "-q", "--file", "q.sql", cwd=tiny)
    assert (read.returncode, read.stdout, read.stderr) == (0, expected, "")
    (tiny / "bad.sql").write_bytes(b"select '\xff'")
    for args, message in [
        (("--file", "missing.sql"), "missing.sql: cannot read the query: No such file or directory"),
        (("--file", "."), ".: cannot read the query: Is a directory"),
        (("--file", "bad.sql"), "bad.sql: cannot read the query: not UTF-8 text (invalid start byte at byte 8)"),
        ((), "no query: give it as an argument, as - to read it from stdin, or with --file PATH"),
        (("select 1", "--file", "q.sql"), "give the query as an argument or with --file, not both"),
        (("  ",), "the query is empty"),
    ]:
        refused = claimrec("query", *args, cwd=tiny)
        assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", f"Error: {message}\n"), args


def test_a_sql_error_exits_6_with_duckdbs_message(tiny: Path) -> None:
    syntax = claimrec("query", "select * from things wher n = 1", cwd=tiny)
    assert (syntax.returncode, syntax.stdout) == (6, "")
    assert syntax.stderr.splitlines() == [
        'Error: query failed: Parser Error: syntax error at or near "n"',
        "",
        "LINE 1: select * from things wher n = 1",
        "                                  ^",
    ]
    unknown = claimrec("query", "select * from thing", cwd=tiny)
    assert (unknown.returncode, unknown.stdout) == (6, "")
    assert unknown.stderr.splitlines() == [
        "Error: query failed: Catalog Error: Table with name thing does not exist!",
        'Did you mean "things"?',
        "",
        "LINE 1: select * from thing",
        "                      ^",
    ]
    assert cli.EXIT_QUERY == 6 and cli.EXIT_CODES[6].startswith("the database refused the query")
    missing = claimrec("query", "--db", "nowhere.duckdb", "select 1", cwd=tiny)  # no database: still 3
    assert (missing.returncode, missing.stderr) == (
        3,
        "Error: nowhere.duckdb: no database yet; run `claimrec run` first\n",
    )


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
