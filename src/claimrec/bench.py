"""Benchmarks (`make bench`): throughput of each stage and how it scales, measured side by side in one run.

    python -m claimrec.bench [--sizes 10000,100000,1000000] [--parse-size 20000] [--no-flow]

Synthetic claims reuse the repository's reference data (sources, taxonomy, qualifiers) with random
figures from a fixed seed, so every run measures the same work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from claimrec import load, pipeline, store, validate
from claimrec.model import CLAIM_SCHEMA, ClaimSet


def synthetic_claims(reference: ClaimSet, n: int, claims_per_quantity: int = 10, seed: int = 42) -> pl.DataFrame:
    """`n` claims spread over n / claims_per_quantity quantities, as a claims frame."""
    rng = np.random.default_rng(seed)
    sources = sorted(s.source_id for s in reference.sources)
    metrics = sorted(n.node_id for n in reference.nodes if n.dimension == "metric" and n.unit == "people")
    sides = sorted(reference.node_ids("side"))
    categories = sorted(reference.node_ids("category"))
    quantity = rng.integers(0, max(1, n // claims_per_quantity), n)
    value = rng.integers(0, 10_000, n).astype(float)
    spread = rng.integers(0, 500, n).astype(float)
    is_range = rng.random(n) < 0.3
    year = 1950 + quantity % 70
    frame = pl.DataFrame({
        "claim_id": [f"c{i:08d}" for i in range(n)],
        "source_id": np.array(sources)[rng.integers(0, len(sources), n)],
        "document_id": reference.documents[0].document_id,
        "section": "synthetic",
        "quote": "synthetic claim",
        "metric": np.array(metrics)[quantity % len(metrics)],
        "side": np.array(sides)[(quantity // len(metrics)) % len(sides)],
        "category": np.array(categories)[(quantity // 7) % len(categories)],
        "subject": [f"q{q}" for q in quantity],
        "period_start": [dt.date(int(y), 1, 1) for y in year],
        "period_end": [dt.date(int(y), 12, 31) for y in year],
        "as_of": None,
        "qualifier": np.where(is_range, "range", "exact"),
        "value": np.where(is_range, np.nan, value),
        "stated_low": np.where(is_range, value, np.nan),
        "stated_high": np.where(is_range, value + spread, np.nan),
        "revision": None,
        "notes": None,
        "file": "synthetic.yaml",
        "line": np.arange(n, dtype=np.int32),
    })  # fmt: skip
    return frame.with_columns(pl.col(c).fill_nan(None) for c in ("value", "stated_low", "stated_high")).cast(
        CLAIM_SCHEMA
    )


def _timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_store_and_reconcile(reference: ClaimSet, sizes: list[int], work: Path,
                              claims_per_quantity: int = 10) -> list[dict]:  # fmt: skip
    rows = []
    for n in sizes:
        frame = synthetic_claims(reference, n, claims_per_quantity=min(n, claims_per_quantity))
        building = work / f"bench-{n}.duckdb"
        empty = validate.outcomes_frame("bench", [])
        t_store = _timed(lambda: store.build(reference, empty, work / "none.duckdb", building, claims=frame))
        counts: dict[str, int] = {}
        t_reconcile = _timed(lambda: counts.update(store.reconcile(building)))
        store.discard(building)
        rows.append({"claims": n, "store_s": t_store, "reconcile_s": t_reconcile, **counts})
    return rows


def bench_parse(reference_dir: Path, n: int, work: Path) -> float:
    """Seconds to parse a claims folder holding `n` claims in YAML (the seed's reference files)."""
    target = work / "parse-claims"
    target.mkdir()
    for name in load.REFERENCE_FILES:
        (target / name).write_bytes((reference_dir / name).read_bytes())
    shutil.copytree(reference_dir / "documents", target / "documents")
    seed = load.load_claims(reference_dir).claims[0]
    lines = [f"document: {seed.document_id}", "claims:"]
    for i in range(n):
        lines += [f"  - id: p{i:07d}", f"    source: {seed.source_id}", f"    quote: {seed.quote!r}",
                  f"    metric: {seed.metric}", f"    side: {seed.side}", f"    category: {seed.category}",
                  f"    period: {1900 + i % 100}", f"    value: {i}", "    qualifier: exact"]  # fmt: skip
    (target / "many.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _timed(lambda: load.load_claims(target))


def bench_flow_overhead(claims_dir: Path, work: Path) -> tuple[float, float]:
    """Seconds for the plain pipeline and for the Prefect flow (temporary server included) on the same claims."""
    plain = _timed(lambda: pipeline.run_pipeline(pipeline.RunConfig(claims_dir, work / "p.duckdb", work / "p")))
    flow_script = Path(__file__).resolve().parents[2] / "flows" / "pipeline.py"
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home")}
    command = [sys.executable, str(flow_script), "--claims", str(claims_dir), "--db", str(work / "f.duckdb"),
               "--reports", str(work / "f")]  # fmt: skip
    flow = _timed(lambda: subprocess.run(command, check=True, capture_output=True, env=env))
    return plain, flow


def _print_scaling(title: str, rows: list[dict]) -> None:
    print(f"-- {title}")
    print(f"{'claims':>10} {'store s':>8} {'reconcile s':>12} {'claims/s':>10} {'quantities':>11} {'findings':>9}")
    for r in rows:
        rate = r["claims"] / (r["store_s"] + r["reconcile_s"])
        print(f"{r['claims']:>10,} {r['store_s']:>8.2f} {r['reconcile_s']:>12.2f} {rate:>10,.0f}"
              f" {r['quantities']:>11,} {r['findings']:>9,}")  # fmt: skip
    for small, big in zip(rows, rows[1:]):
        size_ratio = big["claims"] / small["claims"]
        time_ratio = (big["store_s"] + big["reconcile_s"]) / (small["store_s"] + small["reconcile_s"])
        print(f"ratio {big['claims']:,} / {small['claims']:,} claims: time x{time_ratio:.1f} for size"
              f" x{size_ratio:.0f} (x{size_ratio:.0f} = linear)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=Path, default=Path("claims"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--hot-sizes", default="1000,10000,100000", help="claims on a single quantity")
    parser.add_argument("--parse-size", type=int, default=20000)
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect flow comparison")
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    reference = load.load_claims(args.claims)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="claimrec-bench-") as tmp:
        work = Path(tmp)
        print(f"store + reconcile, synthetic claims ({os.cpu_count()} cores)")
        _print_scaling("10 claims per quantity", bench_store_and_reconcile(reference, sizes, work))
        hot = [int(s) for s in args.hot_sizes.split(",")]
        _print_scaling("all claims on one quantity", bench_store_and_reconcile(reference, hot, work, max(hot)))
        seconds = bench_parse(args.claims, args.parse_size, work)
        print(f"parse: {args.parse_size:,} YAML claims in {seconds:.2f} s ({args.parse_size / seconds:,.0f} claims/s)")
        if not args.no_flow:
            plain, flow = bench_flow_overhead(args.claims, work)
            print(f"seed pipeline: plain {plain:.1f} s, Prefect flow {flow:.1f} s (ratio x{flow / plain:.1f};"
                  " the flow's process starts a temporary Prefect server)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
