"""The discrepancy report, `reports/discrepancies.md`, rendered from a claimrec database.

Deterministic: it reads only claims, documents, quantities, checks and findings (never run times or ids) and
orders every list, so the same claims give a byte-identical file. Links to claim files and document texts are
written for the repository's layout, the report in `reports/` beside the claims folder (`../claims/...`), not
from wherever a run writes it, so they do not change with the folder either.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote as _percent

import duckdb
import polars as pl

from claimrec.model import format_number

REPORT_NAME = "discrepancies.md"
CHANGES_NAME = "changes.md"
VERSION_FIELDS = (
    "source_id",
    "document_id",
    "section",
    "quote",
    "metric",
    "side",
    "category",
    "subject",
    "period_start",
    "period_end",
    "as_of",
    "qualifier",
    "value",
    "stated_low",
    "stated_high",
    "revision",
    "notes",
)
FINDINGS_SHOWN = 200
"""Past this many findings the report is summarised: the first findings of each kind in full, the most
contested quantities, and counts; the database holds every one (`findings_with_quotes`)."""
PER_KIND_SHOWN = 20
ROWS_SHOWN = 500
"""Past this many rows the sums that hold and the bounds table are cut to their first rows."""


HEADER = (
    "Written from the claims alone: the same claims give this file byte for byte, so it carries no run id and"
    " no date (`changes.md` has them). Links to claim files and document texts are relative to `reports/`."
)


def _text(text: object) -> str:
    """Text from the claim files made inert in Markdown: no raw HTML, no link or image (brackets and
    backslashes are escaped), one line (so it cannot start a heading, a list or a table)."""
    if text is None:
        return ""
    text = str(text).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def _anchor(kind: str, name: str) -> str:
    """An anchor a link can point at (`#finding-F…`, `#bounds-<quantity id>`), written as inline HTML."""
    attribute = f"{kind}-{name}".replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<a id="{attribute.replace("|", "&#124;")}"></a>'


def _to(kind: str, name: str) -> str:
    """The link target of an anchor made by `_anchor`."""
    return "#" + _percent(f"{kind}-{name}", safe="/.-_~:")


def _link(text: object, target: str) -> str:
    """A Markdown link whose text is escaped like any claim text and whose target is percent-encoded (so that no
    bracket, parenthesis or space in it can end the link early)."""
    safe = "/#.-_~:?=&%+,;@!$*'"
    return f"[{_text(text)}]({_percent(target, safe=safe).replace('(', '%28').replace(')', '%29')})"


def _file_link(file: str, line: int | None = None) -> str:
    """A link to a file of the claims folder (`file` as claims hold it: from the claims folder's parent, such as
    `claims/nagorno-karabakh/10-fatalities-1988-1994.yaml`), relative to the report in `reports/`."""
    shown = f"{file}:{line}" if line else file
    return _link(shown, f"../{file}" + (f"#L{line}" if line else ""))


def _cell(text: object) -> str:
    """A value made safe for one Markdown table cell."""
    return _text(text).replace("|", "\\|")


def _rows(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> list[dict]:
    cursor = con.execute(query, parameters or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def render(con: duckdb.DuckDBPyConnection, counts: dict | None = None) -> str:
    """The whole report as Markdown text; `counts` are `summary_counts` and `check_counts` when the caller has
    them already (`write` counts once for both reports)."""
    out: list[str] = ["# Discrepancy report", "", HEADER, ""]
    counts = counts or summary_counts(con) | check_counts(con)
    out += _summary(con, counts)
    out += _documents(con)
    n_findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
    if n_findings > FINDINGS_SHOWN:
        out += _contested(con)
    bounds = _bounds_rows(con)
    findings, claims = _findings_shown(con, summarised=n_findings > FINDINGS_SHOWN)
    in_table = {r["quantity_id"] for r in bounds}
    out += _findings(findings, claims, in_table, summarised=n_findings > FINDINGS_SHOWN)
    out += _terms(con, findings, claims)
    out += _holding(con, counts)
    out += _bounds(bounds, findings)
    return "\n".join(out).rstrip("\n") + "\n"


def documents(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The documents claims quote from, by id, with their provenance (shared with `claimrec.report_html`)."""
    return _rows(
        con,
        """
        SELECT d.*, (SELECT split_part(file, '/', 1) FROM claims LIMIT 1) AS claims_folder,
               (SELECT count(*) FROM claims c WHERE c.document_id = d.document_id) AS n_claims
        FROM documents d WHERE document_id IN (SELECT document_id FROM claims) ORDER BY document_id
    """,
    )


