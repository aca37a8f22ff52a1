"""A round's life: created with its questions, opened (teams frozen), closed.

Plain functions that take `now` explicitly, so the scheduler, the demo and the tests drive them
the same way. Release lives with the anonymity rules.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import (
    Membership,
    Organisation,
    Person,
    Round,
    RoundMember,
    RoundQuestion,
    RoundState,
    RoundTeam,
    Unit,
)


def subtree_ids(root_ids: list[int], units: list[Unit]) -> set[int]:
    """The given units and everything below them."""
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.id)
    found, stack = set(), list(root_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id not in found:
            found.add(unit_id)
            stack.extend(children.get(unit_id, []))
    return found


def create_round(
    organisation: Organisation,
    question_ids: list[str],
    opens_at: datetime,
    closes_at: datetime,
    *,
    plan_id: int | None = None,
    release_delay_hours: int = 48,
) -> Round:
    round_ = Round(
        organisation_id=organisation.id,
        plan_id=plan_id,
        opens_at=opens_at,
        closes_at=closes_at,
        release_delay_hours=release_delay_hours,
    )
    round_.questions = [
        RoundQuestion(question_id=qid, position=i) for i, qid in enumerate(question_ids)
    ]
    db.session.add(round_)
    db.session.flush()
    return round_


def open_round(round_: Round, unit_ids: list[int]) -> None:
    """Open a round for the members of the given units' subtrees, freezing who is invited where.

    Joiners and leavers after this moment count from the next round (DESIGN.md §3.2). The
    privacy settings in force are copied, so a later change cannot apply to this round.
    """
    if round_.state != RoundState.SCHEDULED:
        raise ValueError(f"round {round_.id} is {round_.state}, not scheduled")
    organisation = db.session.get(Organisation, round_.organisation_id)
    units = db.session.scalars(select(Unit).where(Unit.organisation_id == organisation.id)).all()
    covered = subtree_ids(unit_ids, list(units))
    members = db.session.execute(
        select(Membership.person_id, Membership.unit_id)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id.in_(covered), Person.active.is_(True))
    ).all()
    for person_id, unit_id in members:
        db.session.add(RoundMember(round_id=round_.id, person_id=person_id, unit_id=unit_id))
    for unit_id, invited in Counter(unit_id for _p, unit_id in members).items():
        db.session.add(RoundTeam(round_id=round_.id, unit_id=unit_id, invited=invited))
    round_.min_group_size = organisation.min_group_size
    round_.min_comment_group_size = organisation.min_comment_group_size
    round_.comments_enabled = organisation.comments_enabled
    round_.state = RoundState.OPEN
    db.session.flush()


def close_round(round_: Round) -> None:
    if round_.state != RoundState.OPEN:
        raise ValueError(f"round {round_.id} is {round_.state}, not open")
    round_.state = RoundState.CLOSED
    db.session.flush()


def close_due_rounds(now: datetime) -> list[int]:
    """Close every open round whose closing time has passed. Returns their ids."""
    due = db.session.scalars(
        select(Round).where(Round.state == RoundState.OPEN, Round.closes_at <= now)
    ).all()
    for round_ in due:
        close_round(round_)
    db.session.commit()
    return [r.id for r in due]
