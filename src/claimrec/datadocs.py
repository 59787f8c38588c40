"""The Data Docs site of a run, built by Great Expectations and then made stable: the same results give the
same bytes.

Great Expectations puts the moment of rendering into its pages: a random UUID in the id of each collapsible
element (and the links to it), the current time as a query string on the logo's address, and the moment each
batch was loaded among the batch markers of a validation page. Once the site is written, `stabilise`
rewrites these in our own copy of the pages: the UUIDs of a page become numbers in the order they first
appear (the links still lead to their elements), the query strings are dropped, and the load moment becomes
the run's time, which a run passes to Great Expectations as an input. Nothing of Great Expectations itself is
changed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = r"\d{8}T\d{6}\.\d{6}Z"
_CACHE_BUSTER = re.compile(rf"\?d={_STAMP}(?:&(?:amp;)?dataContextId={_UUID.pattern})?")
_LOAD_TIME = re.compile(rf"(>ge_load_time</span>.*?<span[^>]*>){_STAMP}(</span>)", re.DOTALL)


def build(context: Any, site: str, directory: Path, run_time: dt.datetime) -> Path:
    """Add the Data Docs site `site`, writing into `directory` (which must not exist yet), to the Great
    Expectations `context`, build it from the context's suites and validation results, and make it stable;
    return its index.html."""
    directory = directory.resolve()
    if directory.exists():
        raise FileExistsError(f"{directory}: the Data Docs folder exists already")
    context.add_data_docs_site(
        site_name=site,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.build_data_docs(site_names=[site])
    stabilise(directory, run_time)
    return directory / "index.html"


def stabilise(directory: Path, run_time: dt.datetime) -> None:
    """Rewrite the pages of the Data Docs in `directory` so that they depend on the results and `run_time` only."""
    stamp = run_time.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    for page in sorted(directory.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        stable = _UUID.sub(_numbering(), _CACHE_BUSTER.sub("", text))
        stable = _LOAD_TIME.sub(lambda m: f"{m.group(1)}{stamp}{m.group(2)}", stable)
        if stable != text:
            page.write_text(stable, encoding="utf-8")


def _numbering():
    """A replacement for the UUIDs of one page: each distinct one becomes the next number, in order of appearance."""
    numbers: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return numbers.setdefault(match.group(0), f"{len(numbers) + 1:06d}")

    return number
