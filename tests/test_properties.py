"""Properties of the interval logic, over generated claims (Hypothesis), on an in-memory database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimrec import load, store
from claimrec.model import Claim, ClaimSet
from support import MINI

REFERENCE = load.load_claims(MINI)
PERIODS = [
    (dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
    (dt.date(2019, 1, 1), dt.date(2019, 6, 30)),
    (dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
    (dt.date(2019, 4, 1), dt.date(2019, 9, 30)),
]
TABLES = ("quantities", "quantity_parts", "checks", "findings")


@st.composite
def figures(draw) -> dict:
    qualifier = draw(st.sampled_from(["exact", "range", "at_least", "up_to", "approximately", "hundreds"]))
    if qualifier == "range":
        low = draw(st.integers(0, 300))
        return {
            "qualifier": qualifier,
            "value": None,
            "stated_low": float(low),
            "stated_high": float(low + draw(st.integers(0, 100))),
        }
    if qualifier == "hundreds":
        return {"qualifier": qualifier, "value": None, "stated_low": None, "stated_high": None}
    return {"qualifier": qualifier, "value": float(draw(st.integers(0, 400))), "stated_low": None, "stated_high": None}


@st.composite
def claims(draw, min_size: int = 1, max_size: int = 14, prefix: str = "c") -> list[Claim]:
    out = []
    for number in range(draw(st.integers(min_size, max_size))):
        start, end = draw(st.sampled_from(PERIODS))
        out.append(
            Claim(
                claim_id=f"{prefix}{number:03d}",
                source_id=draw(st.sampled_from(["ministry_a", "monitors", "ngo"])),
                document_id="report",
                section=None,
                quote="Hundreds were wounded",
                metric="killed",
                side=draw(st.sampled_from(["all", "side_a", "side_b"])),
                category=draw(st.sampled_from(["all", "military", "civilians"])),
                subject=None,
                period_start=start,
                period_end=end,
                as_of=None,
                revision=None,
                notes=None,
                file="claims/generated.yaml",
                line=number + 1,
                **draw(figures()),
            )
        )
    return out


def reconcile(generated: list[Claim], frame: pl.DataFrame | None = None) -> duckdb.DuckDBPyConnection:
    claimset: ClaimSet = dataclasses.replace(REFERENCE, claims=tuple(generated))
    con = duckdb.connect()
    store.load_into(con, claimset, frame)
    store.reconcile_into(con)
    return con


def rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(claims(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_claim_order(generated: list[Claim], rng) -> None:
    ordered = reconcile(generated)
    shuffled = list(generated)
    rng.shuffle(shuffled)
    frame = dataclasses.replace(REFERENCE, claims=tuple(shuffled)).claims_frame()
    frame = frame.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 2**31))
    again = reconcile(generated, frame)
    for table in TABLES:
        assert rows(again, table) == rows(ordered, table), table


@SETTINGS
@given(claims(), claims(max_size=4, prefix="n"))
def test_adding_claims_never_narrows_the_widest_bounds(generated: list[Claim], extra: list[Claim]) -> None:
    before = dict(
        (q, (low, high))
        for q, low, high in reconcile(generated)
        .execute("SELECT quantity_id, widest_low, widest_high FROM quantities")
        .fetchall()
    )
    after = reconcile(generated + extra).execute("SELECT quantity_id, widest_low, widest_high FROM quantities")
    for quantity, low, high in after.fetchall():
        if quantity in before:
            old_low, old_high = before[quantity]
            assert low <= old_low
            assert high is None or (old_high is not None and high >= old_high)


@SETTINGS
@given(claims())
def test_consensus_lies_inside_every_claim(generated: list[Claim]) -> None:
    con = reconcile(generated)
    outside = con.execute("""
        SELECT c.claim_id FROM claims c JOIN quantities q USING (quantity_id)
        WHERE q.consensus_low IS NOT NULL
          AND (q.consensus_low < c.low OR (c.high IS NOT NULL AND (q.consensus_high IS NULL OR q.consensus_high > c.high)))
    """).fetchall()
    assert outside == []
    statuses = con.execute("""
        SELECT q.status, q.consensus_low IS NULL, max(c.low) > min(c.high)
        FROM quantities q JOIN claims c USING (quantity_id) GROUP BY q.quantity_id, q.status, q.consensus_low
    """).fetchall()
    for status, no_consensus, disjoint in statuses:
        assert (status == "contradicted") == no_consensus == bool(disjoint)


@SETTINGS
@given(claims(), claims(max_size=4, prefix="n"))
def test_contradictions_between_claims_survive_more_claims(generated: list[Claim], extra: list[Claim]) -> None:
    """A pair of claims that clash keeps clashing whatever is added; a definite disjoint pair stays definite."""
    pair_kinds = "('disjoint_claims', 'part_exceeds_whole')"
    before = reconcile(generated).execute(
        f"SELECT finding_id, kind, certainty FROM findings WHERE kind IN {pair_kinds}"
    )
    after = dict(
        (f, (k, c))
        for f, k, c in reconcile(generated + extra)
        .execute("SELECT finding_id, kind, certainty FROM findings")
        .fetchall()
    )
    for finding_id, kind, certainty in before.fetchall():
        assert finding_id in after
        if kind == "disjoint_claims":
            assert after[finding_id] == (kind, certainty) == ("disjoint_claims", "definite")


@SETTINGS
@given(claims(), st.data())
def test_definite_findings_survive_claims_within_the_widest_bounds(generated: list[Claim], data) -> None:
    """Definite means whichever claims are believed: adding claims that each lie within their quantity's
    widest bounds changes no widest bound, so every definite finding stays, and stays definite."""
    con = reconcile(generated)
    definite = con.execute("SELECT finding_id FROM findings WHERE certainty = 'definite'").fetchall()
    bounds = con.execute("SELECT quantity_id, widest_low, widest_high FROM quantities ORDER BY 1").fetchall()
    template = {c.claim_id: c for c in generated}
    firsts = dict(con.execute("SELECT quantity_id, min(claim_id) FROM claims GROUP BY 1").fetchall())
    extra = []
    for number, (quantity, low, high) in enumerate(data.draw(st.lists(st.sampled_from(bounds), max_size=4))):
        top = high if high is not None else low + 500
        value = data.draw(st.integers(int(low), int(top)))
        extra.append(
            dataclasses.replace(
                template[firsts[quantity]],
                claim_id=f"x{number:03d}",
                qualifier="exact",
                value=float(value),
                stated_low=None,
                stated_high=None,
            )
        )
    after = dict(reconcile(generated + extra).execute("SELECT finding_id, certainty FROM findings").fetchall())
    for (finding_id,) in definite:
        assert after.get(finding_id) == "definite"
