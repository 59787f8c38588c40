"""What is particular to YAML: syntax, the type of each node, unknown keys, a file's defaults, line numbers.

A YAML claim file becomes rows (`ClaimRows`): one per claim, in the columns of the claims frame, each
carrying its file and the line of each field. Whether the values are right (known sources, figures that fit
the qualifier, quotes found in their document, unique ids) is checked on those rows by `rules`, the same
checks as for a claim table. Here only what a table cannot get wrong is reported: a list where text belongs,
text where a number belongs, a period that is not one, an unknown key.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from claimrec.ingest.collector import Collector
from claimrec.model import CLAIM_FIELDS, CLAIM_SCHEMA, REQUIRED_COLUMNS, Claim

MAX_FILE_BYTES = 10 * 1024 * 1024
FIGURES = (("value", "value"), ("low", "stated_low"), ("high", "stated_high"))
"""The figures of a claim: YAML field and column."""
LINE_COLUMNS = (*REQUIRED_COLUMNS, "value", "stated_low", "stated_high")
"""The columns whose values `rules` checks: their rows keep the line of the field that holds them."""
_COLUMN = {field: columns[0] for field, columns in CLAIM_FIELDS.items() if len(columns) == 1}


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when installed
    """Safe YAML that records line numbers, refuses aliases and reports duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_object(self, node, deep=False):
        # An alias is the same node met twice; refusing it also stops "billion laughs" expansion.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed in claim files; write each value out",
                node.start_mark,
            )
        return super().construct_object(node, deep)

    def resolve(self, kind, value, implicit):
        # PyYAML's own answer, sooner: a quoted scalar, or one whose first character starts no implicit type
        # (bool, int, float, null, timestamp, ...), is text; only the others are tried against each pattern.
        if (
            kind is yaml.ScalarNode
            and _NO_WILDCARD
            and not self.yaml_path_resolvers
            and (not implicit[0] or (value and value[0] not in self.yaml_implicit_resolvers))
        ):
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    def construct_line_mapping(self, node: yaml.MappingNode) -> _Map:
        self.flatten_mapping(node)
        mapping = _Map()
        mapping.line = node.start_mark.line + 1
        mapping.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                key = str(key)
            if key in mapping:
                self.duplicates.append((key_node.start_mark.line + 1, str(key)))
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.lines[key] = key_node.start_mark.line + 1
        return mapping


