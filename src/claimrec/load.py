"""Read a claims folder into a checked `ClaimSet`, collecting every problem before raising once.

The folder holds four reference files (documents, sources, taxonomy, qualifiers) and any number of
claim files (`**/*.yaml`). Each problem names the file, the line, the claim and the field:

    claims/war.yaml:14: claim az-2020: low: 3,825 is above high 2,906 - swap them
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
import re
from pathlib import Path
from typing import Any

import yaml

from claimrec import bulk
from claimrec.errors import InputError, Problem
from claimrec.model import (
    DIMENSIONS,
    QUALIFIER_INPUTS,
    SOURCE_TYPES,
    Claim,
    ClaimSet,
    Document,
    Node,
    Qualifier,
    Source,
    Unit,
    format_number,
)

REFERENCE_FILES = ("documents.yaml", "sources.yaml", "taxonomy.yaml", "qualifiers.yaml")
NOT_CLAIMS = ("planted.parquet",)
"""Files a claims folder may hold that are not claims: the planted contradictions of `claimrec synth`."""
MAX_FILE_BYTES = 10 * 1024 * 1024
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CLAIM_FIELDS = (
    "id", "source", "quote", "document", "section", "metric", "side", "category", "subject",
    "period", "value", "low", "high", "qualifier", "as_of", "revision", "notes",
)  # fmt: skip
TAXONOMY_KEYS = {"metric": "metrics", "side": "sides", "category": "categories"}


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when installed
    """Safe YAML that records line numbers, refuses aliases and reports duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        # An alias is the same node met twice; refusing it also stops "billion laughs" expansion.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not allowed in claim files; write each value out", node.start_mark
            )
        return super().construct_object(node, deep)

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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_line_mapping)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):  # noqa: ANN202
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
            None, None, f"{node.value} has a leading zero, which YAML reads as octal: write {int(text)}", node.start_mark
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _Reader:
    """Collects problems while reading one claims folder."""

    def __init__(self, claims_dir: Path):
        self.root = claims_dir
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()
        self._names: dict[Path, str] = {}
        self.unreadable_documents: set[str] = set()
        self.what = "claim"  # what an id in a problem names: "source" while sources.yaml is read

    def name(self, path: Path) -> str:
        """The path as messages show it: relative to the claims folder's parent."""
        if path not in self._names:
            self._names[path] = (Path(self.root.name) / path.relative_to(self.root)).as_posix()
        return self._names[path]

    def problem(self, path: Path, line: int, message: str, claim: str | None = None,
                field: str | None = None) -> None:  # fmt: skip
        self.problems.append(Problem(self.name(path), line, claim, field, message, self.what))

    def read_yaml(self, path: Path) -> Any:
        """Parse one YAML file; a problem and None when it cannot be read."""
        if not path.is_file():
            self.problem(path, 0, f"file is missing: create {self.name(path)}")
            return None
        data = path.read_bytes()
        self.digest.update(self.name(path).encode() + b"\0" + data + b"\0")
        if len(data) > MAX_FILE_BYTES:
            self.problem(path, 1, f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte"
                         " limit for one claim file: split it into several files")  # fmt: skip
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
            self.problem(path, line, f"not valid YAML: character #x{code:04x} is not allowed"
                         f" ({exc.reason}): remove it")  # fmt: skip
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

    def mapping(self, path: Path, value: Any, line: int, what: str, claim: str | None = None,
                field: str | None = None) -> _Map | None:  # fmt: skip
        if isinstance(value, _Map):
            return value
        self.problem(path, line, f"expected {what}, found {_kind(value)}", claim, field)
        return None

    def text(self, path: Path, m: _Map, key: str, claim: str | None = None,
             required: bool = True) -> str | None:  # fmt: skip
        value = m.get(key)
        line = m.lines.get(key, m.line)
        if value is None:
            if required:
                self.problem(path, line, f"missing: add '{key}:'", claim, key)
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, line, f"expected text, found {_kind(value)}", claim, key)
            return None
        text = str(value).strip()
        if required and not text:
            self.problem(path, line, "is empty", claim, key)
            return None
        return text or None

    def unknown_keys(self, path: Path, m: _Map, known: tuple[str, ...], claim: str | None = None) -> None:
        for key in m:
            if key not in known:
                self.problem(path, m.lines[key], f"unknown field '{key}' (known: {', '.join(known)})", claim,
                             str(key))  # fmt: skip


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            _Map: "a mapping", dt.date: "a date"}.get(type(value), type(value).__name__)  # fmt: skip


