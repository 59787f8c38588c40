"""claimrec benchmarks (`make bench`): every stage at 10^5, 10^6 and 10^7 synthetic claims, measured against a
plain DuckDB GROUP BY of the same claims in the same run, and Prefect's share of a run on the seed claims.

    python bench/run.py [--sizes 100000,1000000,10000000] [--skip-10m] [--no-flow] [--out bench/results.md]

Each size runs in a process of its own, so that its peak memory is its own. Within it the peak of each stage is
the kernel's high-water mark of the resident set, reset between stages. Claims come from `claimrec synth` (seed 1),
written as Parquet before the clock starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = {
    "parse": "parse",
    "load": "store",
    "validate": "validate",
    "reconcile": "reconcile",
    "verify": "verify",
    "history": "reconcile",
    "report": "report",
    "history again": "reconcile",
    "carry": "store",
}
"""What is timed at each size, each with the stage of a run (`claimrec.stages.STAGES`) it is part of. The steps are
finer than the stages, so that each can be told apart: a run's store stage is `load`, plus `carry` once a database
is published; its reconcile stage is `reconcile` then `history`."""
GX_STAGES = ("validate", "verify")
"""The stages that run Great Expectations suites."""
YARDSTICKS = {"yardstick": "GROUP BY (yardstick)", "copy": "copy of the Parquet (DuckDB alone)"}


def targets(results: list[dict]) -> list[tuple[str, bool, str]]:
    """The aims of the benchmark (README, "Benchmarks") that the measured sizes allow to judge: what, met or
    not, and the measured figure."""
    by_size = {r["claims"]: r for r in results}
    found = []
    for n, limit in ((1_000_000, 1.0), (10_000_000, 10.0)):
        if n in by_size:
            s = by_size[n]["seconds"]["reconcile"]
            found.append((f"reconcile {n:,} claims ≤ {limit:g} s", s <= limit, f"{s:.2f} s"))
    for r in results:
        if r["claims"] >= 1_000_000:
            ratio = r["seconds"]["reconcile"] / r["seconds"]["yardstick"]
            found.append((f"reconcile {r['claims']:,} ≤ 6× GROUP BY", ratio <= 6, f"×{ratio:.1f}"))
    if 10_000_000 in by_size:
        r = by_size[10_000_000]
        peak = r["peak_mb"]["reconcile"]
        found.append(("peak memory of reconcile at 10,000,000 ≤ 4 GB", peak <= 4000, f"{peak:,.0f} MB"))
        stage, peak = max(r["peak_mb"].items(), key=lambda item: item[1])
        found.append(("peak memory of every stage at 10,000,000 ≤ 4 GB", peak <= 4000, f"{peak:,.0f} MB, {stage}"))
        ingest = r["seconds"]["parse"] + r["seconds"]["load"]
        floor = f"; DuckDB's own copy of the same file {r['seconds']['copy']:.2f} s" if "copy" in r["seconds"] else ""
        found.append(
            ("ingestion (parse + load) of 10,000,000 from Parquet ≤ 10 s", ingest <= 10, f"{ingest:.2f} s{floor}")
        )
        found.append(("report at 10,000,000 ≤ 5 s", r["seconds"]["report"] <= 5, f"{r['seconds']['report']:.2f} s"))
        found.append(("report at 10,000,000 ≤ 20 MB", r["report_bytes"] <= 20e6, f"{r['report_bytes'] / 1e6:.2f} MB"))
    if 1_000_000 in by_size and 10_000_000 in by_size:
        growth = by_size[10_000_000]["seconds"]["reconcile"] / by_size[1_000_000]["seconds"]["reconcile"]
        found.append(("reconcile growth 1,000,000 → 10,000,000 ≤ ×11", growth <= 11, f"×{growth:.1f}"))
    return found


class PeakMemory:
    """The process's peak resident set size per stage: `stage()` returns the peak since the last call, in MB.

    The kernel keeps the high-water mark (VmHWM in /proc/self/status), exact whatever happens between two reads,
    and resets it to the current size when 5 is written to /proc/self/clear_refs. Where that file cannot be
    written, a thread samples the resident set every 10 ms instead."""

    def __init__(self, every: float = 0.01):
        self.every, self._lock = every, threading.Lock()
        self.kernel = self._reset_kernel()
        self.peak = self.rss()
        if not self.kernel:
            threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def _status(field: str) -> int:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

    @staticmethod
    def _reset_kernel() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            return False
        return True

    def rss(self) -> int:
        return self._status("VmRSS")

    def _run(self) -> None:
        while True:
            with self._lock:
                self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def stage(self) -> float:
        if self.kernel:
            peak = self._status("VmHWM")
            self._reset_kernel()
            return peak / 1e6
        with self._lock:
            peak, self.peak = max(self.peak, self.rss()), self.rss()
        return peak / 1e6


def measure_one(n: int, folder: Path, work: Path) -> dict:
    """Every stage on the claims folder `folder` of `n` claims, in this process."""
    from claimrec import load, report, store, validate

    memory, seconds, peaks = PeakMemory(), {}, {}
    load_average = os.getloadavg()[0]

    def timed(name, fn):
        memory.stage()
        start = time.perf_counter()
        value = fn()
        seconds[name], peaks[name] = time.perf_counter() - start, memory.stage()
        return value

    building, copied, carried = (work / f"{name}-{n}.duckdb" for name in ("bench", "copy", "carry"))
    for path in (building, copied, carried):
        store.discard(path)
    claimset = timed("parse", lambda: load.load_claims(folder))
    timed("validate", lambda: validate.validate(claimset))
    timed("load", lambda: store.build(claimset, validate.outcomes_frame("bench", []), work / "none.duckdb", building))
    claimset = None  # the parsed claims are let go before the stages that do not need them
    # what ingestion cannot beat: DuckDB copying the same Parquet file into a new file, with no checks or lookups
    timed("copy", lambda: bare_copy(folder / "claims.parquet", copied))
    store.discard(copied)
    con = store.connect(building)  # as a run's reconcile stage connects (one thread below a row group of claims)
    memory.stage()
    start = time.perf_counter()
    con.execute(
        "CREATE TEMP TABLE yardstick AS SELECT quantity_id, min(low) AS low, max(high) AS high,"
        " count(*) AS n FROM claims GROUP BY quantity_id"
    )
    seconds["yardstick"], peaks["yardstick"] = time.perf_counter() - start, memory.stage()
    con.execute("DROP TABLE yardstick")
    if n <= 100_000:
        seconds["same_quantity"], seconds["pandas"] = same_quantity_side_by_side(con)
    timings = timed("reconcile", lambda: store.reconcile_into(con))
    slowest = [(t.check, t.statement, t.seconds) for t in sorted(timings, key=lambda t: -t.seconds)[:5]]
    timed("verify", lambda: validate.validate_outputs(con))
    con.execute("SET VARIABLE run_id = 'bench'")
    timed("history", lambda: con.execute(store.sql("history")))
    counts = store.counts(con)
    # outside the timed stages: a run never counts the `checks` view, whose relations are worked out when read
    counts["checks"] = con.execute("SELECT count(*) FROM checks").fetchone()[0]
    reports = work / f"reports-{n}"
    timed("report", lambda: report.write(con, reports))
    size = sum(p.stat().st_size for p in reports.iterdir())
    # the next scheduled run on the same claims: its history finds every version still open and writes nothing,
    # and its load first carries the history tables over from the published file
    con.execute("SET VARIABLE run_id = 'bench-again'")
    timed("history again", lambda: con.execute(store.sql("history")))
    con.close()
    timed("carry", lambda: carry(building, carried))
    store.discard(carried)
    store.discard(building)
    shutil.rmtree(reports, ignore_errors=True)
    return {
        "claims": n,
        "seconds": seconds,
        "peak_mb": peaks,
        "counts": counts,
        "report_bytes": size,
        "load": load_average,
        "slowest": slowest,
    }


def bare_copy(parquet: Path, into: Path) -> None:
    """DuckDB alone: a table made from the Parquet file as it is, written into a new database file."""
    import duckdb

    con = duckdb.connect(str(into))
    try:
        con.execute("CREATE TABLE claims AS SELECT * FROM read_parquet(?)", [str(parquet)])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def carry(previous: Path, into: Path) -> None:
    """What a later run's load adds: the history tables of the published file copied into a new one."""
    import duckdb

    from claimrec import store

    con = duckdb.connect(str(into))
    try:
        con.execute(store.sql("schema"))
        store.attach_previous(con, previous)
        con.execute("BEGIN TRANSACTION")
        store.carry_history(con)
        con.execute("COMMIT")
        con.execute("DETACH previous")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def same_quantity_side_by_side(con) -> tuple[float, float]:
    """The same-quantity check (claims of one quantity that do not overlap) two ways on the same claims: the
    reconciliation's own checks (quantities and disjoint_claims, on a copy) and pandas as an analyst would
    write it."""
    import pandas as pd

    from claimrec.reconcile import CHECKS, run_checks

    start = time.perf_counter()
    run_checks(con, tuple(c for c in CHECKS if c.name in ("quantities", "disjoint_claims")))
    ours = time.perf_counter() - start
    ours_pairs = con.execute("SELECT count(*) FROM findings WHERE kind = 'disjoint_claims'").fetchone()[0]
    con.execute("DELETE FROM findings; DELETE FROM quantities")
    frame = con.execute("SELECT claim_id, quantity_id, as_of, low, high FROM claims").df()
    start = time.perf_counter()
    frame["as_of"] = frame["as_of"].fillna(pd.Timestamp(0))
    pairs = frame.merge(frame, on=["quantity_id", "as_of"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["high_a"] < pairs["low_b"]]
    bounds = frame.groupby("quantity_id").agg(low=("low", "min"), high=("high", "max"), n=("claim_id", "size"))
    theirs = time.perf_counter() - start
    if len(bounds) == 0 or len(pairs) != ours_pairs:
        raise SystemExit(f"pandas found {len(pairs)} disjoint pairs, reconciliation {ours_pairs}")
    return ours, theirs


def synthesise(n: int, folder: Path) -> None:
    if not (folder / "claims.parquet").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "claimrec",
                "synth",
                "--claims",
                str(n),
                "--seed",
                "1",
                "--out",
                str(folder),
                "--quiet",
            ],
            check=True,
        )


