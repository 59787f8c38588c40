"""The one way claimrec runs Great Expectations, through its documented API only: an ephemeral context, a
pandas data source with a dataframe asset and a whole-dataframe batch definition, an expectation suite and a
validation definition per suite, and one checkpoint that runs them all under a run identifier whose run time
is an input. When Data Docs are asked for, a site is added to the context and built once the checkpoint has
run, then made stable (`datadocs.stabilise`).

Great Expectations validates the tallies of `suites.tally`: a pandas frame of one row, a column per check
holding its count of offending rows, and per check an expectation that the count is 0.

Importing this module checks the installed Great Expectations version against `GX_VERSION` (the one
pyproject.toml pins), without importing Great Expectations itself, which is slow: `gx()` does, when a suite
first runs (or `import_in_background`, beside Prefect's start-up).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claimrec import settings
from claimrec.errors import ClaimrecError
from claimrec.suites import Tally

GX_VERSION = "1.24.1"
"""The Great Expectations release claimrec is written against and pinned to (pyproject.toml)."""


class GreatExpectationsVersionError(ClaimrecError, ImportError):
    """The installed Great Expectations is not the release claimrec pins."""


def require_version(found: str | None = None) -> None:
    """Raise `GreatExpectationsVersionError` unless the installed Great Expectations (or `found`) is
    `GX_VERSION`: claimrec relies on its behaviour, its rendering of Data Docs included, release by release."""
    if found is None:
        try:
            found = importlib.metadata.version("great-expectations")
        except importlib.metadata.PackageNotFoundError:
            found = "none"
    if found != GX_VERSION:
        raise GreatExpectationsVersionError(
            f"claimrec needs great-expectations=={GX_VERSION}, found {found}: install the pinned version"
            " (pip install -r requirements.lock)"
        )


require_version()

SITE = "claimrec"
"""The name of the Data Docs site in the context."""

CHECKPOINT = "claimrec"


def gx():
    """The great_expectations module, imported on first use (slow; see `import_in_background`)."""
    settings.apply_defaults()
    import great_expectations

    return great_expectations


_importing: threading.Thread | None = None
_importing_lock = threading.Lock()


def import_in_background() -> None:
    """Start importing Great Expectations on a thread of its own, once per process, so that a flow's
    validate stage does not wait for the import. The first suite waits for it to end; so does the process
    before it exits (the thread is not a daemon)."""
    global _importing
    with _importing_lock:
        if _importing is None:
            _importing = threading.Thread(target=gx, name="import-great-expectations")
            _importing.start()


def expectation(kind: str, kwargs: Mapping[str, Any]):
    """The Great Expectations expectation of class `kind` (in `great_expectations.expectations`) with `kwargs`."""
    gx()
    import great_expectations.expectations as gxe

    return getattr(gxe, kind)(**kwargs)


def count_expectation(t: Tally):
    """The expectation Great Expectations checks for the tally `t`: its count of offending rows is 0."""
    described = f"{t.type} on {t.column or 'the table'}" + (f": {t.description}" if t.description else "")
    return expectation(
        "ExpectColumnValuesToBeBetween",
        {"column": t.name, "min_value": 0, "max_value": 0, "description": f"No offender of {described}"},
    )


class Session:
    """One Great Expectations run, named `run_name` at `run_time` (a naive time is in UTC): an ephemeral
    context in which each stage's tallies are validated by a checkpoint of their own, and whose Data Docs
    site shows every result validated in it. A run validates its claims in one stage and its outputs in a
    later one; keeping the session lets the later stage add its results beside the earlier ones instead of
    validating the claims again for the Data Docs."""

    def __init__(self, run_name: str, run_time: dt.datetime):
        if run_time.tzinfo is None:  # Great Expectations would take it to be local time
            run_time = run_time.replace(tzinfo=dt.UTC)
        self.run_name, self.run_time = run_name, run_time
        self.gx = gx()
        self.context = self.gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {"globally": False}  # `progress_bars` of great_expectations.yml
        self.batch = (
            self.context.data_sources.add_pandas(SITE)
            .add_dataframe_asset("tallies")
            .add_batch_definition_whole_dataframe("tallies")
        )
        self.checkpoints = 0

    def validate(self, tallies: list[Tally]) -> list[bool]:
        """Whether Great Expectations finds each tally met (no offending row), in the order of `tallies`, from
        one checkpoint run; suite names must be new to the session."""
        import pandas as pd

        names = [t.name for t in tallies]
        if len(set(names)) != len(names):
            raise ValueError("two checks of one run have the same name")
        definitions = []
        for suite in dict.fromkeys(t.suite for t in tallies):
            expectations = [count_expectation(t) for t in tallies if t.suite == suite]
            added = self.context.suites.add(self.gx.ExpectationSuite(name=suite, expectations=expectations))
            definition = self.gx.ValidationDefinition(name=suite, data=self.batch, suite=added)
            definitions.append(self.context.validation_definitions.add(definition))
        self.checkpoints += 1
        name = CHECKPOINT if self.checkpoints == 1 else f"{CHECKPOINT}-{self.checkpoints}"
        checkpoint = self.context.checkpoints.add(
            self.gx.Checkpoint(name=name, validation_definitions=definitions, result_format="SUMMARY")
        )
        frame = pd.DataFrame({t.name: pd.Series([t.offending], dtype="int64") for t in tallies})
        run_id = self.gx.RunIdentifier(run_name=self.run_name, run_time=self.run_time)
        result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
        verdicts = {
            one.expectation_config.kwargs["column"]: one.success
            for suite_result in result.run_results.values()
            for one in suite_result.results
        }
        return [verdicts[n] for n in names]

    def build_docs(self, docs: Path) -> None:
        """Build the Data Docs of every result validated in the session into `docs` (a folder that must not
        exist yet)."""
        from claimrec import datadocs

        datadocs.build(self.context, SITE, docs, self.run_time)


def validate_tallies(
    tallies: list[Tally], run_name: str, run_time: dt.datetime, docs: Path | None = None
) -> list[bool]:
    """Whether Great Expectations finds each tally met, from one checkpoint run named `run_name` at
    `run_time`, in a session of its own; with `docs`, the Data Docs of the run are built there."""
    session = Session(run_name, run_time)
    verdicts = session.validate(tallies)
    if docs is not None:
        session.build_docs(docs)
    return verdicts
