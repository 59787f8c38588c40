"""The benchmark script runs end to end (tiny sizes here; `make bench` runs the real ones)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ROOT


def test_bench_runs_and_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "2000,4000", "--no-flow", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "| stage | 2,000 s | ×GROUP BY | peak MB | 4,000 s | ×GROUP BY | peak MB | growth 2,000 → 4,000 |" in text
    for stage in ("GROUP BY (yardstick)", "parse", "validate", "load", "reconcile", "history", "report"):
        assert f"| {stage} |" in text
    assert "Same-quantity check at 2,000 claims, side by side" in text
    assert "2,000 claims: " in text and " findings; report " in text
