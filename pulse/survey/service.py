"""Storing a submission: the duplicate guard and the anonymous answers.

The only place that writes answers. It never logs, and never stores, who wrote what.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pulse.extensions import db
from pulse.models import (
    Answer,
    Audience,
    Comment,
    Participation,
    Person,
    Round,
    RoundMember,
    RoundState,
)


class Outcome(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # the same submission again: same reply, nothing stored
    ALREADY_ANSWERED = "already_answered"  # a different submission: refused
    CLOSED = "closed"
    NOT_INVITED = "not_invited"


@dataclass(frozen=True)
class Submission:
    key: str
    answers: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    audience: str = Audience.TRIO


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_accepting(round_: Round, now: datetime) -> bool:
    return round_.state == RoundState.OPEN and round_.opens_at <= now < round_.closes_at


def participation_of(round_: Round, person: Person) -> Participation | None:
    return db.session.scalar(
        select(Participation).where(
            Participation.round_id == round_.id, Participation.person_id == person.id
        )
    )


def submit(round_: Round, person: Person, submission: Submission, now: datetime) -> Outcome:
    """Store a person's answers to a round once.

    The caller has validated the values against the round's questions (see forms.py); this
    function re-checks what it relies on and commits.
    """
    # Hold the round (shared lock on PostgreSQL) so it can't close or be released while this
    # submission is written; its state is read fresh under the lock.
    round_ = db.session.scalar(
        select(Round)
        .where(Round.id == round_.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    member = db.session.get(RoundMember, (round_.id, person.id))
    if member is None:
        return Outcome.NOT_INVITED
    earlier = participation_of(round_, person)
    if earlier is not None:
        return _repeat_outcome(earlier, submission)
    if not is_accepting(round_, now):
        return Outcome.CLOSED

    question_ids = {rq.question_id for rq in round_.questions}
    if not set(submission.answers) <= question_ids:
        raise ValueError("answers to questions that are not in this round")

    db.session.add(
        Participation(round_id=round_.id, person_id=person.id, key_hash=key_hash(submission.key))
    )
    for question_id, value in submission.answers.items():
        db.session.add(
            Answer(round_id=round_.id, unit_id=member.unit_id, question_id=question_id, value=value)
        )
    if submission.comment.strip() and round_.comments_enabled:
        db.session.add(
            Comment(
                round_id=round_.id,
                unit_id=member.unit_id,
                audience=Audience(submission.audience),
                body=submission.comment.strip(),
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        # The same person submitted at the same moment from another tab or device.
        db.session.rollback()
        earlier = participation_of(round_, person)
        if earlier is None:
            raise
        return _repeat_outcome(earlier, submission)
    return Outcome.STORED


def _repeat_outcome(earlier: Participation, submission: Submission) -> Outcome:
    if earlier.key_hash == key_hash(submission.key):
        return Outcome.DUPLICATE
    return Outcome.ALREADY_ANSWERED
