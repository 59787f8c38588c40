"""Synthetic claims folders: reconciliation finds exactly the planted contradictions, in every format."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from claimrec import load, synth
from support import reconciled


def _findings(folder: Path) -> set[tuple[str, tuple[str, ...]]]:
    con = reconciled(folder)
    return {(kind, tuple(ids)) for kind, ids in con.execute("SELECT kind, claim_ids FROM findings").fetchall()}


def _planted(folder: Path) -> set[tuple[str, tuple[str, ...]]]:
    return {(kind, tuple(ids)) for kind, ids in pl.read_parquet(folder / "planted.parquet").iter_rows()}


@pytest.mark.parametrize("form", ["parquet", "csv", "yaml"])
def test_reconciliation_finds_exactly_the_planted_contradictions(tmp_path: Path, form: str) -> None:
    world = synth.generate(3000, seed=7)
    synth.write(world, tmp_path, form)
    planted = _planted(tmp_path)
    assert len(planted) == 2 * len(synth.KINDS)
    assert {kind for kind, _ in planted} == set(synth.KINDS)
    assert load.load_claims(tmp_path).n_claims == 3000
    assert _findings(tmp_path) == planted


def test_a_larger_world_still_gives_only_the_planted_findings(tmp_path: Path) -> None:
    synth.write(synth.generate(60_000, seed=3), tmp_path)
    planted = _planted(tmp_path)
    assert len(planted) == 3 * len(synth.KINDS)
    assert _findings(tmp_path) == planted


def test_the_same_seed_gives_the_same_claims(tmp_path: Path) -> None:
    first, again, other = synth.generate(500, seed=1), synth.generate(500, seed=1), synth.generate(500, seed=2)
    assert first.claims.equals(again.claims) and first.planted.equals(again.planted)
    assert not first.claims.equals(other.claims)


def test_the_world_has_the_promised_shape() -> None:
    claims = synth.generate(50_000, seed=5).claims
    assert claims.height == 50_000 and claims["claim_id"].n_unique() == 50_000
    assert set(claims["qualifier"]) == {"exact", "approximately", "range", "at_least", "more_than", "up_to"}
    assert claims["as_of"].null_count() < claims.height
    assert claims["source_id"].n_unique() > 20
    assert claims.filter(pl.col("side").str.ends_with("-a")).height > 0
    assert set(claims["category"]) == {"all", "military", "civilians"}


def test_fewer_than_fifty_claims_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 50"):
        synth.generate(10)


def test_synth_then_run_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from claimrec import cli

    folder = tmp_path / "synthetic"
    assert cli.main(["synth", "--claims", "400", "--seed", "4", "--out", str(folder)]) == 0
    assert "wrote 400 claims (10 planted contradictions, 1 conflicts, 40 sources)" in capsys.readouterr().out
    db = tmp_path / "synthetic.duckdb"
    assert cli.main(["run", "--claims", str(folder), "--db", str(db), "--reports", str(tmp_path / "r"), "-q"]) == 0
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        found = {(k, tuple(c)) for k, c in con.execute("SELECT kind, claim_ids FROM findings").fetchall()}
    assert found == _planted(folder)
    assert cli.main(["synth", "--claims", "10", "--out", str(tmp_path / "x")]) == 2