STAGE_LINE = re.compile(r"^\s*(\w+): .*\((\d+(?:\.\d+)?) s\)$")
FLOW_STAGE_LINE = re.compile(r"Flow run '[^']*' - (\w+): .*\((\d+(?:\.\d+)?) s\)$")
FLOW_BOOKKEEPING_LINE = re.compile(r"stages: [\d.]+ s of work, ([\d.]+) s of task bookkeeping")


def prefect_overhead(work: Path) -> dict:
    """The seed claims end to end: the plain command with the seconds of each of its stages, the same run as a
    Prefect flow, and how long the imports take (claimrec's own, then Great Expectations and Prefect each on top
    of it, in a fresh Python)."""
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_API_URL": ""}
    env.pop("PREFECT_API_URL")
    claims = str(ROOT / "claims")

    def run(command: list[str]) -> tuple[float, str]:
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        return time.perf_counter() - start, done.stdout + done.stderr

    plain, printed = run(
        [
            sys.executable,
            "-m",
            "claimrec",
            "run",
            "--claims",
            claims,
            "--db",
            str(work / "p.duckdb"),
            "--reports",
            str(work / "p"),
        ]
    )
    flow, flow_printed = run(
        [
            sys.executable,
            str(ROOT / "flows" / "pipeline.py"),
            "--claims",
            claims,
            "--db",
            str(work / "f.duckdb"),
            "--reports",
            str(work / "f"),
        ]
    )
    python, _ = run([sys.executable, "-c", "pass"])
    command, _ = run([sys.executable, "-c", "import claimrec.cli, claimrec.pipeline"])
    imports = {"python": python, "claimrec": command - python}
    for module in ("great_expectations", "prefect"):  # each on top of claimrec's own imports, as in a run
        _, printed_time = run(
            [
                sys.executable,
                "-c",
                "import time, claimrec.cli, claimrec.pipeline;"
                f" start = time.perf_counter(); import {module};"
                " print('import-seconds', time.perf_counter() - start)",
            ]
        )
        imports[module] = float(re.search(r"import-seconds ([\d.e-]+)", printed_time)[1])
    stages = {m[1]: float(m[2]) for m in map(STAGE_LINE.match, printed.splitlines()) if m}
    flow_stages = {m[1]: float(m[2]) for m in map(FLOW_STAGE_LINE.search, flow_printed.splitlines()) if m}
    bookkeeping = float(FLOW_BOOKKEEPING_LINE.search(flow_printed)[1])
    return {
        "plain_s": plain,
        "flow_s": flow,
        "imports": imports,
        "stages": stages,
        "flow_stages": flow_stages,
        "task_bookkeeping_s": bookkeeping,
    }


