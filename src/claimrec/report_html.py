"""The HTML report, `reports/index.html`: the discrepancy report with an interval chart for every contested
quantity, the findings side by side, and sortable tables of the claims and the quantities.

One self-contained file: the charts are inline SVG drawn by Vega-Lite (`claimrec.report_charts`), the style
sheet and the small script (hover text, sorting, filtering) are inline, and nothing is fetched, so it opens
offline from disk. Deterministic like `discrepancies.md`: it reads only what the claims decide (no run id,
no time), orders every list, and gives a byte-identical file for the same claims. The run id and date live
in `changes.md` and the `runs` table instead, so a second run over the same claims leaves this file as it was.

Every piece of text from claim files is escaped on the way in: the template escapes every value
(autoescape), Vega-Lite escapes what it writes into the SVG, and no claim text is put into a script.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from claimrec import report_charts
from claimrec.model import format_number
from claimrec.report import (
    FINDINGS_SHOWN,
    PER_KIND_SHOWN,
    _rows,
    check_counts,
    documents,
    group_findings,
    summary_counts,
)

HTML_NAME = "index.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CHARTS_SHOWN = 12
"""Past this many contested quantities only the most contested get a chart (drawing one takes a moment)."""
BARS_SHOWN = 30
"""Past this many claims a chart shows the claims of its findings first, then the lowest others."""
TABLE_ROWS = 2000
"""Past this many claims (or quantities) the tables list the ones the page links to (or the contested ones
first), and say how many the database holds."""

_CLAIM_COLUMNS = """
    c.claim_id, c.quantity_id, c.section, c.document_id, c.quote, c.notes, c.file, c.line, c.low, c.high,
    s.name AS source_name, s.type AS source_type, s.affiliation,
    claimrec_figure(c.qualifier, c.value, c.stated_low, c.stated_high) AS figure,
    claimrec_interval(c.low, c.high) AS interval
"""


def write_html(con: duckdb.DuckDBPyConnection, directory: Path, counts: dict | None = None) -> Path:
    """Render the HTML report into `directory` and return its path (`counts` as for `render_html`)."""
    path = directory / HTML_NAME
    path.write_text(render_html(con, counts), encoding="utf-8", newline="\n")
    return path


def render_html(con: duckdb.DuckDBPyConnection, counts: dict | None = None) -> str:
    """The whole HTML report as text; `counts` are `report.summary_counts` and `report.check_counts` when the
    caller has them already."""
    types = [t for (t,) in con.execute("SELECT DISTINCT type FROM sources ORDER BY type").fetchall()]
    colours = dict(zip(types, report_charts.type_colours(types), strict=True))
    n_findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
    findings = _findings(con, summarised=n_findings > FINDINGS_SHOWN)
    contested = _contested(con)
    claims = _claims(
        con, findings + [f for q in contested for f in q["findings"]], [q["quantity_id"] for q in contested]
    )
    shown_findings = {f["finding_id"] for f in findings}
    for q in contested:
        q["chart"], q["bars"] = _chart(q, claims, types)
        q["finding_links"] = [f for f in q["findings"] if f["finding_id"] in shown_findings]
    charted = {q["quantity_id"] for q in contested}
    for f in findings:
        f["claims"] = [claims[c] for c in f["claim_ids"]]
    table_claims = _table_claims(con, claims, shown_findings)
    quantities, n_quantities = _quantities(con, {c["quantity_id"] for c in table_claims})
    page = {
        "summary": counts or summary_counts(con) | check_counts(con),
        "kinds": _kinds(con),
        "n_contested": con.execute("SELECT count(*) FROM contested_quantities").fetchone()[0],
        "contested": contested,
        "groups": group_findings(findings),
        "documents": documents(con),
        "n_findings": n_findings,
        "findings_summarised": n_findings > FINDINGS_SHOWN,
        "per_kind": PER_KIND_SHOWN,
        "table_claims": table_claims,
        "n_claims": con.execute("SELECT count(*) FROM claims").fetchone()[0],
        "quantities": quantities,
        "n_quantities": n_quantities,
        "charted": charted,
        "colours": colours,
        "css": Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        "js": Markup((TEMPLATES / "report.js").read_text(encoding="utf-8")),
    }
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = lambda x: "" if x is None else format_number(x)
    return env.get_template("report.html.j2").render(page)


def _kinds(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every kind of finding (from `finding_kinds`, in its order), with how many findings of it are definite."""
    return _rows(
        con,
        """
        SELECT k.kind, k.description, count(f.finding_id) AS n,
               count(f.finding_id) FILTER (f.certainty = 'definite') AS definite
        FROM finding_kinds k LEFT JOIN findings f USING (kind)
        GROUP BY k.kind, k.description, k.position ORDER BY k.position
    """,
    )


