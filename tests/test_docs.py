"""The README stays true: its commands, tables, qualifiers, SQL and error example match the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from claimrec import cli
from support import CLAIMS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_make_run_and_make_test() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.split("```sh", 1)[1].split("```")[0].strip().splitlines()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_command_and_qualifier_and_table_is_documented() -> None:
    commands = cli._parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"claimrec {command}" in README, command
    qualifiers = yaml.safe_load((CLAIMS / "qualifiers.yaml").read_text())["qualifiers"]
    table = README.split("### Qualifiers", 1)[1].split("###", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", table, flags=re.M) == list(qualifiers)
    schema = (ROOT / "src" / "claimrec" / "sql" / "schema.sql").read_text()
    database = README.split("## The database", 1)[1]
    for name in re.findall(r"^CREATE TABLE (\w+)", schema, flags=re.M):
        assert f"`{name}`" in database, name


def test_sql_examples_run(seed_db: duckdb.DuckDBPyConnection) -> None:
    blocks = re.findall(r"```sql\n(.*?)```", README, flags=re.S)
    assert len(blocks) == 5
    for block in blocks:
        assert seed_db.execute(block).fetchall(), block
    contested = seed_db.execute(blocks[0]).fetchall()
    assert len(contested) == 10
    assert contested[0] == ("killed, azerbaijani, civilians, 1994-01-01 – 2020-09-26", 1, 1, "31", "92 or more", 2,
                            ["part_exceeds_whole", "parts_exceed_whole"])  # fmt: skip
    quotes = seed_db.execute(blocks[1]).fetchall()
    assert len(quotes) == seed_db.execute("SELECT sum(len(claim_ids)) FROM findings").fetchone()[0]
    assert ("disjoint_claims", "Government of Azerbaijan", "11,557", "Azerbaijan stated 11,557 of its soldiers were killed") in quotes
    narrowed = dict((r[0], r[2:]) for r in seed_db.execute(blocks[2]).fetchall())
    assert narrowed["killed, all, all, 2010–2019"] == (544, None)
    per_source = seed_db.execute(blocks[3]).fetchall()
    assert per_source[0] == ("Government of Azerbaijan", "belligerent_official", "azerbaijani", 9, 5)
    assert [r[1] for r in seed_db.execute(blocks[4]).fetchall()] == ["11,557", "25,000–30,000"]


def test_error_example_is_what_the_command_prints(tmp_path: Path) -> None:
    shutil.copytree(CLAIMS, tmp_path / "claims")
    path = tmp_path / "claims" / "nagorno-karabakh" / "13-fatalities-2020-2023.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    source: azerbaijan_government\n    quote: \"According to Azerbaijan, the fighting left 2,906",
                        "    source: azerbaijan_govt\n    quote: \"According to Azerbaijan, the fighting left 2,906", 1)
    path.write_text(text.replace("    value: 2906\n", '    value: "2,906"\n', 1), encoding="utf-8")  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "claimrec", "run"], cwd=tmp_path, capture_output=True, text=True)
    example = README.split("$ claimrec run\n", 1)[1].split("```", 1)[0]
    assert done.returncode == 1
    assert done.stderr == example
    assert not (tmp_path / "claimrec.duckdb").exists()