def machine() -> str:
    import duckdb
    import polars

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, Polars {polars.__version__}"
    return f"{cpu}, {os.cpu_count()} cores, {memory / 1024**2:.0f} GB RAM, {platform.system()}; {versions}"


def table(results: list[dict]) -> list[str]:
    sizes = [r["claims"] for r in results]
    head = "| stage | " + " | ".join(f"{n:,} s | ×GROUP BY | peak MB" for n in sizes) + " |"
    if len(sizes) >= 2:
        head += f" growth {sizes[-2]:,} → {sizes[-1]:,} |"
    lines = [head, "|---|" + "---:|---:|---:|" * len(sizes) + ("---:|" if len(sizes) >= 2 else "")]
    for stage in (*YARDSTICKS, *STEPS):
        cells = []
        for r in results:
            s, y = r["seconds"][stage], r["seconds"]["yardstick"]
            cells.append(f"{s:.2f} | {s / y:.1f} | {r['peak_mb'][stage]:,.0f}")
        row = f"| {YARDSTICKS.get(stage, stage)} | " + " | ".join(cells) + " |"
        if len(sizes) >= 2:
            row += f" ×{results[-1]['seconds'][stage] / results[-2]['seconds'][stage]:.1f} |"
        lines.append(row)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--skip-10m", action="store_true", help="leave out 10,000,000 claims")
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect overhead measurement")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument("--work", type=Path, help="keep the synthetic folders here (default: a temporary folder)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from claimrec import settings

    settings.apply_defaults()
    if args.one:
        print(json.dumps(measure_one(args.one, args.folder, args.work)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if not (args.skip_10m and int(s) >= 10_000_000)]
    work = args.work or Path(tempfile.mkdtemp(prefix="claimrec-bench-"))
    results = []
    try:
        for n in sizes:
            folder = work / f"synth-{n}"
            synthesise(n, folder)
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--folder", str(folder), "--work", str(work)],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = results[-1]
            print(f"{n:>12,} claims: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["seconds"].items()), flush=True)
        flow = None if args.no_flow else prefect_overhead(work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text = render(results, flow)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


def render(results: list[dict], flow: dict | None) -> str:
    lines = [
        "# claimrec benchmark results",
        "",
        f"Measured {dt.date.today()} by `make bench` on: {machine()}.",
        "",
        "Synthetic claims from `claimrec synth --seed 1` (Parquet). Seconds per stage; ×GROUP BY is the stage's"
        " time over the yardstick's, a plain DuckDB `GROUP BY quantity_id` with min, max and count over the same"
        " claims in the same process; peak MB is the process's largest resident set during the stage.",
        "",
    ]
    lines += table(results)
    lines += [
        "",
        "Stages: parse = read and check the claim files (Parquet) into a frame; validate = the Great"
        " Expectations suite over the claims; load = write claims and reference data into a new DuckDB file;"
        " reconcile = intervals' quantities, bounds, disjoint claims, part/whole relations, sums, findings;"
        " verify = the Great Expectations output suites over the reconciled tables (the run's verify stage);"
        " history = claim versions and finding history; report = `discrepancies.md` (summarised past"
        " 200 findings); history again = the same on the next run over unchanged claims (every version is"
        " still open, nothing is written); carry = what the next run's load adds: the history tables copied"
        " from the published file into the new one. Copy of the Parquet = DuckDB alone making a table of the"
        " claim file into a new database file, without checks or lookups: the floor for load.",
        "",
    ]
    for r in results:
        c = r["counts"]
        lines.append(
            f"- {r['claims']:,} claims: {c['quantities']:,} quantities, {c['checks']:,} checks,"
            f" {c['findings']:,} findings; report {r['report_bytes'] / 1e6:.2f} MB."
        )
    for r in results:
        if "pandas" in r["seconds"]:
            s = r["seconds"]
            lines += [
                "",
                f"Same-quantity check at {r['claims']:,} claims, side by side: reconciliation's SQL"
                f" (bounds, groups and disjoint pairs with their messages) {s['same_quantity']:.2f} s; pandas"
                f" (self-merge by quantity, filter, group bounds) {s['pandas']:.2f} s; speed-up"
                f" ×{s['pandas'] / s['same_quantity']:.1f}.",
            ]
    for r in results:
        slowest = "; ".join(
            f"{check}.{statement} {seconds:.2f} s" for check, statement, seconds in r.get("slowest", [])
        )
        lines += ["", f"Slowest statements of reconcile at {r['claims']:,} claims (check.statement): {slowest}."]
    judged = targets(results)
    if judged:
        lines += ["", "Targets:", ""] + [
            f"- {what}: {'met' if met else 'missed'} ({figure})" for what, met, figure in judged
        ]
        if not all(met for _, met, _ in judged):
            lines += ["", "docs/performance.md says what holds back the targets that are missed."]
    loads = ", ".join(f"{r['load']:.1f}" for r in results)
    lines += [
        "",
        f"Load average (1 min) on the machine when each size started: {loads}"
        " (2 cores; other work may share the machine, so absolute times vary; the ratios are measured in the"
        " same process, side by side).",
    ]
    if flow:
        lines += ["", *seed_run_lines(flow)]
    return "\n".join(lines) + "\n"


def seed_run_lines(flow: dict) -> list[str]:
    """The seed run's time, split into Python start-up and imports, Great Expectations, the pipeline's own
    work, and Prefect's start-up: the plain command's stages, and the flow's (which imports Great Expectations
    beside Prefect's start-up, so that its validate stage no longer waits for the import)."""
    from claimrec.stages import STAGES

    stages, imports = flow["stages"], flow["imports"]
    flow_stages = flow["flow_stages"]
    gx_import = imports["great_expectations"]
    validating = sum(stages.get(name, 0.0) for name in GX_STAGES)
    others = ", ".join(stage.name for stage in STAGES if stage.name not in GX_STAGES)
    own, flow_own = sum(stages.values()), sum(flow_stages.values())
    gx_work = max(validating - gx_import, 0.0)
    rest = own - validating
    bookkeeping = flow["task_bookkeeping_s"]
    prefect = flow["flow_s"] - flow_own - bookkeeping - imports["python"] - imports["claimrec"]

    def listed(found: dict) -> str:
        return "; ".join(f"{name} {seconds:.2f} s" for name, seconds in found.items())

    return [
        f"Seed claims end to end: `claimrec run` {flow['plain_s']:.1f} s; the same run as a Prefect flow"
        f" (`python flows/pipeline.py`, as `make run`, temporary server) {flow['flow_s']:.1f} s.",
        "",
        f"- Stages of `claimrec run`, as it prints them: {listed(stages)}. Together {own:.2f} s.",
        f"- Stages of the flow run, as it logs them (each timed inside its task): {listed(flow_stages)}. Together"
        f" {flow_own:.2f} s: the flow imports Great Expectations beside Prefect's start-up, before its validate"
        f" stage. Prefect's bookkeeping of the stages' tasks around them (creating each task run, its states):"
        f" {bookkeeping:.2f} s.",
        f"- Great Expectations: importing it {gx_import:.2f} s, its suites and Data Docs {gx_work:.2f} s"
        f" ({' and '.join(GX_STAGES)}).",
        f"- The pipeline's own work besides Great Expectations ({others}): {rest:.2f} s.",
        f"- Starting Python {imports['python']:.1f} s; importing claimrec's command {imports['claimrec']:.1f} s;"
        f" importing Prefect {imports['prefect']:.1f} s; the rest of the flow run's time, Prefect's start-up"
        f" (with Great Expectations' import beside it), {prefect:.1f} s.",
        "",
        f"Target: the pipeline's own part on the seed (the flow's stages, Great Expectations included) ≤ 1 s:"
        f" {'met' if flow_own <= 1 else 'missed'} ({flow_own:.2f} s; `claimrec run` {own:.2f} s, of which"
        f" {rest:.2f} s without Great Expectations).",
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
