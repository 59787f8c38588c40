"""The benchmark runs (a small size here; `make bench` runs the real sizes)."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT


def test_bench_runs_on_small_sizes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claimrec.bench", "--sizes", "500,1000", "--hot-sizes", "50,100", "--parse-size", "50",
         "--no-flow"], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ratio 1,000 / 500 claims: time x" in done.stdout
    assert "-- all claims on one quantity" in done.stdout
    assert "parse: 50 YAML claims in" in done.stdout
