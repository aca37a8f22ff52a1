"""The summary as an A4 PDF, drawn with ReportLab (README, "MED committees", says why).

The charts are drawn from the same chart data as the page's plotly charts
(pulse/med/charts.py), as vector graphics: bars are rectangles, so they stay sharp in print.
Tables hold the units the page shows; the exports hold every unit.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pulse.med.charts import ChartData
from pulse.med.summary import Summary

#: DejaVu covers names beyond Latin-1; ReportLab's Helvetica is the fallback.
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
WIDTH = A4[0] - 36 * mm
#: The PDF lists at most this many units needing attention; the exports have them all.
MAX_ATTENTION = 60


def _fonts() -> tuple[str, str]:
    for directory in _FONT_DIRS:
        regular, bold = Path(directory, "DejaVuSans.ttf"), Path(directory, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
                pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _numbered_canvas(label: str, font: str):
    """A canvas that writes "page x of y" on every page once the page count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.setFillGray(0.3)
                self.drawRightString(
                    A4[0] - 18 * mm,
                    10 * mm,
                    _("Page %(page)d of %(pages)d", page=number, pages=total),
                )
                self.drawString(18 * mm, 10 * mm, label)
                super().showPage()
            super().save()

    return NumberedCanvas


def render_summary_pdf(context: dict) -> bytes:
    regular, bold = _fonts()
    summary: Summary = context["summary"]
    names = context["names"]
    fmt, signed = context["number"], context["signed"]
    quarter_label = context["quarter_name"](summary.quarter)
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=27, spaceAfter=8),
        "h1": ParagraphStyle(
            "h1",
            fontName=bold,
            fontSize=14,
            leading=18,
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, spaceAfter=5),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
    }

    def p(text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(text), styles[style])

    story = [
        p("Tillidspuls", "small"),
        Spacer(1, 30 * mm),
        p(_("Quarterly summary %(quarter)s", quarter=quarter_label), "title"),
        p(context["committee"].name, "h1"),
        p(_("Area: %(area)s", area=summary.area.unit.name)),
        p(_("Period: %(period)s", period=context["period"])),
        p(_("Rounds in the quarter: %(count)d", count=len(summary.rounds))),
        Spacer(1, 10 * mm),
        p(_("How the figures were made anonymous"), "h1"),
        *[p(text) for text in context["how_anonymous"]],
        p(_("Needs attention"), "h1"),
        p(context["attention_rule"]),
        PageBreak(),
    ]
    for chart in context["charts"]:
        story.append(KeepTogether([p(chart.title, "h1"), chart_drawing(chart, fmt, regular)]))
    story.append(PageBreak())  # the tables start on a page of their own
    story.append(p(_("Index per theme"), "h1"))
    story.append(
        p(
            _(
                "0-100, higher is better. In brackets: the change in points since the "
                "previous quarter."
            ),
            "small",
        )
    )
    # Four themes per table, so each column is wide enough for a theme's name.
    dims = summary.dimension_ids
    for start in range(0, len(dims), 4):
        story.append(Spacer(1, 3 * mm))
        story.append(
            _index_table(summary, dims[start : start + 4], names, fmt, signed, styles, bold)
        )
    story.append(p(_("Response rate"), "h1"))
    rows = [
        [
            _("Unit"),
            _("Response rate"),
            _("Change"),
            _("Answered"),
            _("Invited"),
            _("Rounds hidden"),
        ]
    ]
    for u in ([summary.area] if summary.area.unit.id == 0 else []) + summary.page_units:
        shown = u.rate.value is not None
        rows.append(
            [
                Paragraph(_indent(u), styles["cell"]),
                fmt(u.rate.value) + (" %" if shown else ""),
                signed(u.rate_change()),
                str(u.rate.respondents) if shown else "–",
                str(u.rate.invited) if shown else "–",
                str(u.rate.hidden),
            ]
        )
    story.append(_table(rows, [70 * mm] + [(WIDTH - 70 * mm) / 5] * 5, bold))
    story.append(p(_("Needs attention"), "h1"))
    if summary.attention:
        rows = [[_("Unit"), _("Why")]]
        for a in summary.attention[:MAX_ATTENTION]:
            reasons = "; ".join(context["attention_reasons"](a, names))
            rows.append(
                [
                    Paragraph(escape(a.unit.name), styles["cell"]),
                    Paragraph(escape(reasons), styles["cell"]),
                ]
            )
        story.append(_table(rows, [60 * mm, WIDTH - 60 * mm], bold, numbers=False))
        if len(summary.attention) > MAX_ATTENTION:
            story.append(
                p(
                    _(
                        "%(count)d more units in the CSV and XLSX files.",
                        count=len(summary.attention) - MAX_ATTENTION,
                    )
                )
            )
    else:
        story.append(p(_("No unit meets the rule this quarter.")))
    story.append(p(_("Where figures are missing"), "h1"))
    missing = summary.with_hidden_figures
    if missing:
        story.append(
            p(
                _(
                    "In these units too few answered in some rounds, so the release hid their "
                    "figures. Hidden figures are left out of the quarter's figures above."
                )
            )
        )
        rows = [[_("Unit"), _("Rounds hidden")]]
        rows += [
            [
                Paragraph(escape(u.unit.name), styles["cell"]),
                _(
                    "figures hidden in %(hidden)d of %(rounds)d rounds",
                    hidden=u.rounds_with_hidden,
                    rounds=u.rounds_with_figures,
                ),
            ]
            for u in missing[:MAX_ATTENTION]
        ]
        story.append(_table(rows, [80 * mm, WIDTH - 80 * mm], bold, numbers=False))
    else:
        story.append(p(_("No figure in the area was hidden this quarter.")))
    story.append(p(_("Actions in the quarter"), "h1"))
    if summary.actions:
        rows = [[_("Unit"), _("Opened"), _("Closed"), _("Overdue")]]
        rows += [
            [
                Paragraph(escape(a.unit.name), styles["cell"]),
                str(a.opened),
                str(a.closed),
                str(a.overdue),
            ]
            for a in summary.actions
        ]
        story.append(_table(rows, [80 * mm] + [(WIDTH - 80 * mm) / 3] * 3, bold))
    else:
        story.append(p(_("No actions were opened, closed or overdue in the area this quarter.")))

    buffer = io.BytesIO()
    title = f"{context['committee'].name} · {quarter_label}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Tillidspuls",
        lang=str(context.get("locale", "da")),
    )
    document.build(story, canvasmaker=_numbered_canvas(title, regular))
    return buffer.getvalue()