_NO_WILDCARD = None not in _Loader.yaml_implicit_resolvers
"""No implicit type may start with any character (PyYAML registers none such)."""
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_line_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    """A date as YAML reads it; an impossible one (2019-02-30) stays text, so the field check reports it."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """An integer; YAML 1.1 would read 0120 as octal 80, so a leading zero is refused instead."""
    text = str(node.value).replace("_", "")
    if re.fullmatch(r"[-+]?0[0-9]+", text):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{node.value} has a leading zero, which YAML reads as octal: write {int(text)}",
            node.start_mark,
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class Reader(Collector):
    """Reads the YAML files of one claims folder, collecting their problems."""

    def read_yaml(self, path: Path) -> Any:
        """Parse one YAML file; a problem and None when it cannot be read."""
        if not path.is_file():
            self.problem(path, 0, f"file is missing: create {self.name(path)}")
            return None
        data = path.read_bytes()
        self.digest.update(self.name(path).encode() + b"\0" + data + b"\0")
        if len(data) > MAX_FILE_BYTES:
            self.problem(
                path,
                1,
                f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte"
                " limit for one claim file: split it into several files",
            )
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problem(path, line, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")
            return None
        loader = _Loader(text)
        try:
            value = loader.get_single_data()
        except RecursionError:
            self.problem(path, 1, "not valid YAML: nested too deeply: claim files need a few levels at most")
            return None
        except yaml.reader.ReaderError as exc:
            line = text[: exc.position].count("\n") + 1
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            self.problem(path, line, f"not valid YAML: character #x{code:04x} is not allowed ({exc.reason}): remove it")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            reason = getattr(exc, "problem", None) or str(exc)
            context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
            if context and context_mark and mark and context_mark.line != mark.line:
                reason += f" ({context} that starts at line {context_mark.line + 1})"
            self.problem(path, mark.line + 1 if mark else 1, f"not valid YAML: {reason}")
            return None
        finally:
            loader.dispose()
        for line, key in loader.duplicates:
            self.problem(path, line, f"key '{key}' appears twice in one mapping: keep one")
        if value is None:
            self.problem(path, 1, "file is empty: see README.md for the expected layout")
        return value

    def mapping(
        self, path: Path, value: Any, line: int, what: str, claim: str | None = None, field: str | None = None
    ) -> _Map | None:
        """The value if it is a mapping; otherwise a problem and None."""
        if isinstance(value, _Map):
            return value
        self.problem(path, line, f"expected {what}, found {kind(value)}", claim, field)
        return None

    def text(
        self, path: Path, m: _Map, key: str, claim: str | None = None, required: bool = True, missing: bool = True
    ) -> str | None:
        """The text under `key`, trimmed; None and a problem when it is not text, or is required and empty
        (or missing, unless `missing` is false: then whoever checks the rows reports it)."""
        value = m.get(key)
        if value is None:
            if required and missing:
                self.problem(path, m.lines.get(key, m.line), f"missing: add '{key}:'", claim, key)
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, m.lines.get(key, m.line), f"expected text, found {kind(value)}", claim, key)
            return None
        text = str(value).strip()
        if required and not text:
            self.problem(path, m.lines.get(key, m.line), "is empty", claim, key)
            return None
        return text or None

    def unknown_keys(self, path: Path, m: _Map, known, claim: str | None = None) -> None:
        """A problem for each key of `m` that is not one of `known`."""
        for key in m:
            if key not in known:
                self.problem(path, m.lines[key], f"unknown field '{key}' (known: {', '.join(known)})", claim, str(key))


def kind(value: Any) -> str:
    """What a YAML value is, as a message names it."""
    if value is None:
        return "nothing"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        _Map: "a mapping",
        dt.date: "a date",
    }.get(type(value), type(value).__name__)


class ClaimRows:
    """The claims of the YAML files, column by column, as read: a value is None where it is absent or could
    not be read (and then `unread` says so, so that no other check reports it again)."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {column: [] for column in CLAIM_SCHEMA}
        self.lines: dict[str, list] = {column: [] for column in LINE_COLUMNS}
        self.unread: dict[str, set[int]] = {}
        self.flawed: set[int] = set()
        """Rows the reader found a problem in."""

    def __len__(self) -> int:
        return len(self.columns["line"])

    def frame(self) -> pl.DataFrame:
        """The rows as a frame for `rules`: the claims frame's columns, `_line_<column>` (the line of the field
        holding each checked column, null where the field is absent), `_unread_<column>` for the columns with a
        value the reader reported, and `_flawed` when some row has a problem of its own."""
        n = len(self)
        data = {column: pl.Series(column, values, CLAIM_SCHEMA[column]) for column, values in self.columns.items()}
        data.update((f"_line_{c}", pl.Series(values, dtype=pl.Int32)) for c, values in self.lines.items())
        for column, rows in self.unread.items():
            data[f"_unread_{column}"] = pl.Series([i in rows for i in range(n)], dtype=pl.Boolean)
        if self.flawed:
            data["_flawed"] = pl.Series([i in self.flawed for i in range(n)], dtype=pl.Boolean)
        return pl.DataFrame(data)

    def claims(self) -> list[Claim]:
        """The rows as claims (for when no row has a problem)."""
        return list(map(Claim, *(self.columns[column] for column in CLAIM_SCHEMA)))


def read_claim_file(r: Reader, path: Path, rows: ClaimRows) -> None:
    """Add the claims of one YAML claim file to `rows`."""
    data = r.read_yaml(path)
    if data is None:
        return
    top = r.mapping(path, data, 1, "a mapping with a 'claims' list (see README.md)")
    if top is None:
        return
    r.unknown_keys(path, top, ("document", "section", "claims"))
    items = top.get("claims")
    if not isinstance(items, list):
        r.problem(path, top.lines.get("claims", 1), "expected a list of claims under 'claims:'", field="claims")
        return
    defaults = {k: r.text(path, top, k, required=False) for k in ("document", "section")}
    name = r.name(path)
    for item in items:
        m = r.mapping(path, item, top.lines["claims"], "a claim (a mapping of fields)")
        if m is not None:
            _read_claim(r, path, name, m, defaults, rows)