def group_findings(findings: list[dict]) -> list[dict]:
    """Related findings together: those that involve the same sources over the same period (Wikipedia
    contradicting itself about the April 2016 clashes is one group), in the order of each group's first finding.
    Each finding needs `source_ids`, `period_start`, `period_end`, `period` and `claims` (with `source_name`); a
    group is `findings`, `period` and `sources` (the sources' names in words). Both reports group with this."""
    groups: dict[tuple, dict] = {}
    for f in findings:
        key = (tuple(sorted(set(f["source_ids"]))), f["period_start"], f["period_end"])
        group = groups.setdefault(key, {"findings": [], "period": f["period"], "sources": ""})
        group["findings"].append(f)
    for group in groups.values():
        names = {c["claim_id"]: c["source_name"] for f in group["findings"] for c in f["claims"]}
        sources = sorted(set(names.values()))
        group["sources"] = sources[0] if len(sources) == 1 else ", ".join(sources[:-1]) + " and " + sources[-1]
    return list(groups.values())


def check_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """How many relations were checked and how many hold, in one pass over `check_outcomes` (no words)."""
    return _rows(
        con,
        """
        SELECT count(*) AS checks, count(*) FILTER (outcome = 'consistent') AS holding,
               count(*) FILTER (outcome = 'consistent' AND kind = 'part_whole') AS pairs_holding,
               count(*) FILTER (outcome = 'consistent' AND kind <> 'part_whole') AS sums_holding
        FROM check_outcomes
    """,
    )[0]


def summary_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """The counts both reports open with: claims, the sources and documents they cite, quantities by status,
    findings (shared with `claimrec.report_html`)."""
    # sources and documents that have claims, found by lookup rather than by a DISTINCT over every claim
    return _rows(
        con,
        """
        SELECT (SELECT count(*) FROM claims) AS claims,
               (SELECT count(*) FROM sources WHERE source_id IN (SELECT source_id FROM claims)) AS sources,
               (SELECT count(*) FROM documents WHERE document_id IN (SELECT document_id FROM claims)) AS documents,
               (SELECT count(*) FROM quantities) AS quantities,
               (SELECT count(*) FROM quantities WHERE n_claims > 1) AS multi,
               (SELECT count(*) FROM quantities WHERE status = 'agreed') AS agreed,
               (SELECT count(*) FROM quantities WHERE status = 'contradicted') AS contradicted,
               (SELECT count(*) FROM findings) AS findings,
               (SELECT count(*) FROM findings WHERE same_source) AS same_source
    """,
    )[0]


