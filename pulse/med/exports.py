"""The summary's released figures as CSV and XLSX: every unit of the area, not only those the
page has room for. One row per unit x theme x quarter; a hidden figure is an empty cell and
the count of hidden rounds, never a number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import xlsxwriter
from flask_babel import format_date
from flask_babel import gettext as _

from pulse.med.summary import Summary, UnitSummary
from pulse.med.texts import attention_reasons


def index_columns() -> list[str]:
    return [
        _("Quarter"),
        _("Unit id"),
        _("Unit"),
        _("Parent unit id"),
        _("Level below the committee's units"),
        _("Theme id"),
        _("Theme"),
        _("Index 0-100"),
        _("Change from previous quarter (points)"),
        _("Answers behind the index"),
        _("Rounds with a released figure"),
        _("Rounds hidden (too few answered)"),
        _("Response rate (%)"),
        _("Answered"),
        _("Invited"),
    ]


def _units(summary: Summary) -> list[UnitSummary]:
    """The area as a whole first when it spans several of the committee's units."""
    return ([summary.area] if summary.area.unit.id == 0 else []) + summary.units


def index_rows(summary: Summary, names: dict[str, str]) -> Iterator[list]:
    for label, current in ((summary.quarter.previous(), False), (summary.quarter, True)):
        for unit in _units(summary):
            index = unit.index if current else unit.index_before
            rate = unit.rate if current else unit.rate_before
            for dimension_id in summary.dimension_ids:
                value = index[dimension_id]
                yield [
                    label.slug,
                    unit.unit.id or "",
                    unit.unit.name,
                    unit.unit.parent_id if unit.unit.depth > 0 else "",
                    max(unit.unit.depth, 0),
                    dimension_id,
                    names.get(dimension_id, dimension_id),
                    value.value,
                    unit.change(dimension_id) if current else None,
                    value.respondents if value.value is not None else None,
                    value.released,
                    value.hidden,
                    rate.value,
                    rate.respondents if rate.value is not None else None,
                    rate.invited if rate.value is not None else None,
                ]


def csv_bytes(context: dict) -> bytes:
    """UTF-8 with a byte order mark (so spreadsheets read æ, ø and å), comma separated, a dot
    for decimals: made to be read by programs; the XLSX is made for people."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(index_columns())
    for row in index_rows(context["summary"], context["names"]):
        writer.writerow(["" if cell is None else cell for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(context: dict) -> bytes:
    summary: Summary = context["summary"]
    names = context["names"]
    buffer = io.BytesIO()
    # constant_memory: rows go to disk as they are written, in order (a large area is big).
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    decimal = book.add_format({"num_format": "0.0"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(title: str, columns: list[str], rows, widths: dict[int, int] | None = None):
        worksheet = book.add_worksheet(_safe_sheet_name(title))
        # Columns and page set-up first: constant_memory writes rows as they come.
        for c in range(len(columns)):
            width = (widths or {}).get(c, 16)
            worksheet.set_column(c, c, width, wrap if width >= 60 else None)
        worksheet.set_landscape()
        worksheet.set_paper(9)  # A4
        worksheet.fit_to_pages(1, 0)  # as wide as one page, as long as it takes
        worksheet.repeat_rows(0)
        worksheet.write_row(0, 0, columns, bold)
        worksheet.freeze_panes(1, 0)
        long_text = {c for c in range(len(columns)) if (widths or {}).get(c, 16) >= 60}
        count = 0
        write_string, write_number = worksheet.write_string, worksheet.write_number
        for r, row in enumerate(rows, start=1):
            count += 1
            if long_text:
                # Spreadsheets don't grow a row for wrapped text on their own: say how tall.
                lines = max(
                    (
                        len(row[c]) // widths[c] + 1
                        for c in long_text
                        if c < len(row) and isinstance(row[c], str)
                    ),
                    default=1,
                )
                worksheet.set_row(r, 15 * lines)
            for c, cell in enumerate(row):
                # Typed writes: a large area has a few hundred thousand cells.
                if cell is None:
                    continue
                if isinstance(cell, str):
                    write_string(r, c, cell, wrap if c in long_text else None)
                elif isinstance(cell, float):
                    write_number(r, c, cell, decimal)
                else:
                    write_number(r, c, cell)
        if count:
            worksheet.autofilter(0, 0, count, len(columns) - 1)

    sheet(_("About"), [_("Summary"), ""], _about_rows(context), {0: 28, 1: 90})
    # The response rate has its own sheet: here only the index columns (the first twelve).
    sheet(
        _("Index per theme"),
        index_columns()[:12],
        (row[:12] for row in index_rows(summary, names)),
        {2: 30, 6: 30},
    )
    sheet(
        _("Response rate"),
        [
            _("Unit id"),
            _("Unit"),
            _("Response rate (%)"),
            _("Change (points)"),
            _("Answered"),
            _("Invited"),
            _("Rounds hidden (too few answered)"),
            _("Previous quarter (%)"),
        ],
        (
            [
                u.unit.id or "",
                u.unit.name,
                u.rate.value,
                u.rate_change(),
                u.rate.respondents if u.rate.value is not None else None,
                u.rate.invited if u.rate.value is not None else None,
                u.rate.hidden,
                u.rate_before.value,
            ]
            for u in _units(summary)
        ),
        {1: 30},
    )
    sheet(
        _("Needs attention"),
        [_("Unit id"), _("Unit"), _("Why")],
        (
            [a.unit.id, a.unit.name, "; ".join(attention_reasons(a, names))]
            for a in summary.attention
        ),
        {1: 30, 2: 80},
    )
    sheet(
        _("Actions"),
        [_("Unit id"), _("Unit"), _("Opened"), _("Closed"), _("Overdue")],
        ([a.unit.id, a.unit.name, a.opened, a.closed, a.overdue] for a in summary.actions),
        {1: 30},
    )
    sheet(
        _("Rounds"),
        [_("Quarter"), _("Round closed")],
        (
            [r.quarter.slug, format_date(r.closes_at, "short")]
            for r in [*summary.rounds_before, *summary.rounds]
        ),
    )
    book.close()
    return buffer.getvalue()


def _about_rows(context: dict) -> list[list[str]]:
    summary: Summary = context["summary"]
    rows = [
        [_("Committee"), context["committee"].name],
        [_("Area"), summary.area.unit.name],
        [_("Period"), f"{context['quarter_name'](summary.quarter)}: {context['period']}"],
        [_("Rounds in the quarter"), str(len(summary.rounds))],
        [_("Needs attention"), context["attention_rule"]],
    ]
    rows += [[_("Anonymity"), text] for text in context["how_anonymous"]]
    return rows


def _safe_sheet_name(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]
