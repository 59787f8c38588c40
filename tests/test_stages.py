"""The stages are listed once, in `claimrec.stages.STAGES`, each a function named after its stage."""

from __future__ import annotations

import sys

from claimrec import pipeline, stages
from support import ROOT


def test_each_stage_function_bears_its_stage_name() -> None:
    assert [stage.name for stage in stages.STAGES] == [
        "parse",
        "validate",
        "store",
        "reconcile",
        "verify",
        "report",
        "publish",
    ]
    for stage in stages.STAGES:
        assert stage.run.__name__ == stage.name and getattr(stages, stage.name) is stage.run
        assert stage.run.__doc__, stage.name
    assert pipeline.STAGES is stages.STAGES
    assert [name for name, _ in pipeline.STAGES] == [stage.name for stage in stages.STAGES]


def test_the_benchmark_files_each_step_under_a_stage() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run as bench  # the benchmark script, bench/run.py
    finally:
        sys.path.remove(str(ROOT / "bench"))
    names = [stage.name for stage in stages.STAGES]
    assert set(bench.STEPS.values()) <= set(names)
    assert set(bench.GX_STAGES) <= set(names)
