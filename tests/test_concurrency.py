"""Analysts reading while runs publish: no read fails and no read sees a half-written state."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from claimrec import pipeline
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
        subprocess.Popen([sys.executable, "-c", READER, str(mini_config.db_path), str(stop)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
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
