"""Chart specifications built with plotly (Python); the page draws them with plotly.js basic.

Hidden figures are gaps labelled "too few answers", never a number. Every chart has a table
of the same figures beside it (templates/results/team.html). Every number and date a chart
shows is written by pulse/i18n.py in the user's locale: hover texts come preformatted in
`customdata`, and the layout's `separators` make plotly's own axis numbers match.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
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
    return {**LAYOUT, "separators": separators(), **extra}


def trend_chart(points: list[Point], parent: list[Point], name: str, parent_name: str) -> dict:
    x = labels(points)
    figure = go.Figure()
    figure.add_trace(_line(points, x, name, BRAND, "solid", labelled=True, other=parent))
    if parent:
        figure.add_trace(_line(parent, x, parent_name, PARENT, "dash", labelled=False))
    _label_gaps(figure, x, [p.figure.shown for p in points])
    figure.update_layout(
        **_layout(),
        yaxis=INDEX_AXIS,
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
    )
    return json.loads(figure.to_json())


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
    figure = go.Figure(
        go.Bar(
            x=x,
            y=rates,
            customdata=hover,
            marker={"color": BRAND},
            name=_("Participation"),
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    _label_gaps(figure, x, [rate is not None for rate in rates])
    figure.update_layout(
        **_layout(showlegend=False),
        yaxis={
            "range": [0, 100],
            "tickvals": [0, 25, 50, 75, 100],
            # Explicit labels: plotly drops ticksuffix once tickvals are given.
            "ticktext": [percent(v / 100) for v in (0, 25, 50, 75, 100)],
            "fixedrange": True,
        },
        xaxis={"type": "category", "fixedrange": True, "automargin": True},
    )
    return json.loads(figure.to_json())


def _line(
    points: list[Point],
    x: list[str],
    name: str,
    colour: str,
    dash: str,
    *,
    labelled: bool,
    other: list[Point] | None = None,
) -> go.Scatter:
    shown = [p.figure.shown for p in points]
    values = [fixed(p.figure.mean) if ok else "" for p, ok in zip(points, shown, strict=True)]
    hover = [
        _("%(value)s (%(count)s answers)")
        % {"value": value, "count": number(p.figure.respondents, 0)}
        if ok
        else ""
        for p, value, ok in zip(points, values, shown, strict=True)
    ]
    return go.Scatter(
        x=x,
        y=[p.figure.mean if ok else None for p, ok in zip(points, shown, strict=True)],
        customdata=hover,
        # With a few rounds a line says little: the team's own figures are written on it.
        text=values if labelled else None,
        textposition=_label_positions(points, other or []),
        hovertemplate="%{customdata}<extra>" + name + "</extra>",
        mode="lines+markers+text" if labelled else "lines+markers",
        connectgaps=False,
        name=name,
        line={"color": colour, "dash": dash, "width": 3},
        marker={"size": 8},
    )


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


def _label_gaps(figure: go.Figure, x: list[str], shown: list[bool]) -> None:
    """Write "too few answers" across every hidden point: a gap, never a number."""
    for xi, visible in zip(x, shown, strict=True):
        if not visible:
            figure.add_annotation(
                x=xi,
                y=50,
                text=_("too few answers"),
                showarrow=False,
                textangle=-90,
                font={"color": "#4f5f66", "size": 11},
            )
