"""The docs stay true: README.md and docs/*.md name real commands, tables, qualifiers, tests and files, their SQL
runs against the seed database with the results they show, and their error example is what the command prints.

The reference of tables and views in docs/database.md is generated from the database's COMMENTs; after changing
a comment, regenerate it with `.venv/bin/python tests/test_docs.py`.
"""

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

README_PATH = ROOT / "README.md"
DOCS = ROOT / "docs"
README = README_PATH.read_text(encoding="utf-8")
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))}
"""Every page of docs/, by file name."""
MAX_README_LINES = 250


def section(text: str, heading: str) -> str:
    """The text under the first heading that starts with `heading` (e.g. "## The database"), up to the next
    heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = re.search(rf"^{re.escape(heading)}.*$", text, flags=re.M)
    assert start, heading
    rest = text[start.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[: end.start()] if end else rest


def without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


# --- README: the front door ---


def test_quick_start_is_make_run_and_make_test() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.split("```sh", 1)[1].split("```")[0].strip().splitlines()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_is_short_and_links_every_page() -> None:
    assert len(README.splitlines()) <= MAX_README_LINES
    index = PAGES["index.md"]
    for name in PAGES:
        assert f"docs/{name}" in README, name
        if name != "index.md":
            assert f"]({name})" in index, name


# --- the pages where each part of the reference lives ---


def test_every_command_and_qualifier_and_table_is_documented() -> None:
    commands = cli._parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"claimrec {command}" in PAGES["operations.md"], command
    qualifiers = yaml.safe_load((CLAIMS / "qualifiers.yaml").read_text())["qualifiers"]
    table = section(PAGES["claims.md"], "## Qualifiers")
    assert re.findall(r"^\| `(\w+)` \|", table, flags=re.M) == list(qualifiers)
    schema = (ROOT / "src" / "claimrec" / "sql" / "schema.sql").read_text()
    database = PAGES["database.md"]
    for name in re.findall(r"^CREATE TABLE (\w+)", schema, flags=re.M):
        assert f"`{name}`" in database, name


def test_sql_examples_run(seed_db: duckdb.DuckDBPyConnection) -> None:
    blocks = re.findall(r"```sql\n(.*?)```", section(PAGES["database.md"], "## Query it with SQL"), flags=re.S)
    assert len(blocks) == 5
    for block in blocks:
        assert seed_db.execute(block).fetchall(), block
    contested = seed_db.execute(blocks[0]).fetchall()
    assert len(contested) == 10
    assert contested[0] == (
        "killed, azerbaijani, civilians, 1994-01-01 – 2020-09-26",
        1,
        1,
        "31",
        "92 or more",
        2,
        ["part_exceeds_whole", "parts_exceed_whole"],
    )
    quotes = seed_db.execute(blocks[1]).fetchall()
    assert len(quotes) == seed_db.execute("SELECT sum(len(claim_ids)) FROM findings").fetchone()[0]
    assert (
        "disjoint_claims",
        "Government of Azerbaijan",
        "11,557",
        "Azerbaijan stated 11,557 of its soldiers were killed",
    ) in quotes
    narrowed = dict((r[0], r[2:]) for r in seed_db.execute(blocks[2]).fetchall())
    assert narrowed["killed, all, all, 2010–2019"] == (544, None)
    per_source = seed_db.execute(blocks[3]).fetchall()
    assert per_source[0] == ("Government of Azerbaijan", "belligerent_official", "azerbaijani", 9, 5)
    assert [r[1] for r in seed_db.execute(blocks[4]).fetchall()] == ["11,557", "25,000–30,000"]


def test_every_sql_block_in_the_docs_runs(seed_db: duckdb.DuckDBPyConnection) -> None:
    blocks = [
        (name, block) for name, text in PAGES.items() for block in re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    ]
    assert blocks
    for name, block in blocks:
        try:
            seed_db.execute(block).fetchall()
        except duckdb.Error as e:  # pragma: no cover - the message says which block
            raise AssertionError(f"docs/{name}: {block}\n{e}") from e


def test_error_example_is_what_the_command_prints(tmp_path: Path) -> None:
    shutil.copytree(CLAIMS, tmp_path / "claims")
    path = tmp_path / "claims" / "nagorno-karabakh" / "13-fatalities-2020-2023.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '    source: azerbaijan_government\n    quote: "According to Azerbaijan, the fighting left 2,906',
        '    source: azerbaijan_govt\n    quote: "According to Azerbaijan, the fighting left 2,906',
        1,
    )
    path.write_text(text.replace("    value: 2906\n", '    value: "2,906"\n', 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "claimrec", "run"], cwd=tmp_path, capture_output=True, text=True)
    example = PAGES["claims.md"].split("$ claimrec run\n", 1)[1].split("```", 1)[0]
    assert done.returncode == 1
    assert done.stderr == example
    assert not (tmp_path / "claimrec.duckdb").exists()


def test_every_test_the_docs_name_exists() -> None:
    """The Guarantees and Security sections (and any other page) name the tests that prove each promise."""
    named = set()
    for text in [README, *PAGES.values()]:
        named |= set(re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text))
    guarantees = section(PAGES["operations.md"], "## Guarantees")
    assert len(re.findall(r"`tests/", guarantees)) >= 13
    assert "tests/test_security.py" in section(PAGES["operations.md"], "## Security")
    for path, name in sorted(named):
        assert (ROOT / path).is_file(), path
        if name:
            assert re.search(rf"^\s*(async )?def {name}\(", (ROOT / path).read_text(), flags=re.M), f"{path}::{name}"


# --- links and dates ---


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#+ (.+)$", without_code(text), flags=re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def test_every_relative_link_points_to_a_file_that_exists() -> None:
    checked = 0
    for page, text in [(README_PATH, README), *((DOCS / name, text) for name, text in PAGES.items())]:
        for target in re.findall(r"\]\(([^)\s]+)\)", without_code(text)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert file.exists(), f"{page.name}: {target}"
            if anchor and file.suffix == ".md":
                assert anchor in anchors(file.read_text(encoding="utf-8")), f"{page.name}: {target}"
            checked += 1
    assert checked > 20


def test_measurements_are_dated() -> None:
    """Figures measured on a given day say which day, in docs/performance.md or bench/results.md."""
    for name, text in [("README.md", README), *PAGES.items()]:
        for word in ("today", "yesterday", "the day before", "nowadays"):
            assert not re.search(rf"\b{word}\b", text, flags=re.I), f"{name}: {word}"
    assert re.findall(r"Measured \d{4}-\d{2}-\d{2}", PAGES["performance.md"])


# --- docs/database.md: generated from the database's COMMENTs ---

BEGIN = "<!-- generated from the database's COMMENTs by tests/test_docs.py: do not edit by hand -->"
END = "<!-- end of generated text -->"
GROUPS = (
    (
        "Claims and what reconciliation makes of them",
        ("claims", "quantities", "quantity_links", "part_sums", "series_checks", "findings"),
    ),
    (
        "Views",
        (
            "contested_quantities",
            "findings_with_quotes",
            "quantity_bounds",
            "claims_per_source",
            "quantity_parts",
            "check_outcomes",
            "checks",
        ),
    ),
    ("Reference data", ("sources", "documents", "units", "taxonomy", "taxonomy_paths", "qualifiers")),
    ("History, carried from run to run", ("runs", "validations", "claim_versions", "finding_history")),
)


def commented(con: duckdb.DuckDBPyConnection) -> tuple[dict, dict, list]:
    """The database's tables and views with their comment and kind, their columns (name, type, comment), and
    the macros (name, parameters, comment)."""
    relations = dict(
        [
            (r[0], (r[1], "table"))
            for r in con.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'"
            ).fetchall()
        ]
        + [
            (r[0], (r[1], "view"))
            for r in con.execute(
                "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
            ).fetchall()
        ]
    )
    columns: dict[str, list] = {name: [] for name in relations}
    for table, column, kind, comment in con.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall():
        columns.setdefault(table, []).append((column, kind, comment))
    macros = con.execute(
        "SELECT function_name, parameters, comment FROM duckdb_functions() "
        "WHERE NOT internal AND schema_name = 'main' AND function_type = 'macro' AND comment IS NOT NULL "
        "ORDER BY function_name"
    ).fetchall()
    return relations, columns, macros


def cell(text: str | None) -> str:
    """A comment as the text of a Markdown table cell: on one line, its `|` and `<` escaped."""
    return " ".join((text or "").split()).replace("|", "\\|").replace("<", "&lt;")


def database_reference(con: duckdb.DuckDBPyConnection) -> str:
    """The Markdown of every table, view and macro of the database, with their comments."""
    relations, columns, macros = commented(con)
    listed = {name for _, names in GROUPS for name in names}
    groups = [*GROUPS, ("Other tables and views", tuple(sorted(set(relations) - listed)))]
    lines = [BEGIN, ""]
    for title, names in groups:
        names = [n for n in names if n in relations]
        if not names:
            continue
        lines += [f"### {title}", ""]
        for name in names:
            comment, kind = relations[name]
            lines += [f"#### `{name}`" + (" (view)" if kind == "view" else ""), ""]
            if comment:
                lines += [cell(comment), ""]
            lines += ["| column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c}` | {cell(t)} | {cell(m)} |" for c, t, m in columns[name]]
            lines += [""]
    if macros:
        lines += ["### Macros", "", "| macro | what it gives |", "|---|---|"]
        lines += [f"| `{name}({', '.join(params)})` | {cell(comment)} |" for name, params, comment in macros]
        lines += [""]
    return "\n".join([*lines, END])


def test_every_comment_of_the_database_is_in_the_docs(seed_db: duckdb.DuckDBPyConnection) -> None:
    database = PAGES["database.md"]
    relations, columns, macros = commented(seed_db)
    assert len(relations) >= 20
    for name, (comment, _kind) in relations.items():
        part = section(database, f"#### `{name}`")
        if comment:
            assert cell(comment) in part, name
        for column, _, text in columns[name]:
            if text:
                assert f"| `{column}` |" in part and cell(text) in part, f"{name}.{column}"
    for name, _, comment in macros:
        assert f"`{name}(" in database and cell(comment) in database, name


def test_database_reference_is_generated_from_the_comments(seed_db: duckdb.DuckDBPyConnection) -> None:
    database = PAGES["database.md"]
    assert BEGIN in database and END in database
    written = database[database.index(BEGIN) : database.index(END) + len(END)]
    assert written == database_reference(seed_db), "regenerate it: .venv/bin/python tests/test_docs.py"


def write_database_reference(con: duckdb.DuckDBPyConnection) -> None:
    path = DOCS / "database.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    path.write_text(text[:start] + database_reference(con) + text[end:], encoding="utf-8")


if __name__ == "__main__":
    import os
    import tempfile

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    from claimrec import pipeline

    with tempfile.TemporaryDirectory() as tmp:
        config = pipeline.RunConfig(CLAIMS, Path(tmp) / "claimrec.duckdb", Path(tmp) / "reports")
        pipeline.run_pipeline(config)
        with duckdb.connect(str(config.db_path), read_only=True) as con:
            write_database_reference(con)
    print(f"wrote {DOCS / 'database.md'}")
