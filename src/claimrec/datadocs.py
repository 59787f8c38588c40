"""The Data Docs site of a run, built by Great Expectations and then made stable and self-contained: the same
results at the same run time give the same bytes, and the pages work with no network.

Great Expectations puts the moment of rendering into its pages: a random UUID in the id of each collapsible
element (and the links to it), the current time as a query string on the logo's address, and the moment each
batch was loaded among the batch markers of a validation page. Once the site is written, `stabilise`
rewrites these in our own copy of the pages: the UUIDs of a page become numbers in the order they first
appear (the links still lead to their elements), the query strings are dropped, and the load moment becomes
the run's time, which a run passes to Great Expectations as an input (the run identifier's time, which the
index and each validation result show and which names the result's folder).

The pages also load jQuery, Bootstrap, bootstrap-table, bootstrap-datepicker, Vega and Font Awesome from
public CDNs, and Great Expectations' logo from its web server; without them the index lists no result, since
its tables are built by those scripts. claimrec ships copies of these files, taken from the npm registry
(`datadocs_assets/`, listed in its SOURCES.md): `stabilise` copies them into the site's `static/vendor/` and
points each page, and Great Expectations' style sheet, at the copies by relative addresses. The logo is
Great Expectations' own copy in the site's `static/images/`. Nothing of Great Expectations itself is changed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).with_name("datadocs_assets")
"""The files the pages load, shipped with claimrec (SOURCES.md there says where each comes from)."""

VENDOR = "static/vendor"
"""Where in a site the shipped files are copied."""

_LOGOS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
SHIPPED: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": f"{VENDOR}/jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        f"{VENDOR}/popper.js-1.12.9/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        f"{VENDOR}/bootstrap-4.3.1/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        f"{VENDOR}/bootstrap-4.3.1/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        f"{VENDOR}/bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        f"{VENDOR}/bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        f"{VENDOR}/bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        f"{VENDOR}/bootstrap-table-1.19.0/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        f"{VENDOR}/bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        f"{VENDOR}/bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        f"{VENDOR}/bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"
    ),
    # the minified build of the same style sheet, from the same package
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        f"{VENDOR}/bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        f"{VENDOR}/fontawesome-free-6.6.0/css/all.min.css"
    ),
    # the CDN resolves these to the newest release of the major version; the ones shipped are named in SOURCES.md
    "https://cdn.jsdelivr.net/npm/vega@5": f"{VENDOR}/vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": f"{VENDOR}/vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": f"{VENDOR}/vega-embed-6.29.0/vega-embed.min.js",
    f"{_LOGOS}logo-long.png": "static/images/logo-long.png",
    # the logo on a dark background (when the reader's system prefers dark): no package has it, the usual one stands in
    f"{_LOGOS}full_logo_dark.png": "static/images/logo-long.png",
}
"""Each address the pages of Great Expectations 1.24.1 load a file from, and the file of the site that
replaces it (under `VENDOR`, a copy of a file of `ASSETS`)."""

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = r"\d{8}T\d{6}\.\d{6}Z"
_CACHE_BUSTER = re.compile(rf"\?d={_STAMP}(?:&(?:amp;)?dataContextId={_UUID.pattern})?")
_LOAD_TIME = re.compile(rf"(>ge_load_time</span>.*?<span[^>]*>){_STAMP}(</span>)", re.DOTALL)
_ADDRESS = re.compile("|".join(re.escape(url) for url in sorted(SHIPPED, key=len, reverse=True)))
# the site's own static files; Great Expectations counts one folder too few in the favicon's address on a
# validation result page
_STATIC = re.compile(r'((?:href|src)=")(?:\./|(?:\.\./)+)(static/)')
# a subresource digest asks the browser for a CORS fetch, which a page opened from a file cannot make
_INTEGRITY = re.compile(r'(<script src="(?!https?:)[^"]*")\s+integrity="[^"]*"\s+crossorigin="anonymous"')
_REMOTE_LOAD = re.compile(
    r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']?https?://[^"'\s>]*"""
    r"""|<link\b[^>]*\bhref=["']?https?://[^"'\s>]*"""
    r"""|url\(\s*["']?https?://[^"')\s]*"""
    r"""|@import\s+["']https?://[^"']*""",
    re.IGNORECASE,
)


class RemoteAssetError(RuntimeError):
    """A page of the Data Docs loads a file from the network that claimrec ships no copy of."""


def build(context: Any, site: str, directory: Path, run_time: dt.datetime) -> Path:
    """Add the Data Docs site `site`, writing into `directory` (which must not exist yet), to the Great
    Expectations `context`, build it from the context's suites and validation results, and make it stable and
    self-contained; return its index.html."""
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
    """Rewrite the pages of the Data Docs in `directory` so that they depend on the results and `run_time`
    only, and load nothing from the network: the shipped files are copied into the site, and the pages and
    style sheets point at them (and at the site's own static files, by addresses that lead to them). Raise
    `RemoteAssetError` if a page or style sheet still loads a remote file."""
    stamp = utc(run_time).strftime("%Y%m%dT%H%M%S.%fZ")
    shutil.copytree(ASSETS, directory / VENDOR, copy_function=shutil.copyfile, dirs_exist_ok=True)
    for page in sorted([*directory.rglob("*.html"), *directory.rglob("*.css")]):
        if page.is_relative_to(directory / VENDOR):
            continue
        text = page.read_text(encoding="utf-8")
        stable = _UUID.sub(_numbering(), _CACHE_BUSTER.sub("", text))
        stable = _LOAD_TIME.sub(lambda m: f"{m.group(1)}{stamp}{m.group(2)}", stable)
        stable = _local(stable, page.parent, directory)
        remote = _REMOTE_LOAD.findall(stable)
        if remote:
            raise RemoteAssetError(
                f"{page}: loads {remote[0]!r} from the network, and claimrec ships no copy of it (datadocs.SHIPPED)"
            )
        if stable != text:
            page.write_text(stable, encoding="utf-8")


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive one is taken to be in UTC already (as the `runs` table keeps its times)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _local(text: str, folder: Path, site: Path) -> str:
    """`text`, a page or style sheet in `folder` of the site in `site`, with each address of `SHIPPED` replaced
    by the relative address of its file in the site, and each relative address of a file of the site's
    `static/` folder made relative to `folder`."""
    up = Path(os.path.relpath(site, folder)).as_posix()
    prefix = "" if up == "." else f"{up}/"
    text = _STATIC.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    text = _ADDRESS.sub(lambda m: f"{prefix}{SHIPPED[m.group(0)]}", text)
    return _INTEGRITY.sub(r"\1", text)


def _numbering():
    """A replacement for the UUIDs of one page: each distinct one becomes the next number, in order of appearance."""
    numbers: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return numbers.setdefault(match.group(0), f"{len(numbers) + 1:06d}")

    return number
