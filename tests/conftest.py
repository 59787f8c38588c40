"""Shared fixtures: the repository's claims, a small claims folder to break, and pipeline runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from claimrec import load, pipeline, settings
from claimrec.model import ClaimSet

settings.apply_defaults()  # before any test imports Prefect or Great Expectations

from support import CLAIMS, MINI  # noqa: E402 - after the defaults are set


@pytest.fixture(scope="session")
def seed() -> ClaimSet:
    """The repository's claims, parsed once."""
    return load.load_claims(CLAIMS)


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunConfig:
    """One full pipeline run over the repository's claims, into a temporary folder."""
    out = tmp_path_factory.mktemp("seed-run")
    config = pipeline.RunConfig(CLAIMS, out / "claimrec.duckdb", out / "reports")
    pipeline.run_pipeline(config)
    return config


@pytest.fixture()
def seed_db(seed_run: pipeline.RunConfig):
    """A read-only connection to the seed run's database."""
    con = duckdb.connect(str(seed_run.db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small claims folder in tests/cases/mini."""
    target = tmp_path / "claims"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture()
def mini_config(mini: Path) -> pipeline.RunConfig:
    """Where a run over the small claims folder reads and writes."""
    return pipeline.RunConfig(mini, mini.parent / "claimrec.duckdb", mini.parent / "reports")
