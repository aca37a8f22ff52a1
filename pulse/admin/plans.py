"""Pulse plans as the administrator makes them: values checked, one audit row per change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from pulse.admin.service import AdminError, clean_name, unit_in
from pulse.audit import record
from pulse.extensions import db
from pulse.models import Dimension, Person, Plan, PlanDimension, Round, RoundQuestion, RoundState

CADENCES = ("weekly", "biweekly", "monthly")
#: Up to 30 days between a round's close and its release.
MAX_RELEASE_DELAY_HOURS = 720


@dataclass(frozen=True)
class PlanValues:
    name: str
    unit_ids: tuple[int, ...]
    dimension_ids: tuple[str, ...]
    cadence: str
    weekday: int
    hour: int
    round_days: int
    questions_per_round: int
    release_delay_hours: int


def parse_values(form) -> PlanValues:
    """The plan form's values, checked against the same ranges the schema enforces."""

    def number(name: str, low: int, high: int) -> int:
        raw = (form.get(name) or "").strip()
        if not (raw.isascii() and raw.isdecimal() and len(raw) < 6) or not low <= int(raw) <= high:
            raise AdminError("bad_plan")
        return int(raw)

    cadence = form.get("cadence", "")
    if cadence not in CADENCES:
        raise AdminError("bad_plan")
    units = []
    for raw in form.getlist("unit_ids"):
        if not (raw.isascii() and raw.isdecimal() and len(raw) < 10):
            raise AdminError("no_unit")
        units.append(int(raw))
    return PlanValues(
        name=clean_name(form.get("name", "")),
        unit_ids=tuple(dict.fromkeys(units)),
        dimension_ids=tuple(dict.fromkeys(form.getlist("dimension_ids"))),
        cadence=cadence,
        weekday=number("weekday", 0, 6),
        hour=number("hour", 0, 23),
        round_days=number("round_days", 1, 28),
        questions_per_round=number("questions_per_round", 3, 7),
        release_delay_hours=number("release_delay_hours", 0, MAX_RELEASE_DELAY_HOURS),
    )


def askable_dimensions() -> list[Dimension]:
    """The dimensions a plan may ask a whole team (never the TRIO's own self-check)."""
    return list(
        db.session.scalars(
            select(Dimension).where(Dimension.trio_only.is_(False)).order_by(Dimension.position)
        )
    )


def _apply(plan: Plan, actor: Person, values: PlanValues) -> None:
    if not values.unit_ids:
        raise AdminError("plan_no_units")
    units = [unit_in(actor.organisation_id, unit_id) for unit_id in values.unit_ids]
    if any(unit.closed_at is not None for unit in units):
        raise AdminError("closed_unit")
    known = {d.id for d in askable_dimensions()}
    if not values.dimension_ids:
        raise AdminError("plan_no_dimensions")
    if not set(values.dimension_ids) <= known:
        raise AdminError("bad_plan")
    plan.name = values.name
    plan.cadence = values.cadence
    plan.weekday, plan.hour = values.weekday, values.hour
    plan.round_days = values.round_days
    plan.questions_per_round = values.questions_per_round
    plan.release_delay_hours = values.release_delay_hours
    plan.units = units
    if plan.id is not None:
        db.session.execute(delete(PlanDimension).where(PlanDimension.plan_id == plan.id))
        db.session.flush()
        db.session.expire(plan, ["dimensions"])
    db.session.flush()
    for position, dimension_id in enumerate(values.dimension_ids):
        db.session.add(PlanDimension(plan_id=plan.id, dimension_id=dimension_id, position=position))
    db.session.flush()
    db.session.expire(plan, ["dimensions"])


def create_plan(actor: Person, values: PlanValues, now: datetime) -> Plan:
    plan = Plan(organisation_id=actor.organisation_id, name=values.name, active=True)
    db.session.add(plan)
    db.session.flush()
    _apply(plan, actor, values)
    record("plan.add", actor.id, actor.organisation_id, now, plan=plan.name)
    return plan


def edit_plan(actor: Person, plan: Plan, values: PlanValues, now: datetime) -> None:
    """New values apply from the next round; a scheduled round follows the new weekday, hour
    and length when the tick next runs, an open round is not touched."""
    if plan.ended_at is not None:
        raise AdminError("plan_ended")
    _apply(plan, actor, values)
    record("plan.edit", actor.id, actor.organisation_id, now, plan=plan.name)


def set_plan_state(actor: Person, plan: Plan, what: str, now: datetime) -> None:
    """pause (no new rounds until resumed), resume, or end (for good: scheduled rounds that
    have not opened are dropped; open and released rounds run their course and stay)."""
    if plan.ended_at is not None:
        raise AdminError("plan_ended")
    if what == "pause":
        if not plan.active:
            raise AdminError("unchanged")
        plan.active = False
    elif what == "resume":
        if plan.active:
            raise AdminError("unchanged")
        plan.active = True
    else:
        plan.active = False
        plan.ended_at = now
        pending = select(Round.id).where(
            Round.plan_id == plan.id, Round.state == RoundState.SCHEDULED
        )
        db.session.execute(delete(RoundQuestion).where(RoundQuestion.round_id.in_(pending)))
        db.session.execute(
            delete(Round).where(Round.plan_id == plan.id, Round.state == RoundState.SCHEDULED)
        )
    record(f"plan.{what}", actor.id, actor.organisation_id, now, plan=plan.name)
