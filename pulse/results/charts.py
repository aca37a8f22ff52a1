"""Chart specifications in plotly's JSON format; the page draws them with plotly.js basic.

Hidden figures are gaps labelled "too few answers", never a number. Every chart has a table
of the same figures beside it (templates/results/_trend.html).
"""

from __future__ import annotations

import json
from functools import cache

from flask_babel import format_date
from flask_babel import gettext as _

from pulse.results.data import Point

BRAND = "#1f5f5b"
PARENT = "#8a5a00"
LAYOUT = {
    "margin": {"l": 36, "r": 8, "t": 8, "b": 40},
    "height": 260,
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "legend": {"orientation": "h", "y": -0.25},
    "font": {"family": "system-ui, sans-serif", "size": 13},
}


def labels(points: list[Point]) -> list[str]:
    """A category per round: its closing day, with the year when the rounds span years, and
    the round's number when two close on the same day (categories must be unique)."""
    years = {p.round.closes_at.year for p in points}
    pattern = _("d MMM") if len(years) <= 1 else _("d MMM yyyy")
    names = [format_date(p.round.closes_at, pattern) for p in points]
    if len(set(names)) < len(names):
        names = [f"{name} (#{p.round.id})" for name, p in zip(names, points, strict=True)]
    return names


def trend_chart(points: list[Point], parent: list[Point], name: str, parent_name: str) -> dict:
    x = labels(points)
    traces = [_line(points, x, name, BRAND, "solid")]
    if parent:
        traces.append(_line(parent, x, parent_name, PARENT, "dash"))
    layout = {
        **LAYOUT,
        "template": _template(),
        "yaxis": {"range": [0, 100], "fixedrange": True},
        "xaxis": {"type": "category", "fixedrange": True},
    }
    _label_gaps(layout, x, [p.figure.shown for p in points])
    return {"data": traces, "layout": layout}


def participation_chart(points: list[Point]) -> dict:
    x = labels(points)
    rates = [
        round(100 * p.figure.respondents / p.figure.invited)
        if p.figure.shown and p.figure.invited
        else None
        for p in points
    ]
    bar = {
        "type": "bar",
        "x": x,
        "y": rates,
        "marker": {"color": BRAND},
        "name": _("Participation"),
        "hovertemplate": "%{y} %<extra></extra>",
    }
    layout = {
        **LAYOUT,
        "template": _template(),
        "yaxis": {"range": [0, 100], "ticksuffix": " %", "fixedrange": True},
        "xaxis": {"type": "category", "fixedrange": True},
        "showlegend": False,
    }
    _label_gaps(layout, x, [rate is not None for rate in rates])
    return {"data": [bar], "layout": layout}


@cache
def _template() -> dict:
    """plotly's default look, as `plotly.graph_objects` would embed it (computed once: building
    figures with graph_objects took most of a team page's time)."""
    import plotly.graph_objects as go

    return json.loads(go.Figure().to_json())["layout"]["template"]


def _line(points: list[Point], x: list[str], name: str, colour: str, dash: str) -> dict:
    return {
        "type": "scatter",
        "x": x,
        "y": [p.figure.mean if p.figure.shown else None for p in points],
        "text": [f"n = {p.figure.respondents}" if p.figure.shown else "" for p in points],
        "hovertemplate": "%{y} (%{text})<extra>" + name + "</extra>",
        "mode": "lines+markers",
        "connectgaps": False,
        "name": name,
        "line": {"color": colour, "dash": dash, "width": 3},
        "marker": {"size": 8},
    }


def _label_gaps(layout: dict, x: list[str], shown: list[bool]) -> None:
    """Write "too few answers" across every hidden point: a gap, never a number."""
    annotations = [
        {
            "x": xi,
            "y": 50,
            "text": _("too few answers"),
            "showarrow": False,
            "textangle": -90,
            "font": {"color": "#4f5f66", "size": 11},
        }
        for xi, visible in zip(x, shown, strict=True)
        if not visible
    ]
    if annotations:
        layout["annotations"] = annotations
