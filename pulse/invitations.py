"""Which rounds a person is invited to: the reading the answer page, the home page and the
service worker share (read only; a round's changes live with its life cycle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pulse.extensions import db
from pulse.lifecycle import subtree_ids
from pulse.models import Person, PlanUnit, Round, RoundMember, RoundState, Unit


def open_round_for(person: Person, now: datetime) -> Round | None:
    """The open round this person is invited to (the newest, if several overlap)."""
    return db.session.scalar(
        select(Round)
        .join(RoundMember, RoundMember.round_id == Round.id)
        .where(
            RoundMember.person_id == person.id,
            Round.state == RoundState.OPEN,
            Round.opens_at <= now,
            Round.closes_at > now,
        )
        .order_by(Round.opens_at.desc())
        .limit(1)
    )


def invited_round(person: Person, round_id: int) -> Round | None:
    """The round if this person is invited to it; None hides that it exists at all."""
    return db.session.scalar(
        select(Round)
        .join(RoundMember, RoundMember.round_id == Round.id)
        .where(Round.id == round_id, RoundMember.person_id == person.id)
    )


def finished_round_of_organisation(person: Person, round_id: int) -> Round | None:
    """A closed or released round of the person's organisation (for a late resend)."""
    return db.session.scalar(
        select(Round).where(
            Round.id == round_id,
            Round.organisation_id == person.organisation_id,
            Round.state.in_((RoundState.CLOSED, RoundState.RELEASED)),
        )
    )


def next_round_for(person: Person, now: datetime) -> Round | None:
    """The next scheduled round whose plan covers the person's team."""
    if person.membership is None:
        return None
    candidates = db.session.scalars(
        select(Round)
        .where(
            Round.organisation_id == person.organisation_id,
            Round.state == RoundState.SCHEDULED,
            Round.opens_at > now,
        )
        .order_by(Round.opens_at)
    ).all()
    if not candidates:
        return None
    units = db.session.scalars(
        select(Unit).where(Unit.organisation_id == person.organisation_id)
    ).all()
    for round_ in candidates:
        plan_roots = db.session.scalars(
            select(PlanUnit.unit_id).where(PlanUnit.plan_id == round_.plan_id)
        ).all()
        if round_.plan_id is None or person.membership.unit_id in subtree_ids(plan_roots, units):
            return round_
    return None