def _findings(con: duckdb.DuckDBPyConnection, summarised: bool) -> list[dict]:
    """The findings shown, in the order of the Markdown report (the first of each kind when summarised)."""
    return _rows(
        con,
        f"""
        SELECT * FROM (
            SELECT f.finding_id, f.kind, f.certainty, f.quantity_id, f.claim_ids, f.source_ids, f.same_source,
                   f.margin, f.message, q.label, q.period_start, q.period_end, k.position AS kind_position,
                   claimrec_period(q.period_start, q.period_end) AS period,
                   row_number() OVER (PARTITION BY f.kind ORDER BY f.certainty, f.quantity_id, f.margin DESC,
                                                                   f.finding_id) AS rank_in_kind,
                   count(*) OVER (PARTITION BY f.kind) AS of_kind
            FROM findings f JOIN quantities q USING (quantity_id) JOIN finding_kinds k USING (kind)
        )
        WHERE rank_in_kind <= {PER_KIND_SHOWN if summarised else "of_kind"}
        ORDER BY kind_position, certainty, quantity_id, margin DESC, finding_id
    """,
    )


def _contested(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The contested quantities that get a chart (the first `CHARTS_SHOWN` when there are more), those with the most
    findings first, then by id; each with its findings."""
    rows = _rows(
        con,
        f"""
        SELECT cq.quantity_id, cq.label, cq.unit, cq.n_claims, cq.n_sources, cq.status, cq.widest, cq.implied,
               cq.n_findings, q.consensus_low, q.consensus_high, q.implied_low, q.implied_high,
               CASE WHEN q.consensus_low IS NULL THEN 'none'
                    ELSE claimrec_interval(q.consensus_low, q.consensus_high) END AS consensus
        FROM contested_quantities cq JOIN quantities q USING (quantity_id)
        ORDER BY cq.n_findings DESC, cq.quantity_id LIMIT {CHARTS_SHOWN}
    """,
    )
    rows.sort(key=lambda r: (-r["n_findings"], r["quantity_id"]))
    ids = [r["quantity_id"] for r in rows]
    findings = _rows(
        con,
        """
        SELECT quantity_id, finding_id, kind, certainty, claim_ids FROM findings
        WHERE quantity_id IN (SELECT unnest($1::VARCHAR[])) ORDER BY quantity_id, finding_id
    """,
        [ids],
    )
    for r in rows:
        r["findings"] = [f for f in findings if f["quantity_id"] == r["quantity_id"]]
    return rows


def _claims(con: duckdb.DuckDBPyConnection, findings: list[dict], charted: list[str]) -> dict[str, dict]:
    """The claims the page shows, by id, with their sources and figures in words: those the findings name, and
    the first `BARS_SHOWN` of each charted quantity (lowest first). Each lookup touches only the few claims and
    quantities wanted (the quantities' labels are read apart, not joined to every claim)."""
    named = sorted({c for f in findings for c in f["claim_ids"]})
    rows = _rows(
        con,
        f"""
        SELECT * FROM (
            SELECT {_CLAIM_COLUMNS},
                   row_number() OVER (PARTITION BY c.quantity_id ORDER BY c.low, c.high, c.claim_id) AS rank_in_quantity
            FROM claims c JOIN sources s USING (source_id)
            WHERE c.quantity_id IN (SELECT unnest($1::VARCHAR[]))
        ) WHERE rank_in_quantity <= {BARS_SHOWN}
        UNION ALL
        SELECT {_CLAIM_COLUMNS}, NULL AS rank_in_quantity
        FROM claims c JOIN sources s USING (source_id)
        WHERE c.claim_id IN (SELECT unnest($2::VARCHAR[]))
    """,
        [sorted(charted), named],
    )
    labels = dict(
        con.execute(
            """
        SELECT quantity_id, label FROM quantities WHERE quantity_id IN (SELECT unnest($1::VARCHAR[]))
    """,
            [sorted({r["quantity_id"] for r in rows})],
        ).fetchall()
    )
    claims: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (r["claim_id"], r["rank_in_quantity"] is None)):
        claims.setdefault(r["claim_id"], r | {"label": labels[r["quantity_id"]]})
    return claims


def _bars(q: dict, claims: dict[str, dict]) -> list[str]:
    """The claims a quantity's chart shows: its own claims its findings name, its other claims, then the claims
    of other quantities its findings name; at most `BARS_SHOWN`."""
    named = [c for f in q["findings"] for c in f["claim_ids"]]
    own = sorted(
        (c for c in claims.values() if c["quantity_id"] == q["quantity_id"]),
        key=lambda c: (c["low"], c["high"] is None, c["high"] or 0, c["claim_id"]),
    )
    mine = [c["claim_id"] for c in own]
    bars = [c for c in mine if c in named] + [c for c in mine if c not in named] + named
    return list(dict.fromkeys(bars))[:BARS_SHOWN]


def _chart(q: dict, claims: dict[str, dict], types: list[str]) -> tuple[Markup, list[dict]]:
    """The interval chart of a contested quantity (SVG) and the claims it shows, in the order of its rows."""
    bars = [claims[c] | {"part": None} for c in _bars(q, claims)]  # copies: a claim is a part on some charts only
    own = [b for b in bars if b["quantity_id"] == q["quantity_id"]]
    own.sort(key=lambda b: (b["low"], b["high"] is None, b["high"] or 0, b["claim_id"]))
    parts = [b for b in bars if b["quantity_id"] != q["quantity_id"]]
    parts.sort(key=lambda b: (b["quantity_id"], b["low"], b["high"] is None, b["high"] or 0, b["claim_id"]))
    bars = own + parts
    labels = []
    for b in bars:
        second = b["figure"]
        if b["quantity_id"] != q["quantity_id"]:
            b["part"] = _difference(q["label"], b["label"])
            second += f" · part: {b['part']}"
        labels.append([b["source_name"], second])
    for extra in ("section", "claim_id"):
        seen: dict[str, int] = {}
        for lines in labels:
            seen["\n".join(lines)] = seen.get("\n".join(lines), 0) + 1
        for b, lines in zip(bars, labels, strict=True):
            if seen["\n".join(lines)] > 1:
                lines[1] += f" · {b[extra] or b['document_id']}"
    chart_bars = []
    for b, lines in zip(bars, labels, strict=True):
        about = f" for {b['label']}" if b["part"] else ""
        hover = f"{b['source_name']}: {b['figure']}{about}, read as {b['interval']}. “{b['quote']}”"
        chart_bars.append(report_charts.Bar("\n".join(lines), b["low"], b["high"], b["source_type"], hover))
    consensus = (q["consensus_low"], q["consensus_high"]) if q["consensus_low"] is not None else (None, None)
    bands = {"consensus": consensus, "implied": (q["implied_low"], q["implied_high"])}
    spec = report_charts.interval_spec(chart_bars, bands, q["unit"], types)
    return Markup(report_charts.render_svg(spec)), bars


def _difference(whole: str, part: str) -> str:
    """What sets a part apart from its whole, from their labels: `armenian`, `1994–2016`."""
    w, p = whole.split(", "), part.split(", ")
    if len(w) != len(p):
        return part
    return ", ".join(x for x, y in zip(p, w, strict=True) if x != y) or part


def _table_claims(con: duckdb.DuckDBPyConnection, linked: dict[str, dict], shown_findings: set[str]) -> list[dict]:
    """The rows of the claims table: every claim, or past `TABLE_ROWS` the ones the page links to (`linked`, read
    already); each with the shown findings that name it."""
    total = con.execute("SELECT count(*) FROM claims").fetchone()[0]
    if total > TABLE_ROWS:
        rows = [dict(c) for _, c in sorted(linked.items())]
    else:
        rows = _rows(
            con,
            f"""
            SELECT {_CLAIM_COLUMNS}, q.label
            FROM claims c JOIN sources s USING (source_id) JOIN quantities q USING (quantity_id)
            ORDER BY c.claim_id
        """,
        )
    named = _rows(
        con,
        """
        SELECT claim_id, list(finding_id ORDER BY finding_id) AS finding_ids
        FROM (SELECT unnest(claim_ids) AS claim_id, finding_id FROM findings
              WHERE finding_id IN (SELECT unnest($1::VARCHAR[])))
        GROUP BY claim_id
    """,
        [sorted(shown_findings)],
    )
    by_claim = {r["claim_id"]: r["finding_ids"] for r in named}
    for r in rows:
        r["finding_ids"] = by_claim.get(r["claim_id"], [])
    return rows


def _quantities(con: duckdb.DuckDBPyConnection, linked: set[str]) -> tuple[list[dict], int]:
    """The rows of the quantities table and how many quantities there are: every quantity, or past `TABLE_ROWS`
    the contested ones and those the page links to (`linked`) first."""
    total = con.execute("SELECT count(*) FROM quantities").fetchone()[0]
    rows = _rows(
        con,
        f"""
        SELECT q.*, claimrec_interval(widest_low, widest_high) AS widest,
               CASE WHEN consensus_low IS NULL THEN 'none' ELSE claimrec_interval(consensus_low, consensus_high) END
                   AS consensus,
               claimrec_interval(implied_low, implied_high) AS implied
        FROM (
            SELECT q.quantity_id, q.label, q.unit, q.n_claims, q.n_sources, q.status, q.widest_low, q.widest_high,
                   q.consensus_low, q.consensus_high, q.implied_low, q.implied_high,
                   coalesce(cq.n_findings, 0) AS n_findings
            FROM quantities q LEFT JOIN contested_quantities cq USING (quantity_id)
            ORDER BY CASE WHEN {total} > {TABLE_ROWS}
                          THEN cq.n_findings IS NULL AND q.quantity_id NOT IN (SELECT unnest($1::VARCHAR[])) END,
                     q.quantity_id
            LIMIT {TABLE_ROWS}
        ) q ORDER BY q.quantity_id
    """,
        [sorted(linked)],
    )
    return rows, total
