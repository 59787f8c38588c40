"""The DuckDB store: schema comments, idempotent runs, carried history, refusal without a trace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from claimrec import pipeline, report, store
from claimrec.errors import StageFailed
from support import snapshot

REBUILT_TABLES = (
    "documents",
    "sources",
    "units",
    "taxonomy",
    "taxonomy_paths",
    "qualifiers",
    "claims",
    "quantities",
    "quantity_links",
    "part_sums",
    "series_checks",
    "findings",
    "finding_kinds",
    "check_kinds",
)
VIEWS = (
    "check_outcomes",
    "checks",
    "claims_per_source",
    "contested_quantities",
    "findings_with_quotes",
    "quantity_bounds",
    "quantity_parts",
)


def _rows(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_every_table_and_column_has_a_comment(seed_db: duckdb.DuckDBPyConnection) -> None:
    tables = seed_db.execute("SELECT table_name, comment FROM duckdb_tables() ORDER BY 1").fetchall()
    assert [t for t, _ in tables] == sorted([*REBUILT_TABLES, *store.HISTORY_TABLES])
    assert all(comment for _, comment in tables)
    bare = seed_db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND comment IS NULL"
    ).fetchall()
    assert bare == []


def test_second_run_with_same_claims_changes_no_row(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    first = {t: _rows(mini_config.db_path, t) for t in REBUILT_TABLES + VIEWS}
    report = (mini_config.reports_dir / "discrepancies.md").read_bytes()
    pipeline.run_pipeline(mini_config)
    assert {t: _rows(mini_config.db_path, t) for t in REBUILT_TABLES + VIEWS} == first
    assert (mini_config.reports_dir / "discrepancies.md").read_bytes() == report
    runs = _rows(mini_config.db_path, "runs")
    assert len(runs) == 2 and runs[0][0] != runs[1][0]
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT input_digest), min(n_claims), min(status) FROM runs").fetchone() == (
            1,
            7,
            "succeeded",
        )
        per_run = con.execute("SELECT count(*) FROM validations GROUP BY run_id").fetchall()
        assert len(per_run) == 2 and per_run[0] == per_run[1]


def test_history_survives_an_edit(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    path = mini_config.claims_dir / "claims.yaml"
    path.write_text(path.read_text().replace("value: 120", "value: 160"))
    pipeline.run_pipeline(mini_config)
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute("SELECT n_findings FROM runs ORDER BY started_at").fetchall() == [(1,), (0,)]
        assert con.execute("SELECT count(*) FROM findings").fetchone() == (0,)


def test_refused_input_leaves_database_and_reports_as_they_were(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    before = snapshot(mini_config.db_path, mini_config.reports_dir)
    path = mini_config.claims_dir / "claims.yaml"
    path.write_text(path.read_text().replace("low: 150\n    high: 180", "low: 180\n    high: 150"))
    with pytest.raises(StageFailed) as caught:
        pipeline.run_pipeline(mini_config)
    assert caught.value.stage == "parse"
    assert snapshot(mini_config.db_path, mini_config.reports_dir) == before
    leftovers = sorted(p.name for p in mini_config.db_path.parent.iterdir() if ".building" in p.name)
    assert leftovers == []


def test_failure_after_the_build_leaves_nothing_published(mini_config: pipeline.RunConfig, monkeypatch) -> None:
    pipeline.run_pipeline(mini_config)
    before = snapshot(mini_config.db_path, mini_config.reports_dir)

    def broken_report(con, directory, run_id=None):
        raise OSError("disk full")

    monkeypatch.setattr(report, "write", broken_report)
    with pytest.raises(StageFailed, match="stage report failed: disk full"):
        pipeline.run_pipeline(mini_config)
    assert snapshot(mini_config.db_path, mini_config.reports_dir) == before
    assert not list(mini_config.db_path.parent.glob(".*.building*"))
    assert not list(mini_config.reports_dir.glob(".building-*"))


def test_a_load_that_does_not_fit_the_memory_limit_is_written_again_without_it(
    mini_config: pipeline.RunConfig, monkeypatch
) -> None:
    pipeline.run_pipeline(mini_config)
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        expected = con.execute("SELECT * FROM claims ORDER BY claim_id").fetchall()
    limits = []
    write = store._write

    def recorded(*args):
        limits.append(args[-1])
        return write(*args)

    monkeypatch.setattr(store, "_write", recorded)
    monkeypatch.setattr(store, "BUILD_MEMORY", "1MB")  # DuckDB runs out of memory at once
    pipeline.run_pipeline(mini_config)
    assert limits == ["1MB", None]
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:
        assert con.execute("SELECT * FROM claims ORDER BY claim_id").fetchall() == expected
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    assert not list(mini_config.db_path.parent.glob(".*.building*"))


def test_discarding_a_building_file_removes_what_duckdb_left_beside_it(tmp_path: Path) -> None:
    building = tmp_path / ".c.duckdb.r1.building"
    with duckdb.connect(str(building)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    spill = building.with_name(building.name + ".tmp")  # DuckDB's temporary folder for a file database
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    building.with_name(building.name + ".wal").write_bytes(b"")
    other = tmp_path / "c.duckdb"
    other.write_bytes(b"published")
    store.discard(building)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.duckdb"]


def test_readers_keep_working_while_a_run_publishes(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    reader = duckdb.connect(str(mini_config.db_path), read_only=True)
    try:
        pipeline.run_pipeline(mini_config)  # a read-only connection is open on the published file
        assert reader.execute("SELECT count(*) FROM claims").fetchone() == (7,)
    finally:
        reader.close()
    assert len(_rows(mini_config.db_path, "runs")) == 2


def test_an_unreadable_previous_database_is_refused(mini_config: pipeline.RunConfig) -> None:
    mini_config.db_path.write_bytes(b"not a database")
    with pytest.raises(StageFailed, match="cannot read the previous database"):
        pipeline.run_pipeline(mini_config)
    assert mini_config.db_path.read_bytes() == b"not a database"


def test_duckdb_cli_opens_the_file(seed_run: pipeline.RunConfig, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("duckdb")
    cli = cli if cli.exists() else shutil.which("duckdb")
    assert cli, "the duckdb command-line client (duckdb-cli on PyPI) is part of the test dependencies"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1.5.")
    out = subprocess.run(
        [cli, "-readonly", "-csv", str(seed_run.db_path), "-c", "select kind, message from findings order by 2"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "kind,message"
    assert "Government of Azerbaijan (11,557) and Western and Russian estimates (25,000–30,000) disagree" in out


def test_every_view_has_a_comment(seed_db: duckdb.DuckDBPyConnection) -> None:
    views = seed_db.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert [v for v, _ in views] == list(VIEWS)
    assert all(comment for _, comment in views)


def test_a_database_of_fewer_claims_than_a_row_group_is_worked_on_one_thread(
    seed_run: pipeline.RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = duckdb.connect(":memory:").execute("SELECT current_setting('threads')").fetchone()[0]
    if default == 1:
        pytest.skip("DuckDB runs on one thread on this machine anyway")

    def threads(con: duckdb.DuckDBPyConnection) -> int:
        with con:
            return con.execute("SELECT current_setting('threads')").fetchone()[0]

    copy = tmp_path / "seed.duckdb"
    shutil.copy(seed_run.db_path, copy)
    assert threads(store.read_only(copy)) == 1 and threads(store.connect(copy)) == 1  # 233 claims
    monkeypatch.setattr(store, "ROW_GROUP", 233)
    assert threads(store.read_only(copy)) == default
    monkeypatch.setattr(store, "ROW_GROUP", 234)
    assert threads(store.read_only(copy)) == 1
    # a file without claims yet is sized by the claims about to be loaded, else left to DuckDB
    assert threads(store._connect(tmp_path / "new.duckdb", claims=233)) == 1
    assert threads(store._connect(tmp_path / "new.duckdb", claims=234)) == default
    assert threads(store._connect(tmp_path / "other.duckdb")) == default
