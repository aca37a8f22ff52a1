"""The summary's charts as plain data, drawn twice from the same numbers: by plotly.js on the
page (`plotly_spec`, a plotly figure as JSON) and as vector graphics in the PDF
(pulse/med/pdf.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from pulse.i18n import separators
from pulse.med.summary import Summary

BRAND = "#1f5f5b"
BEFORE = "#6b7a80"
PALETTE = (BRAND, "#8a5a00", "#3b4f9a", "#8b2f5c", "#4d6b1f", "#5a4a8a")
#: A chart with more bars than this would not be read; the tables hold every figure.
MAX_CATEGORIES = 14
MAX_SERIES = 6


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # None: no released figure (hidden or not asked)
    colour: str


@dataclass(frozen=True)
class ChartData:
    key: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    suffix: str = ""  # " %" for rates


def summary_charts(summary: Summary, names: dict[str, str], quarter_names: tuple[str, str]):
    """The area's index per theme, the response rate of the top units, and the index per theme
    of the units directly below the committee's units (when few enough to read)."""
    now_name, before_name = quarter_names
    charts = []
    dims = summary.dimension_ids
    if dims:
        charts.append(
            ChartData(
                "area",
                _("Index per theme for the area (0-100)"),
                tuple(names.get(d, d) for d in dims),
                (
                    Series(
                        before_name, tuple(summary.area.index_before[d].value for d in dims), BEFORE
                    ),
                    Series(now_name, tuple(summary.area.index[d].value for d in dims), BRAND),
                ),
            )
        )
    top = [u for u in summary.units if u.unit.depth <= 1][:MAX_CATEGORIES]
    if top:
        charts.append(
            ChartData(
                "rate",
                _("Response rate (%)"),
                tuple(u.unit.name for u in top),
                (
                    Series(before_name, tuple(u.rate_before.value for u in top), BEFORE),
                    Series(now_name, tuple(u.rate.value for u in top), BRAND),
                ),
                suffix=" %",
            )
        )
    below = [u for u in summary.units if u.unit.depth == 1]
    if dims and 2 <= len(below) <= MAX_SERIES:
        charts.append(
            ChartData(
                "units",
                _("Index per theme for the units below (%(quarter)s)", quarter=now_name),
                tuple(names.get(d, d) for d in dims),
                tuple(
                    Series(u.unit.name, tuple(u.index[d].value for d in dims), PALETTE[i])
                    for i, u in enumerate(below)
                ),
            )
        )
    return charts


def plotly_spec(chart: ChartData, format_number) -> dict:
    """Horizontal grouped bars, categories top to bottom in the tables' order.

    A plain plotly figure dict (what `go.Figure.to_json` gives) written directly: building
    `go.Figure` objects validates every property and costs more than the whole summary.
    """
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [_wrapped(c) for c in chart.categories],
            "x": list(series.values),
            "name": series.name,
            "marker": {"color": series.colour},
            "text": [
                format_number(v) + chart.suffix if v is not None else "" for v in series.values
            ],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}: %{text}<extra>" + series.name + "</extra>",
        }
        for series in chart.series
    ]
    bars = len(chart.categories) * len(chart.series)
    layout = {
        "barmode": "group",
        "height": max(220, 60 + 18 * bars + 10 * len(chart.categories)),
        "margin": {"l": 8, "r": 40, "t": 8, "b": 30},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.12, "traceorder": "normal"},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "separators": separators(),  # the axis numbers in the user's language (pulse/i18n.py)
        "xaxis": {"range": [0, 105], "fixedrange": True, "ticksuffix": chart.suffix},
        "yaxis": {"autorange": "reversed", "fixedrange": True, "automargin": True},
    }
    return {"data": data, "layout": layout}


def _wrapped(label: str, width: int = 16) -> str:
    """A long label on two lines, so the bars keep their room on a phone."""
    if len(label) <= width or " " not in label:
        return label
    cut = label.rfind(" ", 0, width + 1)
    cut = cut if cut > 0 else label.find(" ")
    return label[:cut] + "<br>" + label[cut + 1 :]
