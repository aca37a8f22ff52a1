from __future__ import annotations

from flask import abort, g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pulse.content import dimension_names
from pulse.extensions import db, htmx
from pulse.figures import unit_path
from pulse.models import Action, Round, Unit
from pulse.results import bp
from pulse.results.access import (
    audience_of,
    may_read_representatives_comments,
    may_view,
    viewable_units,
)
from pulse.results.actions import (
    actions_for,
    create_action,
    owner_names,
    status_names,
    update_action,
)
from pulse.results.charts import participation_chart, trend_chart
from pulse.results.data import PARTS, comments_for, dialogue_cards, team_data
from pulse.results.forms import ActionForm
from pulse.timeutil import utcnow
from pulse.web import render_page

#: htmx targets on the team page and the template blocks that render them.
FRAGMENTS = {"trend": "trend", "comments": "comments", "actions": "actions"}


def _unit_or_404(unit_id: int) -> Unit:
    """The unit if the signed-in person is in its TRIO (or above it); 404 otherwise, so a page
    that exists looks the same as one that doesn't."""
    path = unit_path(unit_id)
    if not path or not may_view(current_user, path):
        abort(404)
    # The whole path in one query; kept on `g` so `unit.parent`/`ancestors()` find them in the
    # session instead of one query per level.
    g.unit_path = db.session.scalars(select(Unit).where(Unit.id.in_(path))).all()
    return db.session.get(Unit, unit_id)


@bp.get("/team")
@login_required
def my_units():
    """The units this person follows as leader, TR or AMR."""
    units = sorted(
        (db.session.get(Unit, uid) for uid in viewable_units(current_user)),
        key=lambda u: (len(u.ancestors()), u.name),
    )
    if not units:
        abort(404)
    return render_page("results/units.html", units=units)


@bp.get("/team/<id:unit_id>")
@login_required
def team(unit_id: int):
    """The shared TRIO page of a unit."""
    unit = _unit_or_404(unit_id)
    return _render_team(unit, ActionForm(formdata=None))


@bp.post("/team/<id:unit_id>/actions")
@login_required
def add_action(unit_id: int):
    unit = _unit_or_404(unit_id)
    form = ActionForm()
    if not _validate(form):
        return _render_team(unit, form, status=422)
    create_action(
        unit,
        current_user,
        form.title.data,
        form.dimension.data,
        form.owner.data,
        form.follow_up_on.data,
        utcnow(),
    )
    db.session.commit()
    return _render_team(unit, ActionForm(formdata=None))


@bp.post("/team/<id:unit_id>/actions/<id:action_id>")
@login_required
def edit_action(unit_id: int, action_id: int):
    unit = _unit_or_404(unit_id)
    action = db.session.get(Action, action_id)
    if action is None or action.unit_id != unit.id:
        abort(404)
    form = ActionForm()
    if not _validate(form):
        return _render_team(
            unit, ActionForm(formdata=None), edit_form=form, edit_id=action.id, status=422
        )
    update_action(
        action,
        current_user,
        title=form.title.data,
        dimension_id=form.dimension.data,
        owner=form.owner.data,
        follow_up_on=form.follow_up_on.data,
        status=form.status.data,
        note=form.note.data or "",
        now=utcnow(),
    )
    db.session.commit()
    return _render_team(unit, ActionForm(formdata=None))


def _validate(form: ActionForm) -> bool:
    valid = form.validate_on_submit()
    if form.dimension.data and form.dimension.data not in dimension_names("da"):
        form.dimension.errors = [_("Choose one of the themes.")]
        valid = False
    return valid


def _render_team(unit: Unit, form: ActionForm, *, status: int = 200, **extra):
    """The team page, or only the fragment htmx asked for, computing only what it renders."""
    locale = str(get_locale())
    viewer_unit_id = current_user.membership.unit_id if current_user.membership else None
    target = htmx.target if htmx else None
    fragment = target if target in FRAGMENTS else None
    parts = {
        None: PARTS,
        "trend": frozenset({"trend"}),
        "comments": frozenset(),
        "actions": frozenset(),
    }[fragment]
    dimension = request.args.get("dimension")
    data = team_data(
        unit, viewer_unit_id, parts, dimension=dimension if fragment == "trend" else None
    )
    if dimension not in data.dimension_ids:
        dimension = data.dimension_ids[0] if data.dimension_ids else None
    context = dict(
        unit=unit,
        data=data,
        names=dimension_names(locale),
        dimension=dimension,
        form=form,
        edit_form=extra.get("edit_form"),
        edit_id=extra.get("edit_id"),
        owners=owner_names(),
        status_names=status_names(),
    )
    if fragment in (None, "trend"):
        parent_name = unit.parent.name if unit.parent else ""
        trend = data.trend.get(dimension, [])
        parent = data.parent_trend.get(dimension, [])
        context.update(
            trend=trend,
            parent_trend=parent,
            trend_chart=trend_chart(trend, parent, unit.name, parent_name) if trend else None,
        )
    if fragment in (None, "comments"):
        round_ = _chosen_round(data.rounds)
        representatives = may_read_representatives_comments(current_user, unit)
        context.update(
            chosen_round=round_,
            comments=comments_for(round_, unit, viewer_unit_id, representatives)
            if round_
            else None,
            representatives=representatives,
        )
    if fragment is None:
        context.update(
            participation_chart=participation_chart(data.participation) if data.rounds else None,
            cards=dialogue_cards(data, locale),
            audience=audience_of(unit),
        )
    if fragment in (None, "actions"):
        context.update(actions=actions_for([unit.id]))
    response = render_page("results/team.html", FRAGMENTS, **context)
    response.status_code = status
    return response


def _chosen_round(rounds: list[Round]) -> Round | None:
    """The round picked in the comments selector (only a released round of this page)."""
    wanted = request.args.get("round", type=int)
    by_id = {r.id: r for r in rounds}
    if wanted in by_id:
        return by_id[wanted]
    return rounds[-1] if rounds else None
