"""Read a claims folder into a checked `ClaimSet`, collecting every problem before raising once.

The folder holds four reference files (documents, sources, taxonomy, qualifiers), any number of YAML claim
files (`**/*.yaml`) and claim tables (`**/*.parquet`, `**/*.csv`). Both kinds of claim file become rows
that go through the same checks (`claimrec.ingest.rules`), so a wrong value gets the same message wherever
it was written. Each problem names the file, the line, the claim and the field:

    claims/war.yaml:14: claim az-2020: low: 3,825 is above high 2,906 - swap them
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from claimrec.errors import InputError, Problem
from claimrec.ingest import references, rules, tables, yaml_reader
from claimrec.model import CLAIM_FIELDS, CLAIM_SCHEMA, ID_PATTERN, ClaimSet

REFERENCE_FILES = references.REFERENCE_FILES
NOT_CLAIMS = ("planted.parquet",)
"""Files a claims folder may hold that are not claims: the planted contradictions of `claimrec synth`."""
MAX_FILE_BYTES = yaml_reader.MAX_FILE_BYTES
__all__ = ["CLAIM_FIELDS", "ID_PATTERN", "MAX_FILE_BYTES", "NOT_CLAIMS", "REFERENCE_FILES", "load_claims"]


def load_claims(claims_dir: Path | str) -> ClaimSet:
    """Read and check every file of a claims folder; raise `InputError` listing all problems."""
    root = Path(claims_dir)
    if not root.is_dir():
        raise InputError([Problem(str(root), 0, None, None, "claims folder not found")])
    r = yaml_reader.Reader(root)
    documents = references.read_documents(r)
    units, nodes = references.read_taxonomy(r)
    sources = references.read_sources(r, {n.node_id for n in nodes if n.dimension == "side"})
    qualifiers = references.read_qualifiers(r)
    claim_files = sorted(
        p
        for p in root.rglob("*.y*ml")
        if p.suffix in (".yaml", ".yml") and p.relative_to(root).as_posix() not in REFERENCE_FILES
    )
    table_files = sorted(
        p
        for p in root.rglob("*")
        if p.suffix in tables.TABLE_SUFFIXES and p.relative_to(root).as_posix() not in NOT_CLAIMS
    )
    if not claim_files and not table_files:
        r.problem(
            root / "claims.yaml",
            0,
            "no claim files: add at least one *.yaml file of claims (or a Parquet or CSV claim table)",
        )
    context = references.Context(documents, sources, units, nodes, qualifiers)
    claim_rows = yaml_reader.ClaimRows()
    for path in claim_files:
        yaml_reader.read_claim_file(r, path, claim_rows)
    yaml_ok = _check_yaml_claims(r, claim_rows, context)
    table_frames = tables.read_tables(r, table_files, context)
    rules.check_duplicates(r, [(yaml_ok, rules.YAML), *((frame, rules.TABLE) for frame in table_frames)])
    if r.problems:
        raise InputError(r.problems)
    if not table_files:
        table_claims = None
    elif not table_frames:
        table_claims = pl.DataFrame(schema=CLAIM_SCHEMA)
    else:
        # The chunks stay as read (a Parquet row group, a CSV batch each): joining them into one would copy every
        # column, and DuckDB loads a chunked frame on all its threads. Each table is chunked alike in every column
        # (`tables`), so the tables put together are too.
        table_claims = (
            pl.concat(table_frames, how="vertical", rechunk=False) if len(table_frames) > 1 else table_frames[0]
        )
    return ClaimSet(
        documents=tuple(d for d in documents.values() if d is not None),
        sources=tuple(sources.values()),
        units=tuple(units.values()),
        nodes=tuple(nodes),
        qualifiers=tuple(qualifiers.values()),
        claims=tuple(sorted(claim_rows.claims(), key=lambda c: c.claim_id)),
        digest=r.digest.hexdigest(),
        table_claims=table_claims,
    )


def _check_yaml_claims(r: yaml_reader.Reader, claim_rows: yaml_reader.ClaimRows, context) -> pl.DataFrame:
    """Check the YAML claims' values; their ids, files and lines of those without a problem (for the duplicate
    check across all files)."""
    rows = rules.Rows(r, claim_rows.frame(), rules.YAML)
    rules.check_claims(rows, context)
    ok = rows.frame.filter("_ok") if "_ok" in rows.frame.columns else rows.frame
    return ok.select("claim_id", "file", "line")
