"""Pulse plans: create, edit, pause, resume and end, with the preview of the next rounds."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from pulse.admin import bp
from pulse.admin.common import change, owned, unit_choices
from pulse.admin.plans import (
    CADENCES,
    askable_dimensions,
    create_plan,
    edit_plan,
    parse_values,
    set_plan_state,
)
from pulse.admin.service import AdminError
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.models import Plan, Round, RoundState
from pulse.scheduling.plans import preview
from pulse.scheduling.rotation import DimensionItems, Schedule, plan_rounds
from pulse.timeutil import utcnow


def _form_context(plan: Plan | None) -> dict:
    locale = str(get_locale())
    return {
        "choices": unit_choices(current_user.organisation_id),
        "dimensions": [(d.id, d.name(locale)) for d in askable_dimensions()],
        "cadences": CADENCES,
        "form": EmptyForm(),
        "plan": plan,
        "chosen_units": {u.id for u in plan.units} if plan else set(),
        "chosen_dimensions": [d.dimension_id for d in plan.dimensions] if plan else [],
    }


@bp.get("/plans")
@login_required
def plans():
    rows = list(
        db.session.scalars(
            select(Plan)
            .where(Plan.organisation_id == current_user.organisation_id)
            .order_by(Plan.name)
        )
    )
    context = _form_context(None)
    defaults = MultiDict(NEW_PLAN_DEFAULTS)
    for dimension_id, _name in context["dimensions"][:4]:  # the form checks the first four
        defaults.add("dimension_ids", dimension_id)
    upcoming, names = _preview_of(defaults)
    return render_template(
        "admin/plans.html", plans=rows, upcoming=upcoming, names=names, **context
    )


@bp.post("/plans")
@login_required
def add_plan():
    created: list[Plan] = []

    def action(me, now):
        created.append(create_plan(me, parse_values(request.form), now))

    response = change(action, url_for("admin.plans"))
    if created:
        response.location = url_for("admin.plan", plan_id=created[0].id)
    return response


@bp.get("/plans/<id:plan_id>")
@login_required
def plan(plan_id: int):
    """The plan's form, its open and scheduled rounds, and the next planned ones."""
    plan = owned(Plan, plan_id)
    names = {d_id: name for d_id, name in _form_context(plan)["dimensions"]}
    rounds = list(
        db.session.scalars(
            select(Round)
            .where(
                Round.plan_id == plan.id, Round.state.in_([RoundState.SCHEDULED, RoundState.OPEN])
            )
            .order_by(Round.opens_at)
        )
    )
    upcoming = [
        (r.opens_at, r.closes_at, r.state, sorted({rq.question.dimension_id for rq in r.questions}))
        for r in rounds
    ]
    if plan.active:
        upcoming += [
            (p.opens_at, p.closes_at, "planned", list(p.dimension_ids))
            for p in preview(plan, utcnow())
        ]
    return render_template("admin/plan.html", upcoming=upcoming, names=names, **_form_context(plan))


@bp.post("/plans/<id:plan_id>")
@login_required
def change_plan(plan_id: int):
    plan = owned(Plan, plan_id)
    return change(
        lambda me, now: edit_plan(me, plan, parse_values(request.form), now),
        url_for("admin.plan", plan_id=plan.id),
    )


@bp.post("/plans/<id:plan_id>/<any(pause, resume, end):what>")
@login_required
def plan_state(plan_id: int, what: str):
    plan = owned(Plan, plan_id)
    return change(
        lambda me, now: set_plan_state(me, plan, what, now), url_for("admin.plan", plan_id=plan.id)
    )


#: The new-plan form's defaults (templates/admin/_plan_form.html), for its first preview.
NEW_PLAN_DEFAULTS = {
    "cadence": "weekly",
    "weekday": "0",
    "hour": "9",
    "round_days": "7",
    "questions_per_round": "5",
    "release_delay_hours": "48",
}


def _preview_of(args: MultiDict) -> tuple[list, dict]:
    """The first rounds a new plan with these form values would make, with the names of their
    dimensions; the same rotation as `pulse plan` and the tick (`plan_rounds`)."""
    args = args.copy()
    args["name"] = args.get("name") or "-"
    try:
        values = parse_values(args)
    except AdminError:
        return [], {}
    locale = str(get_locale())
    chosen = {d.id: d for d in askable_dimensions() if d.id in values.dimension_ids}
    items = [
        DimensionItems(d_id, tuple(q.id for q in chosen[d_id].questions if q.active))
        for d_id in values.dimension_ids
        if d_id in chosen
    ]
    schedule = Schedule(
        cadence=values.cadence,
        weekday=values.weekday,
        hour=values.hour,
        round_days=values.round_days,
        timezone=current_app.config["PULSE_TIMEZONE"],
    )
    planned = plan_rounds(schedule, items, values.questions_per_round, 0, utcnow(), 6)
    rows = [(p.opens_at, p.closes_at, "planned", list(p.dimension_ids)) for p in planned]
    return rows, {d_id: d.name(locale) for d_id, d in chosen.items()}


@bp.get("/plans/preview")
@login_required
def plan_preview():
    """The new-plan form's preview, replaced by htmx whenever a value changes."""
    rows, names = _preview_of(request.args)
    return render_template("admin/_plan_preview.html", upcoming=rows, names=names)