def load_claims(claims_dir: Path | str) -> ClaimSet:
    """Read and check every file of a claims folder; raise `InputError` listing all problems."""
    root = Path(claims_dir)
    if not root.is_dir():
        raise InputError([Problem(str(root), 0, None, None, "claims folder not found")])
    r = _Reader(root)
    documents = _read_documents(r)
    units, nodes = _read_taxonomy(r)
    sources = _read_sources(r, {n.node_id for n in nodes if n.dimension == "side"})
    qualifiers = _read_qualifiers(r)
    claim_files = sorted(
        p for p in root.rglob("*.y*ml")
        if p.suffix in (".yaml", ".yml") and p.relative_to(root).as_posix() not in REFERENCE_FILES
    )  # fmt: skip
    table_files = sorted(
        p for p in root.rglob("*") if p.suffix in bulk.TABLE_SUFFIXES and p.relative_to(root).as_posix() not in NOT_CLAIMS
    )  # fmt: skip
    if not claim_files and not table_files:
        r.problem(root / "claims.yaml", 0, "no claim files: add at least one *.yaml file of claims"
                  " (or a Parquet or CSV claim table)")  # fmt: skip
    # a document already reported as unreadable is known: its claims are not reported again
    context = _ClaimContext({**dict.fromkeys(r.unreadable_documents), **documents}, sources, units, nodes,
                            qualifiers)  # fmt: skip
    claims: list[Claim] = []
    first_seen: dict[str, str] = {}
    for path in claim_files:
        for claim in _read_claim_file(r, path, context):
            where = f"{r.name(path)}:{claim.line}"
            if claim.claim_id in first_seen:
                r.problem(path, claim.line, f"duplicate id: also defined at {first_seen[claim.claim_id]}"
                          " - give each claim its own id", claim.claim_id, "id")  # fmt: skip
                continue
            first_seen[claim.claim_id] = where
            claims.append(claim)
    tables = bulk.read_tables(r, table_files, context, set(first_seen))
    if r.problems:
        raise InputError(r.problems)
    return ClaimSet(
        documents=tuple(documents.values()),
        sources=tuple(sources.values()),
        units=tuple(units.values()),
        nodes=tuple(nodes),
        qualifiers=tuple(qualifiers.values()),
        claims=tuple(sorted(claims, key=lambda c: c.claim_id)),
        digest=r.digest.hexdigest(),
        table_claims=tables,
    )


def _read_list(r: _Reader, path: Path, key: str) -> list[_Map]:
    data = r.read_yaml(path)
    if data is None:
        return []
    top = r.mapping(path, data, 1, f"a mapping with a '{key}' list")
    if top is None:
        return []
    items = top.get(key)
    if not isinstance(items, list):
        r.problem(path, top.lines.get(key, top.line), f"expected a list under '{key}:'", field=key)
        return []
    return [m for i, item in enumerate(items) if (m := r.mapping(path, item, top.line, f"a mapping ({key} #{i + 1})"))]