def _summary(con: duckdb.DuckDBPyConnection, s: dict) -> list[str]:
    kinds = _rows(
        con,
        """
        SELECT kind, count(*) AS n, count(*) FILTER (certainty = 'definite') AS definite
        FROM findings GROUP BY kind
    """,
    )
    by_kind = {k["kind"]: k for k in kinds}
    lines = [
        "## Summary",
        "",
        f"- {s['claims']} claims from {s['sources']} sources in {s['documents']} document(s),"
        f" about {s['quantities']} distinct quantities.",
        f"- {s['multi']} quantities have more than one claim: {s['agreed']} agree (their claims share"
        f" a common range), {s['contradicted']} are contradicted.",
        f"- {s['findings']} findings, {s['same_source']} of them a source contradicting itself:",
        "",
        "| kind | findings | definite | possible |",
        "|---|---:|---:|---:|",
    ]
    for (kind,) in con.execute("SELECT kind FROM finding_kinds ORDER BY position").fetchall():
        k = by_kind.get(kind, {"n": 0, "definite": 0})
        lines.append(f"| {kind} | {k['n']} | {k['definite']} | {k['n'] - k['definite']} |")
    lines += [
        "",
        f"- {s['checks']} part/whole and sum relations checked, {s['holding']} of them hold.",
        "",
        "Each claim is read as an interval of values it allows (see `claims/qualifiers.yaml`):"
        ' "at least 541" allows 541 or more, "approximately 20" allows 18–22. Two claims about the same'
        " quantity contradict each other when their intervals do not overlap; a part (a side within a side,"
        " a category within a category, a period within a period) contradicts its whole when it is above it."
        " A contradiction is *definite* when it holds whichever claims are believed, *possible* when it"
        " depends on which claims of a quantity are believed.",
        "",
    ]
    return lines


