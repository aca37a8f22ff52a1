"""Storing a submission: the duplicate guard and the sealed, anonymous answers.

The only place that writes answers. It never logs, and never stores, who wrote what. A
submission costs a handful of SQL statements (the session's one, one read of the round with its
questions, the person's team, an earlier participation and the round's key, and the two inserts,
one statement on PostgreSQL): nothing is read twice, and nothing is re-read after the commit
(issue 11 measured 26 before).
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from pulse.anonymity.sealed import (
    Contents,
    box_size,
    key_encryption_key,
    seal,
    unwrap_round_key,
)
from pulse.extensions import db
from pulse.models import (
    Audience,
    Participation,
    Person,
    Question,
    Round,
    RoundKey,
    RoundMember,
    RoundQuestion,
    RoundState,
    Scale,
    SealedAnswer,
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


@dataclass
class Entry:
    """One person's standing in one round, read in one statement."""

    round: Round  # with its questions and their scales loaded
    unit_id: int  # the person's team, frozen when the round opened
    earlier_key_hash: str | None  # set if the person has answered already
    wrapped_key: bytes | None

    @property
    def questions(self) -> list[Question]:
        return [rq.question for rq in self.round.questions]


def read_entry(round_id: int, person_id: int, *, lock: bool = False) -> Entry | None:
    """The round as this person may answer it, or None if they are not invited to it.

    With `lock`, the round is held (shared lock on PostgreSQL) until the transaction ends, so
    it can't close or be released while a submission is written; it is read fresh under it.
    """
    rows = db.session.execute(
        _entry_query(lock), {"round_id": round_id, "person_id": person_id}
    ).all()
    if not rows:
        return None
    round_, _rq, _question, _scale, unit_id, key_hash, wrapped = rows[0]
    # One row per question, in order: the round's questions, each with its question and scale,
    # set as loaded (the session holds them only weakly; a lazy load would read them again).
    questions = []
    for _round, round_question, question, scale, *_rest in rows:
        if round_question is None:
            continue
        set_committed_value(question, "scale", scale)
        set_committed_value(round_question, "question", question)
        questions.append(round_question)
    set_committed_value(round_, "questions", questions)
    return Entry(round_, unit_id, key_hash, wrapped)


@cache
def _entry_query(lock: bool):
    """Built once per process (building it cost more than running it); the ids are bound.

    Flat rows rather than nested eager loading: setting up the nested loaders cost more per
    request than the statement itself."""
    round_id, person_id = bindparam("round_id"), bindparam("person_id")
    query = (
        select(
            Round,
            RoundQuestion,
            Question,
            Scale,
            RoundMember.unit_id,
            Participation.key_hash,
            RoundKey.wrapped,
        )
        .join(
            RoundMember,
            (RoundMember.round_id == Round.id) & (RoundMember.person_id == person_id),
        )
        .outerjoin(
            Participation,
            (Participation.round_id == Round.id) & (Participation.person_id == person_id),
        )
        .outerjoin(RoundKey, RoundKey.round_id == Round.id)
        .outerjoin(RoundQuestion, RoundQuestion.round_id == Round.id)
        .outerjoin(Question, Question.id == RoundQuestion.question_id)
        .outerjoin(Scale, Scale.id == Question.scale_id)
        .where(Round.id == round_id)
        .order_by(RoundQuestion.position)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(read=True, of=Round)
    return query


def submit(round_: Round, person: Person, submission: Submission, now: datetime) -> Outcome:
    """Store a person's answers to a round once (reads the round itself, under a lock)."""
    entry = read_entry(round_.id, person.id, lock=True)
    if entry is None:
        return Outcome.NOT_INVITED
    return submit_entry(entry, person.id, submission, now)


def submit_entry(entry: Entry, person_id: int, submission: Submission, now: datetime) -> Outcome:
    """Store the submission for a person whose entry was just read under its lock.

    The caller has validated the values against the round's questions (see forms.py); this
    function re-checks what it relies on and commits.
    """
    round_ = entry.round
    if entry.earlier_key_hash is not None:
        return _repeat_outcome(entry.earlier_key_hash, submission)
    if not is_accepting(round_, now):
        return Outcome.CLOSED
    if not set(submission.answers) <= {rq.question_id for rq in round_.questions}:
        raise ValueError("answers to questions that are not in this round")
    if entry.wrapped_key is None:
        raise RuntimeError(f"round {round_.id} is open but has no answer key")

    comment = submission.comment.strip() if round_.comments_enabled else ""
    contents = Contents(
        unit_id=entry.unit_id,
        answers=dict(submission.answers),
        audience=str(Audience(submission.audience)) if comment else None,
        comment=comment,
    )
    key = unwrap_round_key(round_.id, entry.wrapped_key, _kek())
    box = seal(key, round_.id, contents, box_size(bool(round_.comments_enabled)))
    try:
        # A duplicate participation fails the insert itself (or, on SQLite, the commit).
        _insert_both(
            {"round_id": round_.id, "person_id": person_id, "key_hash": key_hash(submission.key)},
            {"round_id": round_.id, "box": box},
        )
        _commit_keeping_loaded()
    except IntegrityError:
        # The same person submitted at the same moment from another tab or device.
        db.session.rollback()
        earlier = db.session.scalar(
            select(Participation.key_hash).where(
                Participation.round_id == round_.id, Participation.person_id == person_id
            )
        )
        if earlier is None:
            raise
        return _repeat_outcome(earlier, submission)
    return Outcome.STORED


def _insert_both(participation: dict, sealed_answer: dict) -> None:
    """The participation row and the sealed box, in the request's transaction.

    Plain Core inserts: nothing in the request reads these rows back, so the ORM's bookkeeping
    is not needed. On PostgreSQL both go in one statement (one round trip fewer; a duplicate
    participation fails it as a whole); SQLite, in-process, has no round trip to save.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # A random id, as the model's default gives (a default is not applied inside a CTE).
        row = {**participation, **sealed_answer, "box_id": uuid.uuid4()}
        connection.execute(_insert_both_statement(), row)
        return
    connection.execute(insert(Participation.__table__), participation)
    connection.execute(insert(SealedAnswer.__table__), sealed_answer)


@cache
def _insert_both_statement():
    # Only the participation table knows the person; the box shares the round id alone.
    round_id = bindparam("round_id")
    participation = (
        insert(Participation.__table__)
        .values(round_id=round_id, person_id=bindparam("person_id"), key_hash=bindparam("key_hash"))
        .cte("participation_row")
    )
    return (
        insert(SealedAnswer.__table__)
        .values(id=bindparam("box_id"), round_id=round_id, box=bindparam("box"))
        .add_cte(participation)
    )


def _kek() -> bytes:
    return _derived_kek(current_app.config["PULSE_ANSWER_KEY"])


@cache
def _derived_kek(secret: str) -> bytes:
    return key_encryption_key(secret)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what this request loaded: the thank-you page is rendered from
    the round and person read before the commit, which the commit did not change."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _repeat_outcome(earlier_key_hash: str, submission: Submission) -> Outcome:
    if earlier_key_hash == key_hash(submission.key):
        return Outcome.DUPLICATE
    return Outcome.ALREADY_ANSWERED
