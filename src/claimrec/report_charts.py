"""Interval charts for the HTML report: one horizontal bar per claim on a common axis, drawn by Vega-Lite.

The chart is a Vega-Lite spec rendered to SVG by `vl-convert-python` (Vega-Lite and Vega inside a wheel)
while the report is written, so the page shows its charts without running a script or reaching a network.
Everything the chart shows comes in as data, which Vega escapes when it writes the SVG; the spec's
expressions are fixed here, so no quote can become part of one.

The axis covers the claims' lows and highs and the consensus and implied bounds. It is logarithmic when
the positive figures span more than `LOG_SPAN` (a few hundred beside tens of thousands), linear otherwise.
A bound with no upper limit runs to the right edge and ends in an arrow; a low that a logarithmic axis
cannot show (zero) starts at the left edge with an arrow.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

LOG_SPAN = 100.0
"""A chart is logarithmic when its largest positive figure is more than this many times its smallest."""
WIDTH = 720
ROW_STEP = 44
BAND_COLOURS = {"consensus": "#2ca02c", "implied": "#9467bd"}
TYPE_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#d62728",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
)
"""Colours of source types, given in the order of the sorted types of the `sources` table, so that a type keeps
its colour on every chart of a report."""


@dataclass(frozen=True)
class Bar:
    """One claim as a chart row."""

    label: str
    """Text beside the bar; a line break starts a second line."""
    low: float
    high: float | None
    """None: no upper limit."""
    source_type: str
    description: str
    """What a hover shows (and what screen readers read) for the bar."""


def _axis(bars: list[Bar], bands: dict[str, tuple[float | None, float | None]]) -> tuple[str, float, float]:
    """The scale type and domain that show every bar and band."""
    values = [b.low for b in bars] + [b.high for b in bars if b.high is not None]
    values += [v for lo, hi in bands.values() for v in (lo, hi) if v is not None]
    positive = [v for v in values if v > 0]
    top = max(values) if values else 1.0
    open_ended = any(b.high is None for b in bars) or any(hi is None for _, hi in bands.values())
    if positive and max(positive) / min(positive) > LOG_SPAN:
        low, high = min(positive) / 1.6, max(positive) * (3.0 if open_ended else 1.6)
        return "log", low, high
    bottom = min(values) if values else 0.0
    span = (top - bottom) or max(abs(top), 1.0)
    pad = span * 0.12
    low = max(0.0, bottom - pad) if bottom >= 0 else bottom - pad
    high = top + span * (0.45 if open_ended else 0.12)
    return "linear", low, high


def _log_ticks(low: float, high: float) -> list[float]:
    """Powers of ten inside the domain, with 2 and 5 times them when it spans few decades."""
    steps = (1, 2, 5) if high / low < 1000 else (1,)
    ticks, power = [], 10.0 ** math.floor(math.log10(low))
    while power <= high:
        ticks += [power * s for s in steps if low <= power * s <= high]
        power *= 10
    return ticks


def interval_spec(
    bars: list[Bar], bands: dict[str, tuple[float | None, float | None]], unit: str, source_types: list[str]
) -> dict:
    """The Vega-Lite spec of one interval chart.

    `bands` maps "consensus" and "implied" to (low, high), either end None when unknown (open); a band with
    neither end is left out. `source_types` is every type of the sources table, so colours are the same
    on every chart. The spec is plain data (a dict), built here without Altair, whose checks cost more than
    drawing the chart; the tests check it against the Vega-Lite schema with Altair."""
    scale_type, d_low, d_high = _axis(bars, bands)
    rows = []
    for b in bars:
        start = b.low if scale_type == "linear" or b.low > 0 else d_low
        end = b.high if b.high is not None else d_high
        rows.append(
            {
                "row": b.label,
                "start": max(start, d_low),
                "end": min(end, d_high),
                "point": b.high is not None and b.low == b.high,
                "open_high": b.high is None,
                "open_low": start > b.low,
                "type": b.source_type,
                "description": b.description,
            }
        )
    band_rows = []
    for name in ("implied", "consensus"):
        lo, hi = bands.get(name, (None, None))
        if lo is None and hi is None:
            continue
        lo = d_low if lo is None or (scale_type == "log" and lo <= 0) else max(lo, d_low)
        band_rows.append({"band": name, "start": lo, "end": d_high if hi is None else min(hi, d_high)})
    types = {"domain": source_types, "range": type_colours(source_types)}
    x_axis = {"title": unit, "format": ",~r", "grid": True, "tickCount": 6, "labelOverlap": True, "labelFontSize": 11}
    if scale_type == "log":
        x_axis["values"] = _log_ticks(d_low, d_high)
    x = {
        "field": "start",
        "type": "quantitative",
        "axis": x_axis,
        "scale": {"type": scale_type, "domain": [d_low, d_high], "nice": False, "zero": False},
    }
    y = {
        "field": "row",
        "type": "nominal",
        "sort": [r["row"] for r in rows],
        "title": None,
        "axis": {
            "labelExpr": "split(datum.value, '\\n')",
            "labelLimit": 360,
            "labelFontSize": 12,
            "labelLineHeight": 14,
            "ticks": False,
            "domain": False,
            "labelPadding": 8,
        },
    }
    legend = {"orient": "bottom", "direction": "horizontal"}
    colour = {
        "field": "type",
        "type": "nominal",
        "title": "source type",
        "scale": types,
        "legend": legend | {"values": sorted({b.source_type for b in bars})},
    }
    quiet = {"field": "type", "type": "nominal", "scale": types, "legend": None}

    def marker(test: str, shape: str, at: str) -> dict:
        return {
            "transform": [{"filter": test}],
            "mark": {"type": "point", "filled": True, "size": 170, "shape": shape, "opacity": 1},
            "encoding": {
                "x": {"field": at, "type": "quantitative"},
                "y": y,
                "color": quiet,
                "description": {"field": "description", "type": "nominal"},
            },
        }

    band = {
        "field": "band",
        "type": "nominal",
        "title": "bounds",
        "scale": {"domain": list(BAND_COLOURS), "range": list(BAND_COLOURS.values())},
        "legend": legend | {"values": [b["band"] for b in band_rows]},
    }
    layers = []
    if band_rows:
        layers.append(
            {
                "data": {"values": band_rows},
                "mark": {"type": "rect", "fillOpacity": 0.14, "strokeOpacity": 0.8, "strokeWidth": 1.5},
                "encoding": {"x": x, "x2": {"field": "end"}, "fill": band, "stroke": band | {"legend": None}},
            }
        )
    layers += [
        {
            "mark": {"type": "bar", "height": 12, "cornerRadius": 2},
            "encoding": {
                "x": x,
                "x2": {"field": "end"},
                "y": y,
                "color": colour,
                "description": {"field": "description", "type": "nominal"},
            },
        },
        marker("datum.point", "diamond", "start"),
        marker("datum.open_high", "triangle-right", "end"),
        marker("datum.open_low", "triangle-left", "start"),
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "width": WIDTH,
        "height": ROW_STEP * len(rows),
        "layer": layers,
        "resolve": {"scale": {"color": "independent", "fill": "independent", "stroke": "independent"}},
        "config": {"view": {"stroke": "#ccc"}, "font": "sans-serif"},
    }


def type_colours(source_types: list[str]) -> list[str]:
    """The colour of each source type, in the order given (the sorted types of the sources table)."""
    return [TYPE_PALETTE[i % len(TYPE_PALETTE)] for i in range(len(source_types))]


def warm_up() -> threading.Thread:
    """Start the renderer in a thread (its first chart takes as long as many later ones) and return the thread;
    the caller does other work meanwhile and joins it before drawing."""
    thread = threading.Thread(
        target=render_svg,
        args=(interval_spec([Bar("", 1, 1, "", "")], {}, "", [""]),),
        name="claimrec-charts-warm-up",
        daemon=True,
    )
    thread.start()
    return thread


def render_svg(spec: dict) -> str:
    """The chart as an SVG document, rendered offline (no data or fonts fetched from anywhere)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec, allowed_base_urls=[], format_locale="en-US")
