"""The committee page, the quarterly summary and its PDF, CSV and XLSX.

Only the committee's members and the organisation's administrators get anything; everyone else
gets 404, so a committee that exists looks the same as one that doesn't.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pulse.content import dimension_names
from pulse.extensions import db
from pulse.med import bp
from pulse.med.charts import plotly_spec, summary_charts
from pulse.med.data import area_units, committee_for, is_member, load_summary, quarters
from pulse.med.discussions import DiscussedForm, discussion_of, discussions_over, mark_discussed
from pulse.med.exports import csv_bytes, xlsx_bytes
from pulse.med.pdf import render_summary_pdf
from pulse.med.summary import Quarter, Summary, local_day
from pulse.med.texts import (
    attention_reasons,
    attention_rule,
    how_anonymous,
    long_date,
    period,
    quarter_name,
    signed,
)
from pulse.med.texts import (
    number as format_number,
)
from pulse.models import Committee, Organisation, Round
from pulse.timeutil import utcnow

QUARTER = "/<id:committee_id>/<int:year>-Q<int:number>"


def _committee_or_404(committee_id: int) -> Committee:
    committee = committee_for(current_user, committee_id)
    if committee is None:
        abort(404)
    return committee


def _quarter_or_404(year: int, number: int) -> Quarter:
    if not (1 <= number <= 4 and 2000 <= year <= 2200):
        abort(404)
    return Quarter(year, number)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PULSE_TIMEZONE"])


def _summary(committee: Committee, quarter: Quarter) -> Summary:
    viewer_unit_id = current_user.membership.unit_id if current_user.membership else None
    return load_summary(committee, quarter, viewer_unit_id, _zone(), utcnow())


def _thresholds(summary: Summary, organisation: Organisation) -> list[int]:
    """The k of each of the quarter's rounds (the organisation's when there are none)."""
    ks = db.session.scalars(
        select(Round.min_group_size).where(Round.id.in_([r.id for r in summary.rounds]))
    ).all()
    return [k or organisation.min_group_size for k in ks] or [organisation.min_group_size]


def _context(committee: Committee, quarter: Quarter) -> dict:
    summary = _summary(committee, quarter)
    names = dimension_names(str(get_locale()))
    organisation = db.session.get(Organisation, committee.organisation_id)
    charts = summary_charts(
        summary, names, (quarter_name(quarter), quarter_name(quarter.previous()))
    )
    return {
        "committee": committee,
        "locale": str(get_locale()),
        "summary": summary,
        "quarter": quarter,
        "names": names,
        "charts": charts,
        "quarter_name": quarter_name,
        "period": period(quarter),
        "number": format_number,
        "signed": signed,
        "attention_rule": attention_rule(),
        "attention_reasons": attention_reasons,
        "long_date": long_date,
        "how_anonymous": how_anonymous(_thresholds(summary, organisation)),
    }


def _download(body: bytes, mimetype: str, committee: Committee, quarter: Quarter, ext: str):
    filename = f"med-{committee.id}-{quarter.slug}.{ext}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<id:committee_id>")
@login_required
def committee_page(committee_id: int):
    """The committee: its area and the quarters it has figures for."""
    committee = _committee_or_404(committee_id)
    units = [u for u in area_units(committee.id) if u.depth == 0]
    return render_template(
        "med/committee.html",
        committee=committee,
        roots=units,
        quarters=quarters(committee, _zone()),
        quarter_name=quarter_name,
    )


@bp.get(QUARTER)
@login_required
def summary_page(committee_id: int, year: int, number: int):
    """The quarterly summary of the committee's area."""
    committee = _committee_or_404(committee_id)
    quarter = _quarter_or_404(year, number)
    return _render_summary(committee, quarter, DiscussedForm(formdata=None))


def _render_summary(committee: Committee, quarter: Quarter, form: DiscussedForm, status=200):
    context = _context(committee, quarter)
    context["chart_specs"] = {
        chart.key: (chart, plotly_spec(chart, format_number)) for chart in context["charts"]
    }
    context["discussion"] = discussion_of(committee, quarter)
    context["may_mark"] = is_member(current_user, committee)
    context["form"] = form
    return render_template("med/summary.html", **context), status


@bp.post(QUARTER + "/discussed")
@login_required
def mark_summary_discussed(committee_id: int, year: int, number: int):
    """A member records the day the committee discussed the summary."""
    committee = _committee_or_404(committee_id)
    quarter = _quarter_or_404(year, number)
    if not is_member(current_user, committee):
        abort(404)
    form = DiscussedForm()
    valid = form.validate_on_submit()
    if valid and form.discussed_on.data > local_day(utcnow(), _zone()):
        form.discussed_on.errors = [_("The date can't be in the future.")]
        valid = False
    if not valid:
        return _render_summary(committee, quarter, form, status=422)
    mark_discussed(committee, quarter, form.discussed_on.data, current_user, utcnow())
    db.session.commit()
    return redirect(
        url_for("med.summary_page", committee_id=committee.id, year=year, number=number)
    )


#: The downloads of a summary: how each is made, and its media type.
EXPORTS = {
    "pdf": (render_summary_pdf, "application/pdf"),
    "csv": (csv_bytes, "text/csv"),
    "xlsx": (xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@bp.get(QUARTER + ".<any(pdf, csv, xlsx):extension>")
@login_required
def summary_download(committee_id: int, year: int, number: int, extension: str):
    """The summary as a PDF for the meeting, or its figures as CSV or XLSX."""
    committee = _committee_or_404(committee_id)
    quarter = _quarter_or_404(year, number)
    make, mimetype = EXPORTS[extension]
    return _download(make(_context(committee, quarter)), mimetype, committee, quarter, extension)


@bp.app_context_processor
def _med_on_other_pages():
    """For templates/med/_discussed.html, which the TRIO page includes: its data comes from
    here, so that page's view needs no change."""
    return {"med_discussions_for": discussions_over}


@bp.app_template_filter("long_day")
def _long_day(value) -> str:
    return long_date(value)
