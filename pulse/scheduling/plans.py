"""A plan's rounds in the database: its schedule and rotation, the preview, the next round."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from pulse.extensions import db
from pulse.lifecycle import create_round
from pulse.models import Dimension, Organisation, Plan, Round, RoundState
from pulse.scheduling.rotation import DimensionItems, PlannedRound, Schedule, plan_rounds


def schedule_of(plan: Plan) -> Schedule:
    return Schedule(
        cadence=plan.cadence,
        weekday=plan.weekday,
        hour=plan.hour,
        round_days=plan.round_days,
        timezone=current_app.config["PULSE_TIMEZONE"],
    )


def plan_dimensions(plan: Plan) -> list[DimensionItems]:
    """The plan's dimensions in its order, with their active questions.

    TRIO-only dimensions (the partnership self-check) are never asked of a whole team.
    """
    result = []
    for plan_dimension in plan.dimensions:
        dimension = db.session.get(Dimension, plan_dimension.dimension_id)
        if dimension is None or dimension.trio_only:
            continue
        ids = tuple(q.id for q in dimension.questions if q.active)
        result.append(DimensionItems(dimension.id, ids))
    return result


def rounds_made(plan: Plan) -> int:
    return db.session.scalar(select(func.count(Round.id)).where(Round.plan_id == plan.id)) or 0


def preview(plan: Plan, now: datetime, count: int = 6) -> list[PlannedRound]:
    """The plan's next `count` rounds that do not exist yet: when, and which dimensions."""
    last = db.session.scalar(select(func.max(Round.opens_at)).where(Round.plan_id == plan.id))
    after = max(now, last) if last else now
    return plan_rounds(
        schedule_of(plan),
        plan_dimensions(plan),
        plan.questions_per_round,
        rounds_made(plan),
        after,
        count,
    )


def schedule_next_round(plan: Plan, now: datetime) -> Round | None:
    """Create the plan's next round (scheduled, not yet open) unless it exists. The caller
    holds the plan's row lock, so two hosts never both create it."""
    (upcoming,) = plan_rounds(
        schedule_of(plan),
        plan_dimensions(plan),
        plan.questions_per_round,
        rounds_made(plan),
        now,
        1,
    )
    if not upcoming.question_ids:
        return None
    started = db.session.scalar(
        select(Round.id).where(
            Round.plan_id == plan.id,
            Round.state != RoundState.SCHEDULED,
            Round.opens_at >= upcoming.opens_at,
        )
    )
    if started is not None:
        # That opening has happened already (a host whose clock is a little behind).
        return None
    pending = db.session.scalars(
        select(Round).where(Round.plan_id == plan.id, Round.state == RoundState.SCHEDULED)
    ).all()
    if pending:
        # Already scheduled; if the plan's weekday, hour or length changed since, follow it.
        for round_ in pending:
            round_.opens_at, round_.closes_at = upcoming.opens_at, upcoming.closes_at
        return None
    organisation = db.session.get(Organisation, plan.organisation_id)
    return create_round(
        organisation,
        list(upcoming.question_ids),
        upcoming.opens_at,
        upcoming.closes_at,
        plan_id=plan.id,
        release_delay_hours=plan.release_delay_hours,
    )
