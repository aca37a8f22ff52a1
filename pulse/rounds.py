"""A round's life, in one place: created with its questions, opened (teams frozen, key made),
closed, released (figures kept, raw data destroyed, clean-up verified).

Every change of a round's state happens here, with its check. Plain functions that take `now`
explicitly, so the tick, the commands, the demo and the tests drive them the same way. The
`*_due` functions are what the tick calls: safe on several hosts at once, because each round is
taken under a row lock that other hosts skip (PostgreSQL; SQLite drops the clause, and there
one host runs the tick) and its state is checked again under that lock.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from pulse.anonymity.release import clean_up, release_data
from pulse.anonymity.sealed import key_encryption_key, new_round_key
from pulse.extensions import db
from pulse.models import (
    Membership,
    Organisation,
    Person,
    Round,
    RoundKey,
    RoundMember,
    RoundQuestion,
    RoundState,
    RoundTeam,
    Unit,
)

log = logging.getLogger(__name__)


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


class CleanupPending(RuntimeError):
    """The round is released, but its deleted raw data may still be readable from the files."""


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

    Joiners and leavers after this moment count from the next round (docs/anonymity.md). The
    privacy settings in force are copied, so a later change cannot apply to this round. The
    round's answer key is made now, and stored only encrypted.
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
    kek = key_encryption_key(current_app.config["PULSE_ANSWER_KEY"])
    _key, wrapped = new_round_key(round_.id, kek)
    db.session.add(RoundKey(round_id=round_.id, wrapped=wrapped))
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


def release_round(round_: Round, now: datetime) -> None:
    """Release a closed round: figures and comments kept, raw data destroyed, committed.

    Raises `CleanupPending` when the deleted data could not be made unreadable from the
    database files (e.g. another process holds the SQLite file open): the round is released
    and marked, and `retry_cleanups` (every tick) finishes the job.
    """
    if round_.state != RoundState.CLOSED:
        raise ValueError(f"round {round_.id} is {round_.state}; only a closed round is released")
    release_data(round_)
    round_.state = RoundState.RELEASED
    round_.released_at = now
    db.session.commit()
    # Nothing is written after a successful clean-up, so the SQLite journal stays empty.
    if not clean_up():
        _mark_pending([round_.id], True)
        raise CleanupPending(
            f"Round {round_.id} is released, but its deleted raw data could not be cleaned out "
            "of the database files (another process is reading the database?). It will be "
            "retried by the next tick; `flask --app wsgi pulse verify` shows what remains."
        )


def retry_cleanups() -> list[int]:
    """Finish the clean-up of released rounds where it failed. Returns the rounds now clean."""
    pending = db.session.scalars(select(Round.id).where(Round.cleanup_pending.is_(True))).all()
    if not pending:
        return []
    _mark_pending(pending, False)
    if not clean_up():
        _mark_pending(pending, True)
        log.warning("Clean-up after release still pending for rounds %s.", list(pending))
        return []
    log.info("Clean-up after release finished for rounds %s.", list(pending))
    return list(pending)


def _mark_pending(round_ids: list[int], pending: bool) -> None:
    db.session.execute(update(Round).where(Round.id.in_(round_ids)).values(cleanup_pending=pending))
    db.session.commit()


def drop_missed_round(round_: Round) -> None:
    """A scheduled round whose whole time passed while no tick ran: it never existed."""
    if round_.state != RoundState.SCHEDULED:
        raise ValueError(f"round {round_.id} is {round_.state}, not scheduled")
    db.session.execute(delete(RoundQuestion).where(RoundQuestion.round_id == round_.id))
    db.session.execute(delete(Round).where(Round.id == round_.id))


def _locked_round(round_id: int, state: RoundState) -> Round | None:
    """The round if nobody else holds it and it is still in `state`, locked until commit."""
    return db.session.scalar(
        select(Round)
        .where(Round.id == round_id, Round.state == state)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def close_due(now: datetime) -> list[int]:
    """Close every open round whose time is up. Returns their ids."""
    ids = db.session.scalars(
        select(Round.id).where(Round.state == RoundState.OPEN, Round.closes_at <= now)
    ).all()
    db.session.rollback()
    closed = []
    for round_id in ids:
        round_ = _locked_round(round_id, RoundState.OPEN)
        if round_ is not None:
            close_round(round_)
            closed.append(round_id)
        db.session.commit()
    return closed


def release_due(now: datetime) -> list[int]:
    """Release every closed round whose release delay has passed, oldest first; then retry
    any clean-up that failed before. Returns the released rounds' ids."""
    candidates = db.session.execute(
        select(Round.id, Round.closes_at, Round.release_delay_hours).where(
            Round.state == RoundState.CLOSED
        )
    ).all()
    db.session.rollback()
    released = []
    for round_id, closes_at, delay in sorted(candidates, key=lambda row: row[1]):
        if closes_at + timedelta(hours=delay) > now:
            continue
        round_ = _locked_round(round_id, RoundState.CLOSED)
        if round_ is None:  # another host has it, or has released it already
            db.session.rollback()
            continue
        try:
            release_round(round_, now)
        except CleanupPending as pending:
            log.warning("%s", pending)
        released.append(round_id)
    retry_cleanups()
    return released
