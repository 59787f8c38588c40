"""Concurrency. Analysts reading while runs publish: no read fails and no read sees a half-written state.
Runs writing at once: they take turns on the writer lock, or fail clearly and are recorded as failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from claimrec import pipeline, settings
from claimrec.runs.lock import writer_lock
from support import EXTRA_CLAIM

READER = textwrap.dedent("""
    import json, sys, time, duckdb
    db, stop = sys.argv[1], sys.argv[2]
    reads = failures = torn = 0
    seen = set()
    import os
    while not os.path.exists(stop):
        try:
            with duckdb.connect(db, read_only=True) as con:
                claims, orphans, latest = con.execute('''
                    SELECT (SELECT count(*) FROM claims),
                           (SELECT count(*) FROM (SELECT unnest(claim_ids) AS c FROM findings)
                            WHERE c NOT IN (SELECT claim_id FROM claims)),
                           (SELECT n_claims FROM runs ORDER BY finished_at DESC LIMIT 1)
                ''').fetchone()
            reads += 1
            seen.add(claims)
            if orphans or claims != latest:
                torn += 1
        except Exception as exc:
            failures += 1
            print(repr(exc), file=sys.stderr)
    print(json.dumps({"reads": reads, "failures": failures, "torn": torn, "seen": sorted(seen)}))
""")


def test_readers_never_fail_nor_see_a_torn_state(mini_config: pipeline.RunConfig) -> None:
    pipeline.run_pipeline(mini_config)
    stop = mini_config.db_path.parent / "stop-readers"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(mini_config.db_path), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    path = mini_config.claims_dir / "claims.yaml"
    original = path.read_text()
    time.sleep(1.0)
    for round_ in range(6):
        path.write_text(original + (EXTRA_CLAIM if round_ % 2 == 0 else ""))
        pipeline.run_pipeline(mini_config)
    time.sleep(0.5)
    stop.touch()
    results = []
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        results.append(json.loads(out))
        assert results[-1]["failures"] == 0, err[-2000:]
    print(f"\nreaders: {results}")
    assert all(r["torn"] == 0 for r in results)
    assert sum(r["reads"] for r in results) > 50
    assert set().union(*(r["seen"] for r in results)) == {7, 8}  # both states were read


def _claimrec(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, **settings.DEFAULTS}
    return subprocess.Popen(
        [sys.executable, "-m", "claimrec", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _runs(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        orphans = con.execute(
            "SELECT count(*) FROM (SELECT unnest(claim_ids) AS c FROM findings) WHERE c NOT IN (SELECT claim_id FROM claims)"
        ).fetchone()[0]
        assert orphans == 0 and con.execute("SELECT count(*) FROM claims").fetchone() == (7,)
        return con.execute(
            "SELECT run_id, status, error, started_at, finished_at FROM runs ORDER BY finished_at"
        ).fetchall()


def test_two_runs_at_once_take_turns(mini_config: pipeline.RunConfig) -> None:
    """Two `claimrec run` at once on one database: the second waits for the writer lock, then runs; both are
    recorded once, and the database is whole."""
    work = mini_config.db_path.parent
    runs = [_claimrec("run", cwd=work) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    waited = [
        out for out, _ in outputs if "     lock: another run is writing claimrec.duckdb; waiting up to 600 s\n" in out
    ]
    assert len(waited) == 1, outputs  # exactly one of them found the lock taken
    rows = _runs(mini_config.db_path)
    assert [(status, error) for _, status, error, _, _ in rows] == [("succeeded", None), ("succeeded", None)]
    assert len({run_id for run_id, *_ in rows}) == 2
    with duckdb.connect(str(mini_config.db_path), read_only=True) as con:  # the second carried the first's history
        validated = con.execute("SELECT DISTINCT run_id FROM validations ORDER BY run_id").fetchall()
    assert sorted(run_id for run_id, *_ in rows) == [run_id for (run_id,) in validated]
    assert [p.name for p in work.iterdir() if p.name.endswith((".building", ".running", ".wal"))] == []


def test_a_run_that_cannot_get_the_lock_fails_and_is_recorded(mini_config: pipeline.RunConfig) -> None:
    work, db = mini_config.db_path.parent, mini_config.db_path
    busy = (
        "claimrec.duckdb: another claimrec run has held the writer lock for 1 s; wait for it to finish"
        " (lock file .claimrec.duckdb.lock)"
    )
    with writer_lock(db):
        out, err = _claimrec("run", "--wait", "1", cwd=work).communicate(timeout=60)
    assert (out, err) == ("     lock: another run is writing claimrec.duckdb; waiting up to 1 s\n", f"Error: {busy}\n")
    listed = _claimrec("runs", cwd=work).communicate(timeout=60)[0].splitlines()
    assert listed[2].split("  ")[1] == "failed (pending)" and listed[2].endswith(f"stage lock failed: {busy}")

    run = pipeline.run_pipeline(mini_config)
    rows = _runs(db)
    assert [(status, error) for _, status, error, _, _ in rows] == [
        ("failed", f"stage lock failed: {busy}"),
        ("succeeded", None),
    ]
    assert rows[0][0] == listed[2].split()[0] and rows[1][0] == run.run_id
    assert list(work.glob(".claimrec.duckdb.*.running")) == []
