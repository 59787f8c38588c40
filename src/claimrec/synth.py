"""Synthetic claims folders for tests and benchmarks: `claimrec synth --claims N --seed S --out DIR`.

The world is made of conflicts. Each has two sides under one root side, two categories (military,
civilians) under `all`, five additive metrics, and a ten-year span split into years and quarters. A true
value is drawn for every leaf (side, category, quarter) and summed upwards, so every quantity has a
true value that agrees with all its parts. Background claims are drawn from many sources with a mix of
qualifiers (exact, approximately, ranges, at least, more than, up to, and dated "as of" figures), each
one allowing its quantity's true value: together they contradict nothing.

Contradictions are then planted, the same number of each kind, each in a family of quantities of its
own (a `subject` naming a town), so that each one gives exactly one finding. They are listed in
`DIR/planted.parquet` (kind, claim ids in the order findings list them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from claimrec.model import SOURCE_TYPES
from claimrec.reconcile.kinds import FINDING_KINDS, names

METRICS = ("killed", "wounded", "missing", "captured", "displaced")
CATEGORIES = ("all", "military", "civilians")
PERIODS_PER_CONFLICT = 1 + 10 + 40  # the span, its years, its quarters
CLAIMS_PER_CONFLICT = 23_000  # about ten claims per quantity
QUOTES = 2_000
DOCUMENT_ID = "synthetic-bulletins"

QUALIFIERS_YAML = """\
# Qualifiers of the synthetic claims (the same readings as the repository's claims/qualifiers.yaml).
qualifiers:
  exact: {description: a plain figure, input: value, low: 1, high: 1}
  at_least: {description: at least N, input: value, low: 1, high_open: true}
  more_than: {description: more than N, input: value, low: 1, low_exclusive: true, high_open: true}
  up_to: {description: up to N, input: value, low_fixed: 0, high: 1}
  approximately: {description: within 10% of N, input: value, low: 0.9, high: 1.1}
  range: {description: N to M, input: range, low: 1, high: 1}
"""


@dataclass(frozen=True)
class Synthetic:
    """What `generate` made: the claims (columns of `claimrec.model.CLAIM_SCHEMA` without file and line),
    the planted contradictions, and the reference data."""

    claims: pl.DataFrame
    planted: pl.DataFrame
    conflicts: int
    sources: pl.DataFrame


def conflict_count(n_claims: int) -> int:
    """Conflicts in a world of `n_claims` claims: `CLAIMS_PER_CONFLICT` claims each, rounded up."""
    return max(1, -(-n_claims // CLAIMS_PER_CONFLICT))


def plants_per_kind(n_claims: int) -> int:
    """How many contradictions of each kind a world of `n_claims` claims gets."""
    return max(2, n_claims // 20_000)


def generate(n_claims: int, seed: int = 0) -> Synthetic:
    """A world of exactly `n_claims` claims (at least 50), reproducible from `seed`."""
    if n_claims < 50:
        raise ValueError("synthetic claims: ask for at least 50 claims")
    rng = np.random.default_rng(seed)
    k = conflict_count(n_claims)
    sources = _sources(k, rng)
    planted_claims, planted = _plants(plants_per_kind(n_claims), k, sources, rng)
    background = _background(n_claims - planted_claims.height, k, sources, rng)
    claims = pl.concat([background, planted_claims], how="vertical")
    return Synthetic(claims, planted, k, sources)


def _side(conflict: np.ndarray, which: np.ndarray) -> pl.Series:
    """Side ids: which 0 = the conflict's root, 1 and 2 its two sides."""
    suffix = np.array(["", "-a", "-b"])[which]
    return pl.Series([f"conflict-{c:05d}" for c in range(int(conflict.max()) + 1)])[conflict] + suffix


def _sources(k: int, rng: np.random.Generator) -> pl.DataFrame:
    n = max(40, 20 * k)
    types = np.array(SOURCE_TYPES)[np.arange(n) % len(SOURCE_TYPES)]
    conflict = rng.integers(0, k, n)
    official = types == "belligerent_official"
    sides = _side(conflict, np.where(rng.random(n) < 0.5, 1, 2))
    return pl.DataFrame(
        {
            "source_id": [f"src-{i:05d}" for i in range(n)],
            "name": [f"Synthetic source {i}" for i in range(n)],
            "type": types,
            "affiliation": pl.Series(sides).zip_with(pl.Series(official), pl.Series([None] * n, dtype=pl.String)),
        }
    )