def _indent(u) -> str:
    """The unit's name, indented by its level (the tables list parents before children)."""
    return "&nbsp;&nbsp;&nbsp;" * max(u.unit.depth, 0) + escape(u.unit.name)


def _index_table(summary, dims, names, fmt, signed, styles, bold) -> Table:
    """Units down, themes across: the quarter's index and, beside it, the change."""
    header = [_("Unit")] + [names.get(d, d) for d in dims]
    rows = [header]
    for u in ([summary.area] if summary.area.unit.id == 0 else []) + summary.page_units:
        cells = [Paragraph(_indent(u), styles["cell"])]
        for d in dims:
            value = u.index[d]
            if value.value is None:
                cells.append(_("too few") if value.hidden else "–")
            else:
                cells.append(f"{fmt(value.value)} ({signed(u.change(d))})")
        rows.append(cells)
    first = 50 * mm
    return _table(rows, [first] + [(WIDTH - first) / 4] * len(dims), bold)


def _table(rows, widths, bold: str, size: float = 8, numbers: bool = True) -> Table:
    header = ParagraphStyle("header", fontName=bold, fontSize=size, leading=size * 1.2)
    if numbers:
        header.alignment = 2  # right, over the figures
    rows = [
        [
            Paragraph(escape(c), header) if isinstance(c, str) and i else c
            for i, c in enumerate(rows[0])
        ],
        *rows[1:],
    ]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), _fonts()[0], size),
                ("FONT", (0, 0), (-1, 0), bold, size),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c8d0d3")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT" if numbers else "LEFT"),
            ]
        )
    )
    return table


def chart_drawing(chart: ChartData, fmt, font: str) -> Drawing:
    """Horizontal grouped bars on 0-100, as vector shapes; a missing figure is "–"."""
    label_w, bar_h, gap = 55 * mm, 9, 6
    plot_w = WIDTH - label_w - 14 * mm
    group_h = bar_h * len(chart.series) + gap
    legend_h = 14
    height = group_h * len(chart.categories) + 18 + legend_h
    drawing = Drawing(WIDTH, height)
    top = height - legend_h
    for tick in range(0, 101, 25):
        x = label_w + plot_w * tick / 100
        drawing.add(Line(x, 14, x, top, strokeColor=colors.HexColor("#d5dcde"), strokeWidth=0.4))
        drawing.add(
            String(x, 4, f"{tick}{chart.suffix}", fontName=font, fontSize=7, textAnchor="middle")
        )
    for i, category in enumerate(chart.categories):
        y0 = top - (i + 1) * group_h + gap / 2
        label = category if len(category) <= 34 else category[:33] + "…"
        drawing.add(
            String(
                label_w - 4,
                y0 + group_h / 2 - 5,
                label,
                fontName=font,
                fontSize=8,
                textAnchor="end",
            )
        )
        for s, series in enumerate(chart.series):
            value = series.values[i]
            y = y0 + (len(chart.series) - 1 - s) * bar_h
            if value is None:
                drawing.add(String(label_w + 3, y + 2, "–", fontName=font, fontSize=7))
                continue
            width = plot_w * max(0.0, min(value, 100.0)) / 100
            drawing.add(
                Rect(
                    label_w,
                    y + 1,
                    width,
                    bar_h - 2,
                    fillColor=colors.HexColor(series.colour),
                    strokeColor=None,
                )
            )
            drawing.add(
                String(
                    label_w + width + 3, y + 2, fmt(value) + chart.suffix, fontName=font, fontSize=7
                )
            )
    x = label_w
    for series in chart.series:
        drawing.add(
            Rect(x, height - 10, 8, 8, fillColor=colors.HexColor(series.colour), strokeColor=None)
        )
        drawing.add(String(x + 11, height - 9, series.name, fontName=font, fontSize=8))
        x += 20 + pdfmetrics.stringWidth(series.name, font, 8)
    return drawing
