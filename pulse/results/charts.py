"""Chart specifications built with plotly (Python); the page draws them with plotly.js basic.

Hidden figures are gaps labelled "too few answers", never a number. Every chart has a table
of the same figures beside it (templates/results/team.html). Every number and date a chart
shows is written by pulse/i18n.py in the user's locale: hover texts come preformatted in
`customdata`, and the layout's `separators` make plotly's own axis numbers match.
"""

from __future__ import annotations

import json
from functools import cache

from flask_babel import gettext as _

from pulse.i18n import fixed, number, percent, separators, short_day
from pulse.results.data import Point

BRAND = "#1f5f5b"
PARENT = "#8a5a00"
LAYOUT = {
    "margin": {"l": 44, "r": 12, "t": 24, "b": 48},
    "height": 280,
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
    "legend": {"orientation": "h", "y": -0.28},
    "font": {"family": "system-ui, sans-serif", "size": 13},
}
#: Index axis: the "0" sits a little above the dates, never on top of the first one.
INDEX_AXIS = {"range": [-4, 104], "tickvals": [0, 25, 50, 75, 100], "fixedrange": True}


def labels(points: list[Point]) -> list[str]:
    """A category per round: its closing day (with the year when the rounds span years or are
    not from this year), and the round's number when two close on the same day (categories
    must be unique)."""
    years = {p.round.closes_at.year for p in points}
    with_year = None if len(years) <= 1 else True
    names = [short_day(p.round.closes_at, with_year=with_year) for p in points]
    if len(set(names)) < len(names):
        names = [f"{name} (#{p.round.id})" for name, p in zip(names, points, strict=True)]
    return names


def _layout(**extra) -> dict:
    return {**LAYOUT, "separators": separators(), "template": _template(), **extra}


@cache
def _template() -> dict:
    """plotly's default look, as `plotly.graph_objects` embeds it in a figure (computed once:
    building figures with graph_objects took most of a team page's time)."""
    import plotly.graph_objects as go

    return json.loads(go.Figure().to_json())["layout"]["template"]


def trend_chart(points: list[Point], parent: list[Point], name: str, parent_name: str) -> dict:
    x = labels(points)
    traces = [_line(points, x, name, BRAND, "solid", labelled=True, other=parent)]
    if parent:
        traces.append(_line(parent, x, parent_name, PARENT, "dash", labelled=False))
    layout = _layout(
        yaxis=INDEX_AXIS,
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
    )
    _label_gaps(layout, x, [p.figure.shown for p in points])
    return {"data": traces, "layout": layout}


def participation_chart(points: list[Point]) -> dict:
    x = labels(points)
    shown = [bool(p.figure.shown and p.figure.invited) for p in points]
    rates = [
        round(100 * p.figure.respondents / p.figure.invited) if ok else None
        for p, ok in zip(points, shown, strict=True)
    ]
    hover = [
        _("%(share)s · %(answered)s of %(invited)s")
        % {
            "share": percent(p.figure.respondents, p.figure.invited),
            "answered": number(p.figure.respondents, 0),
            "invited": number(p.figure.invited, 0),
        }
        if ok
        else ""
        for p, ok in zip(points, shown, strict=True)
    ]
    bar = {
        "type": "bar",
        "x": x,
        "y": rates,
        "customdata": hover,
        "marker": {"color": BRAND},
        "name": _("Participation"),
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    layout = _layout(
        showlegend=False,
        yaxis={
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
            # Explicit labels: plotly drops ticksuffix once tickvals are given.
            "ticktext": [percent(v / 100) for v in (0, 25, 50, 75, 100)],
            "fixedrange": True,
        },
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
    )
    _label_gaps(layout, x, [rate is not None for rate in rates])
    return {"data": [bar], "layout": layout}


def _line(
    points: list[Point],
    x: list[str],
    name: str,
    colour: str,
    dash: str,
    *,
    labelled: bool,
    other: list[Point] | None = None,
) -> dict:
    shown = [p.figure.shown for p in points]
    values = [fixed(p.figure.mean) if ok else "" for p, ok in zip(points, shown, strict=True)]
    hover = [
        _("%(value)s (%(count)s answers)")
        % {"value": value, "count": number(p.figure.respondents, 0)}
        if ok
        else ""
        for p, value, ok in zip(points, values, shown, strict=True)
    ]
    trace = {
        "type": "scatter",
        "x": x,
        "y": [p.figure.mean if ok else None for p, ok in zip(points, shown, strict=True)],
        "customdata": hover,
        "textposition": _label_positions(points, other or []),
        "hovertemplate": "%{customdata}<extra>" + name + "</extra>",
        "mode": "lines+markers+text" if labelled else "lines+markers",
        "connectgaps": False,
        "name": name,
        "line": {"color": colour, "dash": dash, "width": 3},
        "marker": {"size": 8},
    }
    if labelled:
        # With a few rounds a line says little: the team's own figures are written on it.
        trace["text"] = values
    return trace


def _label_positions(points: list[Point], other: list[Point]) -> list[str]:
    """Each label on the side away from the other line, so the two never overlap."""
    positions = []
    for index, point in enumerate(points):
        beside = other[index].figure if index < len(other) else None
        below = bool(
            beside and beside.shown and point.figure.shown and point.figure.mean < beside.mean
        )
        positions.append("bottom center" if below else "top center")
    return positions


def _label_gaps(layout: dict, x: list[str], shown: list[bool]) -> None:
    """Write "too few answers" across every hidden point: a gap, never a number."""
    annotations = [
        {
            "font": {"color": "#4f5f66", "size": 11},
            "showarrow": False,
            "text": _("too few answers"),
            "textangle": -90,
            "x": xi,
            "y": 50,
        }
        for xi, visible in zip(x, shown, strict=True)
        if not visible
    ]
    if annotations:
        layout["annotations"] = annotations