def _periods(conflict: np.ndarray, period: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of period index 0 (the span), 1-10 (years) or 11-50 (quarters)."""
    first_year = 1960 + conflict % 50
    month0 = (first_year - 1970) * 12  # months since 1970-01
    start = np.where(
        period == 0, month0, np.where(period <= 10, month0 + (period - 1) * 12, month0 + (period - 11) * 3)
    )
    length = np.where(period == 0, 120, np.where(period <= 10, 12, 3))
    to_day = lambda months: months.astype("datetime64[M]").astype("datetime64[D]")  # noqa: E731
    return to_day(start), to_day(start + length) - np.timedelta64(1, "D")


def _truth(k: int, rng: np.random.Generator) -> np.ndarray:
    """True values of every quantity, shape (conflict, metric, side 3, category 3, period 51)."""
    leaf = rng.integers(20, 500, size=(k, len(METRICS), 2, 2, 40)).astype(np.int64)
    sides = np.concatenate([leaf.sum(axis=2, keepdims=True), leaf], axis=2)
    both = np.concatenate([sides.sum(axis=3, keepdims=True), sides], axis=3)
    years = both.reshape(*both.shape[:4], 10, 4).sum(axis=-1)
    return np.concatenate([both.sum(axis=-1, keepdims=True), years, both], axis=-1)


def _background(n: int, k: int, sources: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    truth = _truth(k, rng)
    q = rng.integers(0, truth.size, n)
    conflict, metric, side, category, period = np.unravel_index(q, truth.shape)
    t = truth.reshape(-1)[q].astype(np.float64)
    kind = rng.choice(7, n, p=[0.35, 0.15, 0.15, 0.10, 0.05, 0.10, 0.10])
    slack = np.floor(t * rng.random(n) * 0.3)
    qualifier = np.array(["exact", "approximately", "range", "at_least", "more_than", "up_to", "at_least"])[kind]
    value = np.select(
        [kind == 0, kind == 1, kind == 3, kind == 4, kind == 5, kind == 6],
        [
            t,
            np.where(rng.random(n) < 0.5, t, np.round(t * 1.05)),
            t - slack,
            t - slack - 1,
            t + slack,
            np.floor(t * rng.uniform(0.5, 1.0, n)),
        ],
        np.nan,
    )
    low = np.where(kind == 2, t - slack, np.nan)
    high = np.where(kind == 2, t + np.floor(t * rng.random(n) * 0.3), np.nan)
    start, end = _periods(conflict, period)
    as_of = np.where(kind == 6, end + rng.integers(0, 365, n).astype("timedelta64[D]"), np.datetime64("NaT"))
    return _frame(
        ids=np.char.add("s", np.char.zfill(np.arange(n).astype(str), 9)),
        source=sources["source_id"].to_numpy()[rng.integers(0, sources.height, n)],
        metric=np.array(METRICS)[metric],
        side=_side(conflict, side),
        category=np.array(CATEGORIES)[category],
        subject=None,
        start=start,
        end=end,
        as_of=as_of,
        qualifier=qualifier,
        value=value,
        low=low,
        high=high,
        quote=rng.integers(0, QUOTES, n),
    )


def _frame(
    ids, source, metric, side, category, subject, start, end, as_of, qualifier, value, low, high, quote
) -> pl.DataFrame:
    n = len(ids)
    frame = pl.DataFrame(
        {
            "claim_id": ids,
            "source_id": source,
            "document_id": DOCUMENT_ID,
            "section": "bulletins",
            "quote": pl.Series(_quote_texts())[np.asarray(quote)],
            "metric": metric,
            "side": side,
            "category": category,
            "subject": pl.Series(subject if subject is not None else [None] * n, dtype=pl.String),
            "period_start": start,
            "period_end": end,
            "as_of": as_of,
            "qualifier": qualifier,
            "value": value,
            "stated_low": low,
            "stated_high": high,
            "revision": pl.Series([None] * n, dtype=pl.String),
            "notes": pl.Series([None] * n, dtype=pl.String),
        }
    )
    return frame.with_columns(
        pl.col("period_start", "period_end", "as_of").cast(pl.Date),
        pl.col("value", "stated_low", "stated_high").fill_nan(None),
    )


def _plants(
    per_kind: int, k: int, sources: pl.DataFrame, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Planted contradictions: each in a quantity family of its own (subject `town-N`) whose figures stay far
    below the conflict's own totals, so that each gives exactly one finding."""
    rows: list[dict] = []
    planted: list[dict] = []
    source_ids = sources["source_id"].to_list()

    def claim(
        town: int,
        conflict: int,
        metric: str,
        side: int,
        value: float,
        as_of: dt.date | None = None,
        source: str | None = None,
    ) -> str:
        claim_id = f"p{len(rows):08d}"
        rows.append(
            {
                "claim_id": claim_id,
                "conflict": conflict,
                "metric": metric,
                "side": side,
                "subject": f"town-{town:06d}",
                "value": value,
                "as_of": as_of,
                "source": source or source_ids[int(rng.integers(0, len(source_ids)))],
            }
        )
        return claim_id

    town = 0
    for kind in KINDS:
        for _ in range(per_kind):
            conflict, metric = int(rng.integers(0, k)), METRICS[int(rng.integers(0, len(METRICS)))]
            base = float(rng.integers(20, 100))

            def on(side: int, value: float, as_of: dt.date | None = None, source: str | None = None) -> str:
                return claim(town, conflict, metric, side, value, as_of, source)  # noqa: B023 - called at once

            planted.append({"kind": kind, "claim_ids": PLANTERS[kind](on, base, conflict, source_ids, rng)})
            town += 1
    p = pl.DataFrame(
        rows,
        schema={
            "claim_id": pl.String,
            "conflict": pl.Int64,
            "metric": pl.String,
            "side": pl.Int64,
            "subject": pl.String,
            "value": pl.Float64,
            "as_of": pl.Date,
            "source": pl.String,
        },
    )
    conflict = p["conflict"].to_numpy()
    start, end = _periods(conflict, np.zeros_like(conflict))
    claims = _frame(
        ids=p["claim_id"].to_numpy(),
        source=p["source"].to_numpy(),
        metric=p["metric"].to_numpy(),
        side=_side(conflict, p["side"].to_numpy()),
        category="all",
        subject=p["subject"].to_list(),
        start=start,
        end=end,
        as_of=p["as_of"],
        qualifier="exact",
        value=p["value"].to_numpy(),
        low=np.full(p.height, np.nan),
        high=np.full(p.height, np.nan),
        quote=rng.integers(0, QUOTES, p.height),
    )
    return claims, pl.DataFrame(planted, schema={"kind": pl.String, "claim_ids": pl.List(pl.String)})


def _plant_disjoint(on, base, conflict, source_ids, rng) -> list[str]:
    """Two claims on one quantity that do not meet."""
    return [on(0, base), on(0, base + rng.integers(1, 100))]


def _plant_part_above_whole(on, base, conflict, source_ids, rng) -> list[str]:
    """A claim on a side above the claim on both sides."""
    return [on(0, base), on(1, base + rng.integers(1, 100))]


def _plant_parts_above_whole(on, base, conflict, source_ids, rng) -> list[str]:
    """Both sides adding up to more than the whole."""
    return [on(0, base), on(1, base - 10), on(2, base - 5)]


def _plant_whole_above_parts(on, base, conflict, source_ids, rng) -> list[str]:
    """A whole three times what both its sides add up to."""
    return [on(0, 3 * base), on(1, base), on(2, base)]


def _plant_fall(on, base, conflict, source_ids, rng) -> list[str]:
    """One source's running figure halving a year later."""
    source, year = source_ids[int(rng.integers(0, len(source_ids)))], 1971 + conflict % 50
    return [on(0, 2 * base, dt.date(year, 6, 30), source), on(0, base, dt.date(year + 1, 6, 30), source)]


PLANTERS = {
    "disjoint_claims": _plant_disjoint,
    "part_exceeds_whole": _plant_part_above_whole,
    "parts_exceed_whole": _plant_parts_above_whole,
    "whole_exceeds_parts": _plant_whole_above_parts,
    "cumulative_decrease": _plant_fall,
}
"""How to plant a contradiction of each kind of finding that synth knows how to plant: each takes a function
that writes a claim (side 0 the conflict's root, 1 and 2 its sides), a base figure, the conflict, the source
ids and the random generator, and returns the claim ids in the order the finding lists them."""

KINDS = tuple(kind for kind in names(FINDING_KINDS) if kind in PLANTERS)
"""The kinds of finding planted, in the vocabulary's order."""


def _quote_texts() -> list[str]:
    return [f"Bulletin {i}: figures compiled from field reports." for i in range(QUOTES)]


def write(world: Synthetic, out: Path, form: str = "parquet") -> list[Path]:
    """Write a claims folder: reference files, the document, the claims (`parquet`, `csv` or `yaml`) and
    `planted.parquet`. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "documents").mkdir(exist_ok=True)
    files = [
        out / "documents.yaml",
        out / "documents" / "bulletins.txt",
        out / "sources.yaml",
        out / "taxonomy.yaml",
        out / "qualifiers.yaml",
    ]
    files[0].write_text(
        "documents:\n"
        f"  - id: {DOCUMENT_ID}\n    title: Synthetic bulletins\n    path: documents/bulletins.txt\n"
        "    origin: generated by claimrec synth\n    licence: CC0 1.0\n    language: en\n",
        encoding="utf-8",
    )
    files[1].write_text("\n".join(_quote_texts()) + "\n", encoding="utf-8")
    lines = ["sources:"]
    for s in world.sources.iter_rows(named=True):
        lines += [
            f"  - id: {s['source_id']}",
            f"    name: {s['name']}",
            f"    type: {s['type']}",
            f"    affiliation: {s['affiliation'] or 'null'}",
        ]
    files[2].write_text("\n".join(lines) + "\n", encoding="utf-8")
    files[3].write_text(_taxonomy(world.conflicts), encoding="utf-8")
    files[4].write_text(QUALIFIERS_YAML, encoding="utf-8")
    if form == "parquet":
        files.append(out / "claims.parquet")
        world.claims.write_parquet(files[-1])
    elif form == "csv":
        files.append(out / "claims.csv")
        world.claims.write_csv(files[-1])
    elif form == "yaml":
        files.append(out / "claims.yaml")
        files[-1].write_text(_claims_yaml(world.claims), encoding="utf-8")
    else:
        raise ValueError(f"unknown claims format {form!r}: use parquet, csv or yaml")
    files.append(out / "planted.parquet")
    world.planted.write_parquet(files[-1])
    return files


def _taxonomy(conflicts: int) -> str:
    lines = ["units:", "  people: {integer: true, description: Head count of persons.}", "metrics:"]
    lines += [f"  {m}: {{unit: people, description: People {m}.}}" for m in METRICS]
    lines += ["sides:"]
    for c in range(conflicts):
        name = f"conflict-{c:05d}"
        lines += [
            f"  {name}:",
            f"    description: Both sides of synthetic conflict {c}.",
            "    children:",
            f"      {name}-a: {{description: First side of conflict {c}.}}",
            f"      {name}-b: {{description: Second side of conflict {c}.}}",
        ]
    lines += [
        "categories:",
        "  all:",
        "    description: Everyone.",
        "    children:",
        "      military: {description: Soldiers and fighters.}",
        "      civilians: {description: Civilians.}",
    ]
    return "\n".join(lines) + "\n"


def _claims_yaml(claims: pl.DataFrame) -> str:
    lines = [f"document: {DOCUMENT_ID}", "section: bulletins", "claims:"]
    for c in claims.iter_rows(named=True):
        lines += [
            f"  - id: {c['claim_id']}",
            f"    source: {c['source_id']}",
            f'    quote: "{c["quote"]}"',
            f"    metric: {c['metric']}",
            f"    side: {c['side']}",
            f"    category: {c['category']}",
            f"    period: {{start: {c['period_start']}, end: {c['period_end']}}}",
            f"    qualifier: {c['qualifier']}",
        ]
        if c["subject"]:
            lines.append(f"    subject: {c['subject']}")
        if c["as_of"]:
            lines.append(f"    as_of: {c['as_of']}")
        for key, column in (("value", "value"), ("low", "stated_low"), ("high", "stated_high")):
            if c[column] is not None:
                lines.append(f"    {key}: {int(c[column])}")
    return "\n".join(lines) + "\n"