def _contested(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The quantities with the most findings (summarised reports only)."""
    rows = _rows(
        con,
        f"""
        SELECT q.label, q.n_claims, q.n_sources, count(*) AS findings, max(f.margin) AS margin
        FROM findings f JOIN quantities q USING (quantity_id)
        GROUP BY q.quantity_id, q.label, q.n_claims, q.n_sources
        ORDER BY findings DESC, margin DESC, q.quantity_id
        LIMIT {PER_KIND_SHOWN}
    """,
    )
    lines = [
        "## Most contested quantities",
        "",
        "| quantity | findings | claims | sources | widest margin |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {_cell(r['label'])} | {r['findings']} | {r['n_claims']} | {r['n_sources']} | {format_number(r['margin'])} |"
        for r in rows
    ]
    return lines + [""]


def _documents(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Where the claims' documents come from: title, address, revision, dates, text file."""
    lines = ["## Documents", ""]
    for d in documents(con):
        address = _link(d["url"], d["url"]) if d["url"] else "no web address given"
        text_file = f"{d['claims_folder']}/{d['path']}"
        details = [
            address,
            f"revision {_text(d['revision'])}" if d["revision"] else "no revision recorded",
            f"retrieved {d['retrieved']}" if d["retrieved"] else "date retrieved not recorded",
        ]
        if d["published"]:
            details.append(f"published {d['published']}")
        lines += [
            f"- **{_text(d['title'])}** (`{d['document_id']}`, {d['n_claims']} claims): {', '.join(details)}."
            f" Text: {_file_link(text_file)}. {_text(d['origin'])}; {_text(d['licence'])}.",
        ]
    return lines + [""]


def _findings_shown(con: duckdb.DuckDBPyConnection, summarised: bool) -> tuple[list[dict], dict[str, dict]]:
    """The findings the report shows (the first of each kind when summarised), in the order of both reports, and
    the claims they name, by id, with their sources, figures and documents."""
    findings = _rows(
        con,
        f"""
        SELECT * FROM (
            SELECT f.*, q.label, q.period_start, q.period_end, k.position AS kind_position,
                   claimrec_period(q.period_start, q.period_end) AS period,
                   row_number() OVER (PARTITION BY f.kind ORDER BY k.position, f.certainty, f.quantity_id,
                                                                   f.margin DESC, f.finding_id) AS rank_in_kind,
                   count(*) OVER (PARTITION BY f.kind) AS of_kind
            FROM findings f JOIN quantities q USING (quantity_id) JOIN finding_kinds k USING (kind)
        ) f
        WHERE rank_in_kind <= {PER_KIND_SHOWN if summarised else "of_kind"}
        ORDER BY f.kind_position, f.certainty, f.quantity_id, f.margin DESC, f.finding_id
    """,
    )
    shown = pl.DataFrame(
        {"claim_id": sorted({c for f in findings for c in f["claim_ids"]})}, schema={"claim_id": pl.String}
    )
    con.register("shown_findings", shown)
    try:
        claims = {
            c["claim_id"]: c
            for c in _rows(
                con,
                """
                SELECT c.*, s.name AS source_name, s.type AS source_type, s.affiliation, q.label,
                       q.metric AS q_metric, q.side AS q_side, q.category AS q_category,
                       d.title AS document_title, d.url AS document_url, d.path AS document_path,
                       claimrec_figure(c.qualifier, c.value, c.stated_low, c.stated_high) AS figure,
                       claimrec_interval(c.low, c.high) AS interval
                FROM claims c JOIN sources s USING (source_id) JOIN quantities q USING (quantity_id)
                    LEFT JOIN documents d USING (document_id)
                WHERE c.claim_id IN (SELECT claim_id FROM shown_findings)
            """,
            )
        }
    finally:
        con.unregister("shown_findings")
    for f in findings:
        f["claims"] = [claims[c] for c in f["claim_ids"]]
    return findings, claims


def _findings(findings: list[dict], claims: dict[str, dict], in_table: set[str], summarised: bool) -> list[str]:
    """The findings, grouped as in the HTML report (`group_findings`), each with an anchor, a link to its
    quantity's row of the bounds table, and its claims with their quotes, notes, documents and files."""
    lines = ["## Findings", ""]
    if not findings:
        return lines + ["No contradictions found.", ""]
    if summarised:
        lines += [
            f"The first {PER_KIND_SHOWN} findings of each kind; the `findings_with_quotes` view lists all of"
            " them with their quotes.",
            "",
        ]
    lines += [
        "Findings that involve the same sources over the same period are grouped. Each claim links to the line"
        " of its claim file and to its document; its notes say how the figure was read.",
        "",
    ]
    number = 0
    for group in group_findings(findings):
        count = len(group["findings"])
        related = f" ({count} related findings)" if count > 1 else ""
        lines += [f"### {_text(group['sources'])} — {_text(group['period'])}{related}", ""]
        for f in group["findings"]:
            number += 1
            f["number"] = number
            scope = "within one source" if f["same_source"] else "across sources"
            row = (
                f", {_link('its row in the bounds table', _to('bounds', f['quantity_id']))}"
                if f["quantity_id"] in in_table
                else ""
            )
            lines += [
                _anchor("finding", f["finding_id"]),
                f"#### {number}. {f['kind']} ({f['certainty']}): {_text(f['label'])}",
                "",
                f"`{f['finding_id']}`, {scope}{row}. {_text(f['message'])}",
                "",
            ]
            for claim_id in f["claim_ids"]:
                lines += _claim(claims[claim_id], f, in_table)
            lines.append("")
    return lines


def _claim(c: dict, f: dict, in_table: set[str]) -> list[str]:
    """One claim of a finding: source, figure, how it was read, where it is; its quote and its notes."""
    side = f", {_text(c['affiliation'])}" if c["affiliation"] else ""
    about = ""
    if c["quantity_id"] != f["quantity_id"]:
        label = (
            _link(c["label"], _to("bounds", c["quantity_id"])) if c["quantity_id"] in in_table else _text(c["label"])
        )
        about = f" for {label}"
    if c["document_url"]:
        document = _link(c["document_title"], c["document_url"])
    elif c["document_path"]:
        document = _link(c["document_title"], f"../{c['file'].split('/')[0]}/{c['document_path']}")
    else:
        document = _text(c["document_id"])
    section = f", {_text(c['section'])}" if c["section"] else ""
    lines = [
        f"- **{_text(c['source_name'])}** ({_text(c['source_type'])}{side}): {_text(c['figure'])}{about}, read as"
        f" {_text(c['interval'])} — claim `{c['claim_id']}`, {document}{section} ({_file_link(c['file'], c['line'])})",
        f"  > {_text(c['quote'])}",
    ]
    if c["notes"]:
        lines.append(f"  - notes: {_text(c['notes'])}")
    return lines


def _terms(con: duckdb.DuckDBPyConnection, findings: list[dict], claims: dict[str, dict]) -> list[str]:
    """What the metrics, sides and categories the findings name mean, from the taxonomy's descriptions (the
    labels of quantities are made of their ids)."""
    if not findings:
        return []
    named = {("metric", c["q_metric"]) for c in claims.values()}
    named |= {("side", c["q_side"]) for c in claims.values()}
    named |= {("side", c["affiliation"]) for c in claims.values() if c["affiliation"]}
    named |= {("category", c["q_category"]) for c in claims.values()}
    rows = _rows(
        con,
        """
        SELECT t.dimension, t.node_id, t.description FROM taxonomy t
        JOIN (SELECT unnest($1::VARCHAR[]) AS dimension, unnest($2::VARCHAR[]) AS node_id) n USING (dimension, node_id)
        WHERE t.description <> ''
        ORDER BY CASE t.dimension WHEN 'metric' THEN 0 WHEN 'side' THEN 1 ELSE 2 END, t.node_id
    """,
        [[d for d, _ in sorted(named)], [n for _, n in sorted(named)]],
    )
    if not rows:
        return []
    lines = [
        "## Terms",
        "",
        "The metrics, sides and categories these findings name, as `taxonomy.yaml` describes them:",
        "",
    ]
    lines += [f"- `{r['node_id']}` ({r['dimension']}): {_text(r['description'])}" for r in rows]
    return lines + [""]


def _holding(con: duckdb.DuckDBPyConnection, checks: dict) -> list[str]:
    # The first sums are chosen without words, in the order of the wholes' ids (which `whole_key` follows). Only
    # the range of wholes they span is then worded: a range of ids reaches the stored tables as a filter.
    pairs, total = checks["pairs_holding"], checks["sums_holding"]
    shown = con.execute(f"""
        SELECT kind, whole_quantity_id FROM check_outcomes
        WHERE outcome = 'consistent' AND kind IN ('cover_sum', 'parts_sum')
        ORDER BY kind, whole_key LIMIT {ROWS_SHOWN}
    """).fetchall()
    sums = []
    for kind in sorted({kind for kind, _ in shown}):
        wholes = {whole for k, whole in shown if k == kind}
        worded = con.execute(
            """
            SELECT whole_quantity_id, message FROM checks
            WHERE kind = ? AND outcome = 'consistent' AND whole_quantity_id BETWEEN ? AND ?
            ORDER BY whole_quantity_id
        """,
            [kind, min(wholes), max(wholes)],
        ).fetchall()
        sums += [{"message": message} for whole, message in worded if whole in wholes]
    lines = [
        "## Relations that hold",
        "",
        f"{pairs} part/whole pairs hold: no claim on the part is above a claim on its whole"
        " (the `checks` view lists each). Sums of parts that hold:",
        "",
    ]
    lines += [f"- {_text(r['message'])}" for r in sums] or ["- none"]
    if total > len(sums):
        lines.append(f"- … and {total - len(sums):,} more (the `checks` view lists each).")
    return lines + [""]


def _bounds_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    # the first rows are chosen on the numbers, then worded (wording every quantity would cost more than the rest)
    return _rows(
        con,
        f"""
        SELECT quantity_id, label, unit, n_claims, n_sources, status, total,
               claimrec_interval(widest_low, widest_high) AS widest,
               CASE WHEN consensus_low IS NULL THEN 'none' ELSE claimrec_interval(consensus_low, consensus_high) END AS consensus,
               claimrec_interval(implied_low, implied_high) AS implied
        FROM (
            SELECT *, count(*) OVER () AS total
            FROM quantities
            WHERE n_claims > 1 OR implied_low > chosen_low OR implied_high < chosen_high
               OR (chosen_high IS NULL AND implied_high IS NOT NULL)
            ORDER BY CASE WHEN total > {ROWS_SHOWN} THEN status <> 'contradicted' END, quantity_id
            LIMIT {ROWS_SHOWN}
        )
        ORDER BY CASE WHEN total > {ROWS_SHOWN} THEN status <> 'contradicted' END, quantity_id
    """,
    )


def _bounds(rows: list[dict], findings: list[dict]) -> list[str]:
    lines = [
        "## Bounds",
        "",
        "Every quantity with more than one claim, or whose parts or wholes narrow what its own claims say."
        " Widest: from the lowest to the highest value any claim allows. Consensus: the range every claim"
        " allows (none when they do not all meet). Implied: the range its parts and wholes allow (parts"
        " add up to at least the low; parts that cover it, or a whole containing it, cap the high)."
        " Findings: the findings above about the quantity, by number.",
        "",
        "| quantity | unit | claims | sources | widest | consensus | implied | status | findings |",
        "|---|---|---:|---:|---|---|---|---|---|",
    ]
    if rows and rows[0]["total"] > len(rows):
        lines[4:4] = [
            f"The first {len(rows):,} of {rows[0]['total']:,} such quantities, contradicted ones first;"
            " the `quantity_bounds` view lists all of them.",
            "",
        ]
    about: dict[str, list[dict]] = {}
    for f in sorted(findings, key=lambda f: f["number"]):
        about.setdefault(f["quantity_id"], []).append(f)
    for r in rows:
        links = " ".join(
            _link(f"#{f['number']}", _to("finding", f["finding_id"])) for f in about.get(r["quantity_id"], [])
        )
        lines.append(
            f"| {_anchor('bounds', r['quantity_id'])}{_cell(r['label'])} | {_cell(r['unit'])} | {r['n_claims']} |"
            f" {r['n_sources']} | {_cell(r['widest'])} | {_cell(r['consensus'])} | {_cell(r['implied'])} |"
            f" {r['status']} | {links} |"
        )
    return lines + [""]


def render_changes(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """What run `run_id` changed: claims added, changed and retired; findings new and resolved.

    Unlike the discrepancy report this depends on the history, not only on the claims, so it is a
    file of its own."""
    started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone() or _id_time(run_id)
    previous = con.execute(
        "SELECT run_id, started_at FROM runs WHERE run_id <> ? ORDER BY started_at DESC, run_id DESC LIMIT 1",
        [run_id],
    ).fetchone()
    this_run = f"Run `{run_id}`" + (f" (started {_when(started[0])})" if started else "")
    out = ["# Changes since the previous run", ""]
    if previous is None:
        claims, findings = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("claims", "findings"))
        return "\n".join(
            out
            + [
                f"{this_run} is the first run of this database: its {claims} claims and"
                f" {findings} findings are recorded as new.",
                "",
            ]
        )
    out += [f"{this_run}, compared with run `{previous[0]}` (started {_when(previous[1])}).", ""]
    versions = _versions(con, run_id)
    by_claim: dict[str, dict] = {}
    for v in versions:
        by_claim.setdefault(v["claim_id"], {})["new" if v["is_new"] else "old"] = v
    added = [c for c, v in by_claim.items() if "old" not in v]
    retired = [c for c, v in by_claim.items() if "new" not in v]
    changed = [c for c, v in by_claim.items() if "old" in v and "new" in v]
    if by_claim:
        out += [f"## Claims: {len(added)} added, {len(changed)} changed, {len(retired)} retired", ""]
        out += [f"- added `{c}`: {_text(_version_text(by_claim[c]['new']))}" for c in added]
        for c in changed:
            old, new = by_claim[c]["old"], by_claim[c]["new"]
            diffs = [f"{f} {_value(old[f])} → {_value(new[f])}" for f in VERSION_FIELDS if old[f] != new[f]]
            out.append(f"- changed `{c}` (version {old['version']} → {new['version']}): {_text('; '.join(diffs))}")
        out += [f"- retired `{c}`: {_text(_version_text(by_claim[c]['old']))}" for c in retired]
        out.append("")
    history = _rows(
        con,
        """
        SELECT kind, certainty, message, first_run = $1 AS is_new FROM finding_history
        WHERE first_run = $1 OR resolved_run = $1 ORDER BY kind, quantity_id, finding_id
    """,
        [run_id],
    )
    new = [h for h in history if h["is_new"]]
    resolved = [h for h in history if not h["is_new"]]
    renamed = con.execute("SELECT count(*) FROM finding_history WHERE renamed_in_run = ?", [run_id]).fetchone()[0]
    if history or renamed:
        out += [f"## Findings: {len(new)} new, {len(resolved)} resolved", ""]
        if renamed:
            out += [
                f"- {renamed} standing findings recorded under 12-digit ids now have 16-digit ids: the same"
                " findings, not new ones (`finding_history.renamed_from` keeps each old id)."
            ]
        out += [f"- new {h['kind']} ({h['certainty']}): {_text(h['message'])}" for h in new]
        out += [f"- resolved {h['kind']}: {_text(h['message'])}" for h in resolved]
    if not by_claim and not history and not renamed:
        out.append("No claim and no finding changed.")
    return "\n".join(out).rstrip("\n") + "\n"


def _id_time(run_id: str) -> tuple[dt.datetime] | None:
    """The start time a run id carries (`20261202T121913-0f0bb626`: `pipeline.new_run` names a run after it), for
    a run being reported before it is recorded in `runs`; None for an id of another shape."""
    match = re.match(r"(\d{8}T\d{6})-", run_id)
    return (dt.datetime.strptime(match[1], "%Y%m%dT%H%M%S"),) if match else None


def _when(started: object) -> str:
    """A run's start time as `changes.md` shows it: to the second, in UTC (as `runs.started_at` holds it)."""
    return f"{started:%Y-%m-%d %H:%M:%S} UTC" if hasattr(started, "strftime") else str(started)


def _versions(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    return _rows(
        con,
        f"""
        SELECT claim_id, version, valid_from_run = $1 AS is_new, {", ".join(VERSION_FIELDS)} FROM claim_versions
        WHERE valid_from_run = $1 OR valid_to_run = $1 ORDER BY claim_id, version
    """,
        [run_id],
    )


def _value(value: object) -> str:
    if isinstance(value, float):
        return format_number(value)
    return "none" if value is None else repr(str(value)) if isinstance(value, str) and " " in value else str(value)


def _version_text(v: dict) -> str:
    figure = (
        format_number(v["value"])
        if v["value"] is not None
        else (
            f"{format_number(v['stated_low'])}–{format_number(v['stated_high'])}" if v["stated_low"] is not None else ""
        )
    )
    return (
        f"{v['metric']}, {v['side']}, {v['category']}, {v['period_start']} – {v['period_end']}: {v['qualifier']}"
        + (f" {figure}" if figure else "")
        + f" ({v['source_id']})"
    )


def write(con: duckdb.DuckDBPyConnection, directory: Path, run_id: str | None = None) -> list[Path]:
    """Render every report into `directory` (`discrepancies.md`, `index.html`, `changes.md`); the changes report is
    for `run_id` (default: the latest run)."""
    from claimrec import report_charts, report_html  # here: report_html imports this module

    directory.mkdir(parents=True, exist_ok=True)
    charts = report_charts.warm_up()  # the chart renderer starts while the Markdown report is written
    counts = summary_counts(con) | check_counts(con)
    path = directory / REPORT_NAME
    path.write_text(render(con, counts), encoding="utf-8")
    charts.join()
    written = [path, report_html.write_html(con, directory, counts)]
    if run_id is None:
        latest = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1").fetchone()
        run_id = latest[0] if latest else None
    if run_id is not None:
        changes = directory / CHANGES_NAME
        changes.write_text(render_changes(con, run_id), encoding="utf-8")
        written.append(changes)
    return written