def _read_claim(r: Reader, path: Path, name: str, m: _Map, defaults: dict, rows: ClaimRows) -> None:
    before, row = len(r.problems), len(rows)
    values: dict[str, Any] = dict.fromkeys(CLAIM_SCHEMA)

    def text(key: str, required: bool) -> str | None:
        problems = len(r.problems)
        value = r.text(path, m, key, values["claim_id"], required, missing=False)
        if value is None and len(r.problems) > problems:
            rows.unread.setdefault(_COLUMN[key], set()).add(row)
        return value

    values["claim_id"] = cid = text("id", True)
    r.unknown_keys(path, m, CLAIM_FIELDS, cid)
    for key in (
        "source",
        "quote",
        "metric",
        "side",
        "category",
        "qualifier",
        "section",
        "subject",
        "revision",
        "notes",
    ):
        values[_COLUMN[key]] = text(key, _COLUMN[key] in REQUIRED_COLUMNS)
    values["document_id"] = text("document", not defaults["document"]) or defaults["document"]
    values["section"] = values["section"] or defaults["section"]
    values["period_start"], values["period_end"] = _period(r, path, m, cid) or (None, None)
    if values["period_start"] is None:
        rows.unread.setdefault("period_start", set()).add(row)
        rows.unread.setdefault("period_end", set()).add(row)
    if m.get("as_of") is not None:
        values["as_of"] = _date(m["as_of"], end=True)
        if values["as_of"] is None:
            r.problem(path, m.lines["as_of"], "not a date: write YYYY, YYYY-MM or YYYY-MM-DD", cid, "as_of")
    for key, column in FIGURES:
        values[column] = _figure(r, path, m, key, cid)
        if values[column] is None and m.get(key) is not None:
            rows.unread.setdefault(column, set()).add(row)
    values["file"], values["line"] = name, m.line
    for column, value in values.items():
        rows.columns[column].append(value)
    lines = m.lines
    for column in LINE_COLUMNS:
        rows.lines[column].append(lines.get(_FIELD[column]))
    if len(r.problems) > before:
        rows.flawed.add(row)


_FIELD = {column: field for field, columns in CLAIM_FIELDS.items() for column in columns}


def _figure(r: Reader, path: Path, m: _Map, key: str, cid: str | None) -> float | None:
    """A figure as a float; None when absent, or (with a problem) when it is not a number."""
    raw = m.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        hint = " without thousands separators" if isinstance(raw, str) and "," in raw else ""
        shown = f" {raw!r}" if isinstance(raw, str) else f" {raw}" if isinstance(raw, dt.date) else ""
        r.problem(path, m.lines.get(key, m.line), f"expected a number{hint}, found {kind(raw)}{shown}", cid, key)
        return None
    try:
        return float(raw)
    except OverflowError:  # an integer beyond any float: not a figure anyone counted
        return math.copysign(math.inf, raw)


def _period(r: Reader, path: Path, m: _Map, cid: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the claim's period; None (with a problem) when it cannot be read. Whether it
    ends before it starts is a rule on rows."""
    raw = m.get("period")
    line = m.lines.get("period", m.line)
    if raw is None:
        r.problem(path, line, "missing: add 'period:' (a year, or {start: ..., end: ...})", cid, "period")
        return None
    if isinstance(raw, _Map):
        r.unknown_keys(path, raw, ("start", "end"), cid)
        start, end = _date(raw.get("start"), end=False), _date(raw.get("end"), end=True)
        for key, parsed in (("start", start), ("end", end)):
            if raw.get(key) is None:
                r.problem(
                    path,
                    raw.lines.get(key, line),
                    f"{key}: missing: add {key}: YYYY, YYYY-MM or YYYY-MM-DD",
                    cid,
                    "period",
                )
            elif parsed is None:
                r.problem(
                    path,
                    raw.lines.get(key, line),
                    f"{key}: {raw.get(key)!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD",
                    cid,
                    "period",
                )
    else:
        start, end = _date(raw, end=False), _date(raw, end=True)
        if start is None:
            r.problem(
                path, line, f"{raw!r} is not a period: write a year (2014) or {{start: ..., end: ...}}", cid, "period"
            )
    if start is None or end is None:
        return None
    return start, end


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _date(raw: Any, end: bool) -> dt.date | None:
    """A date from YYYY, YYYY-MM or YYYY-MM-DD; a year or month widens to its first or last day."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        return None
    match = _DATE.match(str(raw).strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return dt.date(year, month, day)
    except ValueError:
        return None
