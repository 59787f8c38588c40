"""The benchmark script runs end to end (tiny sizes here; `make bench` runs the real ones)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import run as bench  # noqa: E402 - the benchmark script, bench/run.py


def test_bench_runs_and_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "2000,4000", "--no-flow", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "| stage | 2,000 s | ×GROUP BY | peak MB | 4,000 s | ×GROUP BY | peak MB | growth 2,000 → 4,000 |" in text
    for stage in (
        "GROUP BY (yardstick)",
        "copy of the Parquet (DuckDB alone)",
        "parse",
        "validate",
        "load",
        "reconcile",
        "verify",
        "history",
        "report",
        "history again",
        "carry",
    ):
        assert f"| {stage} |" in text
    assert "Same-quantity check at 2,000 claims, side by side" in text
    assert "2,000 claims: " in text and " findings; report " in text


def test_targets_are_judged_from_the_measured_figures() -> None:
    def size(n: int, reconcile: float, parse: float, load: float, report: float, peak: float) -> dict:
        seconds = {
            "yardstick": reconcile / 4,
            "copy": 2.5,
            "parse": parse,
            "load": load,
            "validate": 1.0,
            "reconcile": reconcile,
            "history": 1.0,
            "report": report,
        }
        return {"claims": n, "seconds": seconds, "peak_mb": dict.fromkeys(seconds, peak), "report_bytes": 250_000}

    judged = bench.targets([size(1_000_000, 1.5, 1, 1, 1, 900), size(10_000_000, 9.0, 6, 5, 2, 3900)])
    assert judged == [
        ("reconcile 1,000,000 claims ≤ 1 s", False, "1.50 s"),
        ("reconcile 10,000,000 claims ≤ 10 s", True, "9.00 s"),
        ("reconcile 1,000,000 ≤ 6× GROUP BY", True, "×4.0"),
        ("reconcile 10,000,000 ≤ 6× GROUP BY", True, "×4.0"),
        ("peak memory of reconcile at 10,000,000 ≤ 4 GB", True, "3,900 MB"),
        ("peak memory of every stage at 10,000,000 ≤ 4 GB", True, "3,900 MB, yardstick"),
        (
            "ingestion (parse + load) of 10,000,000 from Parquet ≤ 10 s",
            False,
            "11.00 s; DuckDB's own copy of the same file 2.50 s",
        ),
        ("report at 10,000,000 ≤ 5 s", True, "2.00 s"),
        ("report at 10,000,000 ≤ 20 MB", True, "0.25 MB"),
        ("reconcile growth 1,000,000 → 10,000,000 ≤ ×11", True, "×6.0"),
    ]


def test_seed_run_lines_split_the_run_into_its_parts() -> None:
    flow = {
        "plain_s": 10.0,
        "flow_s": 30.0,
        "stages": {"parse": 0.1, "validate": 5.0, "store": 0.3, "verify": 1.5},
        "flow_stages": {"parse": 0.1, "validate": 1.5, "store": 0.3, "verify": 1.5},
        "imports": {"python": 0.05, "claimrec": 0.6, "great_expectations": 3.5, "prefect": 2.5},
        "task_bookkeeping_s": 0.75,
    }
    lines = bench.seed_run_lines(flow)
    assert lines[0].endswith("(`python flows/pipeline.py`, as `make run`, temporary server) 30.0 s.")
    assert lines[2] == (
        "- Stages of `claimrec run`, as it prints them: parse 0.10 s; validate 5.00 s; store 0.30 s;"
        " verify 1.50 s. Together 6.90 s."
    )
    assert lines[3].startswith(
        "- Stages of the flow run, as it logs them (each timed inside its task): parse 0.10 s;"
        " validate 1.50 s; store 0.30 s; verify 1.50 s. Together 3.40 s:"
    )
    assert lines[3].endswith("around them (creating each task run, its states): 0.75 s.")
    assert (
        lines[4] == "- Great Expectations: importing it 3.50 s, its suites and Data Docs 3.00 s (validate and verify)."
    )
    assert lines[5].endswith("(parse, store, reconcile, report, publish): 0.40 s.")
    assert lines[6].endswith("(with Great Expectations' import beside it), 25.2 s.")  # 30 - 3.4 - 0.75 - 0.05 - 0.6
    assert lines[-1].endswith(
        "≤ 1 s: missed (3.40 s; `claimrec run` 6.90 s, of which 0.40 s without Great Expectations)."
    )