def _read_documents(r: _Reader) -> dict[str, Document]:
    path = r.root / "documents.yaml"
    documents: dict[str, Document] = {}
    for m in _read_list(r, path, "documents"):
        r.unknown_keys(path, m, ("id", "title", "path", "origin", "licence", "language"))
        values = {k: r.text(path, m, k) for k in ("id", "title", "path", "origin", "licence", "language")}
        if None in values.values():
            continue
        text_path = r.root / values["path"]
        if not text_path.resolve().is_relative_to(r.root.resolve()):
            r.problem(path, m.lines["path"], "the document text must lie inside the claims folder", field="path")
            r.unreadable_documents.add(values["id"])
            continue
        if not text_path.is_file():
            r.problem(path, m.lines["path"], f"document text not found at {r.name(text_path)}", field="path")
            r.unreadable_documents.add(values["id"])
            continue
        data = text_path.read_bytes()
        r.digest.update(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            r.problem(path, m.lines["path"], f"document text {r.name(text_path)} is not UTF-8 (byte {exc.start}):"
                      " save it as UTF-8", field="path")  # fmt: skip
            r.unreadable_documents.add(values["id"])
            continue
        documents[values["id"]] = Document(
            values["id"], values["title"], values["path"], values["origin"], values["licence"],
            values["language"], hashlib.sha256(data).hexdigest(), text,
        )  # fmt: skip
    return documents


def _read_sources(r: _Reader, sides: set[str]) -> dict[str, Source]:
    path = r.root / "sources.yaml"
    sources: dict[str, Source] = {}
    first_line: dict[str, int] = {}
    r.what = "source"
    for m in _read_list(r, path, "sources"):
        r.unknown_keys(path, m, ("id", "name", "type", "affiliation", "notes"))
        sid = r.text(path, m, "id")
        name, kind = r.text(path, m, "name", sid), r.text(path, m, "type", sid)
        affiliation = r.text(path, m, "affiliation", sid, required=False)
        if sid is None or name is None or kind is None:
            continue
        if sid in sources:
            r.problem(path, m.line, f"duplicate id: also defined at line {first_line[sid]} - give each source its own"
                      " id", sid, "id")  # fmt: skip
        if kind not in SOURCE_TYPES:
            r.problem(path, m.lines["type"], f"unknown type '{kind}' (one of: {', '.join(SOURCE_TYPES)})", sid, "type")
        if affiliation is not None and sides and affiliation not in sides:
            r.problem(path, m.lines["affiliation"], f"unknown side '{affiliation}': use a side from taxonomy.yaml"
                      " or leave it out", sid, "affiliation")  # fmt: skip
        sources[sid] = Source(sid, name, kind, affiliation, r.text(path, m, "notes", sid, required=False))
        first_line.setdefault(sid, m.line)
    r.what = "claim"
    return sources


def _read_taxonomy(r: _Reader) -> tuple[dict[str, Unit], list[Node]]:
    path = r.root / "taxonomy.yaml"
    data = r.read_yaml(path)
    top = r.mapping(path, data, 1, "a mapping with units, metrics, sides and categories") if data else None
    if top is None:
        return {}, []
    r.unknown_keys(path, top, ("units", *TAXONOMY_KEYS.values()))
    units: dict[str, Unit] = {}
    unit_map = r.mapping(path, top.get("units"), top.lines.get("units", 1), "a mapping of units", field="units")
    for name, spec in (unit_map or {}).items():
        spec = r.mapping(path, spec, unit_map.lines[name], "a mapping with integer and description", field=name)
        if spec is not None:
            r.unknown_keys(path, spec, ("integer", "additive", "description"))
            integer = spec.get("integer") is True
            additive = spec["additive"] is True if "additive" in spec else integer
            units[str(name)] = Unit(str(name), integer, additive, str(spec.get("description") or ""))
    nodes: list[Node] = []
    for dimension in DIMENSIONS:
        key = TAXONOMY_KEYS[dimension]
        tree = r.mapping(path, top.get(key), top.lines.get(key, 1), f"a mapping of {key}", field=key)
        if tree is not None:
            _walk_tree(r, path, dimension, tree, None, 0, nodes, units)
    return units, nodes


def _walk_tree(r: _Reader, path: Path, dimension: str, tree: _Map, parent: str | None, depth: int,
               out: list[Node], units: dict[str, Unit]) -> None:  # fmt: skip
    for node_id, spec in tree.items():
        seen = {n.node_id for n in out if n.dimension == dimension}
        line = tree.lines[node_id]
        node_id = str(node_id)
        if spec is None:
            spec = _Map()
            spec.line, spec.lines = line, {}
        if not isinstance(spec, _Map):
            r.problem(path, line, f"expected a mapping with description, found {_kind(spec)}", field=node_id)
            continue
        if not ID_PATTERN.match(node_id):
            r.problem(path, line, f"{dimension} id: use lowercase letters, digits, '-' and '_' only", field=node_id)
        if node_id in seen:
            r.problem(path, line, f"{dimension} '{node_id}' appears twice in the hierarchy: keep one", field=node_id)
            continue
        unit = spec.get("unit")
        if dimension == "metric":
            inherited = next((n.unit for n in out if n.dimension == "metric" and n.node_id == parent), None)
            unit = unit or inherited
            if unit not in units:
                found = f"'{unit}' is not one of them" if unit else "it has none"
                r.problem(path, line, f"a metric needs a unit from units: ({', '.join(units)}); {found}",
                          field=node_id)  # fmt: skip
        out.append(Node(dimension, node_id, parent, depth, str(spec.get("description") or ""), unit))
        children = spec.get("children")
        if children is not None:
            child_map = r.mapping(path, children, spec.lines.get("children", line), "a mapping of children",
                                  field=node_id)  # fmt: skip
            if child_map is not None:
                _walk_tree(r, path, dimension, child_map, node_id, depth + 1, out, units)


def _read_qualifiers(r: _Reader) -> dict[str, Qualifier]:
    path = r.root / "qualifiers.yaml"
    data = r.read_yaml(path)
    top = r.mapping(path, data, 1, "a mapping with a 'qualifiers' mapping") if data else None
    table = r.mapping(path, top.get("qualifiers"), top.line, "a mapping of qualifiers") if top else None
    out: dict[str, Qualifier] = {}
    known = ("description", "input", "low", "high", "low_fixed", "high_fixed", "low_exclusive",
             "high_exclusive", "high_open")  # fmt: skip
    for name, spec in (table or {}).items():
        spec = r.mapping(path, spec, table.lines[name], "a mapping", field=str(name))
        if spec is None:
            continue
        r.unknown_keys(path, spec, known)
        if spec.get("input") not in QUALIFIER_INPUTS:
            r.problem(path, spec.line, f"input must be one of {', '.join(QUALIFIER_INPUTS)}", field=str(name))
            continue
        numbers = {k: spec.get(k) for k in ("low", "high", "low_fixed", "high_fixed")}
        for k, v in numbers.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                r.problem(path, spec.lines[k], "expected a number", field=f"{name}.{k}")
        open_high = spec.get("high_open") is True
        if numbers["low"] is None and numbers["low_fixed"] is None:
            r.problem(path, spec.line, "needs low (a factor) or low_fixed", field=str(name))
        if not open_high and numbers["high"] is None and numbers["high_fixed"] is None:
            r.problem(path, spec.line, "needs high (a factor), high_fixed or high_open: true", field=str(name))
        out[str(name)] = Qualifier(
            str(name), str(spec.get("description") or ""), spec["input"], numbers["low"], numbers["low_fixed"],
            spec.get("low_exclusive") is True, None if open_high else numbers["high"],
            None if open_high else numbers["high_fixed"], spec.get("high_exclusive") is True, open_high,
        )  # fmt: skip
    return out


class _ClaimContext:
    """The reference data a claim is checked against."""

    def __init__(self, documents, sources, units, nodes, qualifiers):  # noqa: ANN001
        self.documents: dict[str, Document] = documents
        self.sources: dict[str, Source] = sources
        self.qualifiers: dict[str, Qualifier] = qualifiers
        self.ids = {d: {n.node_id for n in nodes if n.dimension == d} for d in DIMENSIONS}
        self.metric_integer = {
            n.node_id: units[n.unit].integer for n in nodes if n.dimension == "metric" and n.unit in units
        }


def _read_claim_file(r: _Reader, path: Path, ctx: _ClaimContext) -> list[Claim]:
    data = r.read_yaml(path)
    if data is None:
        return []
    top = r.mapping(path, data, 1, "a mapping with a 'claims' list (see README.md)")
    if top is None:
        return []
    r.unknown_keys(path, top, ("document", "section", "claims"))
    items = top.get("claims")
    if not isinstance(items, list):
        r.problem(path, top.lines.get("claims", 1), "expected a list of claims under 'claims:'", field="claims")
        return []
    defaults = {k: r.text(path, top, k, required=False) for k in ("document", "section")}
    claims = []
    for item in items:
        m = r.mapping(path, item, top.lines["claims"], "a claim (a mapping of fields)")
        if m is not None:
            claim = _read_claim(r, path, m, defaults, ctx)
            if claim is not None:
                claims.append(claim)
    return claims


def _read_claim(r: _Reader, path: Path, m: _Map, defaults: dict, ctx: _ClaimContext) -> Claim | None:
    before = len(r.problems)
    cid = r.text(path, m, "id")
    if cid is not None and not ID_PATTERN.match(cid):
        r.problem(path, m.lines["id"], "use lowercase letters, digits, '-' and '_' only", cid, "id")
    r.unknown_keys(path, m, CLAIM_FIELDS, cid)

    def ref(key: str, known, what: str) -> str | None:  # noqa: ANN001
        value = r.text(path, m, key, cid, required=key != "document" or not defaults["document"])
        value = value or (defaults["document"] if key == "document" else None)
        if value is not None and value not in known:
            r.problem(path, m.lines.get(key, m.line), f"unknown {what} '{value}': {_suggest(value, known)}", cid, key)
        return value

    source = ref("source", ctx.sources, "source")
    document = ref("document", ctx.documents, "document")
    metric = ref("metric", ctx.ids["metric"], "metric")
    side = ref("side", ctx.ids["side"], "side")
    category = ref("category", ctx.ids["category"], "category")
    qualifier = ref("qualifier", ctx.qualifiers, "qualifier")
    quote = r.text(path, m, "quote", cid)
    if quote is not None and ctx.documents.get(document) and quote not in ctx.documents[document].text:
        r.problem(path, m.lines["quote"], f"not found verbatim in document {document}: copy the exact words",
                  cid, "quote")  # fmt: skip
    period = _period(r, path, m, cid)
    as_of = None
    if m.get("as_of") is not None:
        parsed = _date(m["as_of"], end=True)
        if parsed is None:
            r.problem(path, m.lines["as_of"], "not a date: write YYYY, YYYY-MM or YYYY-MM-DD", cid, "as_of")
        as_of = parsed
    figures = _figures(r, path, m, cid, ctx.qualifiers.get(qualifier), ctx.metric_integer.get(metric, True))
    if len(r.problems) > before or period is None or figures is None:
        return None
    return Claim(
        claim_id=cid, source_id=source, document_id=document,
        section=r.text(path, m, "section", cid, required=False) or defaults["section"],
        quote=quote, metric=metric, side=side, category=category,
        subject=r.text(path, m, "subject", cid, required=False), period_start=period[0], period_end=period[1],
        as_of=as_of, qualifier=qualifier, value=figures[0], stated_low=figures[1], stated_high=figures[2],
        revision=r.text(path, m, "revision", cid, required=False),
        notes=r.text(path, m, "notes", cid, required=False), file=r.name(path), line=m.line,
    )  # fmt: skip


def _suggest(value: str, known) -> str:  # noqa: ANN001
    close = sorted(k for k in known if k[:3] == value[:3] or value in k)[:3]
    if close:
        return f"did you mean {' or '.join(close)}?"
    return "add it to the reference file or fix the spelling"


def _figures(r: _Reader, path: Path, m: _Map, cid: str | None, qualifier: Qualifier | None,
             integer: bool) -> tuple[float | None, float | None, float | None] | None:  # fmt: skip
    numbers: dict[str, float | None] = {}
    for key in ("value", "low", "high"):
        raw = m.get(key)
        line = m.lines.get(key, m.line)
        if raw is None:
            numbers[key] = None
        elif isinstance(raw, bool) or not isinstance(raw, (int, float)):
            hint = " without thousands separators" if isinstance(raw, str) and "," in raw else ""
            shown = f" {raw!r}" if isinstance(raw, str) else f" {raw}" if isinstance(raw, dt.date) else ""
            r.problem(path, line, f"expected a number{hint}, found {_kind(raw)}{shown}", cid, key)
            return None
        elif not math.isfinite(raw):
            r.problem(path, line, f"{raw} is not a finite number: write the figure", cid, key)
            return None
        elif raw < 0:
            r.problem(path, line, f"{format_number(raw)} is negative: figures count or measure, use 0 or more",
                      cid, key)  # fmt: skip
            return None
        elif integer and not float(raw).is_integer():
            r.problem(path, line, f"{raw} is not a whole number, and this metric counts whole units", cid, key)
            return None
        else:
            numbers[key] = float(raw)
    if qualifier is None:
        return None
    given = tuple(k for k in ("value", "low", "high") if numbers[k] is not None)
    expected = {"value": ("value",), "range": ("low", "high"), "none": ()}[qualifier.input]
    if given != expected:
        want = {"value": "a 'value'", "range": "'low' and 'high'", "none": "no number"}[qualifier.input]
        field = next((k for k in ("value", "low", "high") if (k in given) != (k in expected)), "qualifier")
        r.problem(path, m.lines.get(field, m.line), f"qualifier {qualifier.qualifier} takes {want}"
                  f" (found: {', '.join(given) or 'none'})", cid, field)  # fmt: skip
        return None
    low, high = numbers["low"], numbers["high"]
    if low is not None and high is not None and low > high:
        r.problem(path, m.lines["low"], f"{format_number(low)} is above high {format_number(high)} - swap them",
                  cid, "low")  # fmt: skip
        return None
    return numbers["value"], low, high


def _period(r: _Reader, path: Path, m: _Map, cid: str | None) -> tuple[dt.date, dt.date] | None:
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
                r.problem(path, raw.lines.get(key, line), f"{key}: missing: add {key}: YYYY, YYYY-MM or YYYY-MM-DD",
                          cid, "period")  # fmt: skip
            elif parsed is None:
                r.problem(path, raw.lines.get(key, line), f"{key}: {raw.get(key)!r} is not a date: write YYYY,"
                          " YYYY-MM or YYYY-MM-DD", cid, "period")  # fmt: skip
    else:
        start, end = _date(raw, end=False), _date(raw, end=True)
        if start is None:
            r.problem(path, line, f"{raw!r} is not a period: write a year (2014) or {{start: ..., end: ...}}",
                      cid, "period")  # fmt: skip
    if start is None or end is None:
        return None
    if end < start:
        r.problem(path, line, f"ends ({end}) before it starts ({start}) - swap start and end", cid, "period")
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
