"""Great Expectations page views that give the same bytes for the same validation results.

Great Expectations' Jinja views put the moment of rendering into every page: a random UUID in the id
of each collapsible element and the current time as a query string on the logo's address. These
views number the elements of each page in order and leave addresses as they are; everything else
is Great Expectations' own rendering. The Data Docs site configuration names them (module and class
name of each view: Great Expectations' extension point for views), see `validate.write_docs`.

Importing this module imports Great Expectations (~3 s): only `validate.write_docs` does.
"""

from __future__ import annotations

import contextlib
from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import FileSystemBytecodeCache, pass_context
from jinja2.bccache import Bucket


class _CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates, kept in the system's temporary folder (a folder per user) from run to run. Each view
    has a Jinja environment of its own (its filters are its own methods), and each compiled every template it
    used again: 51 compilations for the three views of a site, 40 % of the time to render the seed's Data Docs.
    An entry is named by its template's name and source, so another Great Expectations version has its own. A
    cache that cannot be written costs only the compilation."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> _CompiledTemplates | None:
    try:
        return _CompiledTemplates()
    except (OSError, RuntimeError):  # no private temporary folder to be had: every run compiles
        return None


_COMPILED = _compiled_templates()


class _Numbered:
    """Element ids numbered per page instead of random; no timestamp or context id in addresses; templates
    compiled once (`_COMPILED`)."""

    _element = 0

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - Great Expectations' view arguments
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = _COMPILED

    def render(self, document, template=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self._element = 0
        return super().render(document, template, **kwargs)

    def generate_html_element_uuid(self, prefix: str | None = None) -> str:
        self._element += 1
        return f"{prefix or ''}{self._element:06d}"

    @pass_context
    def add_data_context_id_to_url(self, jinja_context: Any, url: str, add_datetime: bool = True) -> str:
        return url


class StablePageView(_Numbered, DefaultJinjaPageView):
    """The page of an expectation suite or of a validation result."""


class StableIndexPageView(_Numbered, DefaultJinjaIndexPageView):
    """The index page."""
