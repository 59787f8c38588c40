"""The four reference files of a claims folder: documents (and their texts), sources, taxonomy, qualifiers.

Claims are checked against what these hold (`Context`); a reference file that cannot be read is reported
once, and the claims that name what it would have defined are reported as naming something unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from claimrec.ingest.yaml_reader import Reader, _Map, kind
from claimrec.model import (
    DIMENSIONS,
    ID_PATTERN,
    QUALIFIER_INPUTS,
    SOURCE_TYPES,
    Document,
    Node,
    Qualifier,
    Source,
    Unit,
)

REFERENCE_FILES = ("documents.yaml", "sources.yaml", "taxonomy.yaml", "qualifiers.yaml")
DOCUMENT_FIELDS = ("id", "title", "path", "origin", "licence", "language")
"""The fields every document has."""
PROVENANCE_FIELDS = ("url", "retrieved", "revision", "published")
"""The fields a document may have: where it is published, when its text was taken, which version it is, and
when that version was published."""
TAXONOMY_KEYS = {"metric": "metrics", "side": "sides", "category": "categories"}


def _read_list(r: Reader, path: Path, key: str) -> list[_Map]:
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


def read_documents(r: Reader) -> dict[str, Document | None]:
    """The documents by id, with their texts; None for a document whose text could not be read (reported here):
    claims may name it, but their quotes cannot be looked up."""
    path = r.root / "documents.yaml"
    documents: dict[str, Document | None] = {}
    for m in _read_list(r, path, "documents"):
        r.unknown_keys(path, m, DOCUMENT_FIELDS + PROVENANCE_FIELDS)
        values = {k: r.text(path, m, k) for k in DOCUMENT_FIELDS}
        provenance = _provenance(r, path, m, values["id"])
        if None in values.values():
            continue
        text_path = r.root / values["path"]
        if not text_path.resolve().is_relative_to(r.root.resolve()):
            r.problem(path, m.lines["path"], "the document text must lie inside the claims folder", field="path")
            documents.setdefault(values["id"], None)
            continue
        if not text_path.is_file():
            r.problem(path, m.lines["path"], f"document text not found at {r.name(text_path)}", field="path")
            documents.setdefault(values["id"], None)
            continue
        data = text_path.read_bytes()
        r.digest.update(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            r.problem(
                path,
                m.lines["path"],
                f"document text {r.name(text_path)} is not UTF-8 (byte {exc.start}): save it as UTF-8",
                field="path",
            )
            documents.setdefault(values["id"], None)
            continue
        documents[values["id"]] = Document(
            values["id"],
            values["title"],
            values["path"],
            values["origin"],
            values["licence"],
            values["language"],
            hashlib.sha256(data).hexdigest(),
            text,
            **provenance,
        )
    return documents


def _provenance(r: Reader, path: Path, m: _Map, document_id: str | None) -> dict:
    """The optional provenance fields of a document (`PROVENANCE_FIELDS`), each None when absent or wrong (a
    wrong one is a problem, so the run stops; the document is still read, so its claims are checked)."""
    r.what = "document"
    try:
        url = r.text(path, m, "url", document_id, required=False)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
                r.problem(
                    path,
                    m.lines["url"],
                    "not a web address: write the full http:// or https:// address of the document",
                    document_id,
                    "url",
                )
                url = None
        dates = {k: _document_date(r, path, m, k, document_id) for k in ("retrieved", "published")}
        revision = r.text(path, m, "revision", document_id, required=False)
    finally:
        r.what = "claim"
    return {"url": url, "revision": revision, **dates}


def _document_date(r: Reader, path: Path, m: _Map, key: str, document_id: str | None) -> dt.date | None:
    """A date field of a document: YYYY-MM-DD, as YAML reads it or as quoted text."""
    value = m.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    r.problem(path, m.lines[key], "not a date: write the day as YYYY-MM-DD", document_id, key)
    return None


def read_sources(r: Reader, sides: set[str]) -> dict[str, Source]:
    """The sources by id; an affiliation must be one of `sides`."""
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
            r.problem(
                path,
                m.line,
                f"duplicate id: also defined at line {first_line[sid]} - give each source its own id",
                sid,
                "id",
            )
        if kind not in SOURCE_TYPES:
            r.problem(path, m.lines["type"], f"unknown type '{kind}' (one of: {', '.join(SOURCE_TYPES)})", sid, "type")
        if affiliation is not None and sides and affiliation not in sides:
            r.problem(
                path,
                m.lines["affiliation"],
                f"unknown side '{affiliation}': use a side from taxonomy.yaml or leave it out",
                sid,
                "affiliation",
            )
        sources[sid] = Source(sid, name, kind, affiliation, r.text(path, m, "notes", sid, required=False))
        first_line.setdefault(sid, m.line)
    r.what = "claim"
    return sources


def read_taxonomy(r: Reader) -> tuple[dict[str, Unit], list[Node]]:
    """The units by name and the nodes of the three hierarchies, parents before their children."""
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


def _walk_tree(
    r: Reader,
    path: Path,
    dimension: str,
    tree: _Map,
    parent: str | None,
    depth: int,
    out: list[Node],
    units: dict[str, Unit],
) -> None:
    for node_id, spec in tree.items():
        seen = {n.node_id for n in out if n.dimension == dimension}
        line = tree.lines[node_id]
        node_id = str(node_id)
        if spec is None:
            spec = _Map()
            spec.line, spec.lines = line, {}
        if not isinstance(spec, _Map):
            r.problem(path, line, f"expected a mapping with description, found {kind(spec)}", field=node_id)
            continue
        if not re.match(ID_PATTERN, node_id):
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
                r.problem(path, line, f"a metric needs a unit from units: ({', '.join(units)}); {found}", field=node_id)
        out.append(Node(dimension, node_id, parent, depth, str(spec.get("description") or ""), unit))
        children = spec.get("children")
        if children is not None:
            child_map = r.mapping(
                path, children, spec.lines.get("children", line), "a mapping of children", field=node_id
            )
            if child_map is not None:
                _walk_tree(r, path, dimension, child_map, node_id, depth + 1, out, units)


def read_qualifiers(r: Reader) -> dict[str, Qualifier]:
    """The qualifiers by name."""
    path = r.root / "qualifiers.yaml"
    data = r.read_yaml(path)
    top = r.mapping(path, data, 1, "a mapping with a 'qualifiers' mapping") if data else None
    table = r.mapping(path, top.get("qualifiers"), top.line, "a mapping of qualifiers") if top else None
    out: dict[str, Qualifier] = {}
    known = (
        "description",
        "input",
        "low",
        "high",
        "low_fixed",
        "high_fixed",
        "low_exclusive",
        "high_exclusive",
        "high_open",
    )
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
            str(name),
            str(spec.get("description") or ""),
            spec["input"],
            numbers["low"],
            numbers["low_fixed"],
            spec.get("low_exclusive") is True,
            None if open_high else numbers["high"],
            None if open_high else numbers["high_fixed"],
            spec.get("high_exclusive") is True,
            open_high,
        )
    return out


class Context:
    """The reference data a claim is checked against."""

    def __init__(self, documents, sources, units, nodes, qualifiers):
        self.documents: dict[str, Document | None] = documents
        self.sources: dict[str, Source] = sources
        self.qualifiers: dict[str, Qualifier] = qualifiers
        self.ids = {d: {n.node_id for n in nodes if n.dimension == d} for d in DIMENSIONS}
        self.metric_integer = {
            n.node_id: units[n.unit].integer for n in nodes if n.dimension == "metric" and n.unit in units
        }
