"""Pulse plans, rounds, participation and the anonymous answers.

While a round is open its answers and comments exist only as `SealedAnswer` rows: one encrypted
box per submission under the round's own key (`RoundKey`, itself encrypted with a secret that
is never in the database). No person, device, address or time column, random UUID ids. At
release the boxes are opened once, turned into figures and released comments, and destroyed
with the key, participation and the frozen members (docs/anonymity.md).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pulse.extensions import db

if TYPE_CHECKING:
    from pulse.models.content import Question
    from pulse.models.org import Unit


class Plan(db.Model):
    """A recurring pulse: which units, how often, how many questions, which dimensions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cadence: Mapped[str] = mapped_column(String(10), default="weekly")
    weekday: Mapped[int] = mapped_column(default=0)  # Monday = 0
    hour: Mapped[int] = mapped_column(default=9)
    round_days: Mapped[int] = mapped_column(default=7)
    questions_per_round: Mapped[int] = mapped_column(default=5)
    release_delay_hours: Mapped[int] = mapped_column(default=48)
    active: Mapped[bool] = mapped_column(default=True)
    #: When an administrator ended the plan (a paused plan has none and can be resumed).
    ended_at: Mapped[datetime | None]

    units: Mapped[list[Unit]] = relationship(secondary="plan_unit")
    dimensions: Mapped[list[PlanDimension]] = relationship(order_by="PlanDimension.position")

    __table_args__ = (
        CheckConstraint("cadence IN ('weekly', 'biweekly', 'monthly')", name="known_cadence"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
        CheckConstraint("questions_per_round BETWEEN 3 AND 7", name="questions_range"),
        CheckConstraint("round_days BETWEEN 1 AND 28", name="round_days_range"),
    )


class PlanUnit(db.Model):
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class PlanDimension(db.Model):
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    dimension_id: Mapped[str] = mapped_column(ForeignKey("dimension.id"), primary_key=True)
    position: Mapped[int]


class RoundState(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    RELEASED = "released"


class Round(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=RoundState.SCHEDULED, index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    release_delay_hours: Mapped[int] = mapped_column(default=48)
    #: Privacy settings in force for this round, copied when it opens (changes never apply to an
    #: open round).
    min_group_size: Mapped[int | None]
    min_comment_group_size: Mapped[int | None]
    comments_enabled: Mapped[bool | None]
    invitations_sent_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    #: Released, but the clean-up after it (SQLite journal, PostgreSQL vacuum) has not been
    #: confirmed yet: the tick retries it and `pulse verify` reports it.
    cleanup_pending: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    questions: Mapped[list[RoundQuestion]] = relationship(order_by="RoundQuestion.position")
    teams: Mapped[list[RoundTeam]] = relationship()

    __table_args__ = (
        CheckConstraint("state IN ('scheduled', 'open', 'closed', 'released')", name="known_state"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )


class RoundQuestion(db.Model):
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"), primary_key=True)
    position: Mapped[int]

    question: Mapped[Question] = relationship()


class RoundTeam(db.Model):
    """A team in a round, frozen when the round opens: how many were invited.

    Deleted at release: what a page may show of it is in the participation figures.
    """

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    invited: Mapped[int]

    unit: Mapped[Unit] = relationship()


class RoundMember(db.Model):
    """Who is invited to a round and for which team (frozen at opening). Deleted at release."""

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))


class Participation(db.Model):
    """*That* a person answered a round - never what. Guards against answering twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: SHA-256 of the client's idempotency key: a resent submission gets the same reply.
    key_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("round_id", "person_id", name="uq_participation_round_person"),
    )


def _random_id() -> uuid.UUID:
    return uuid.uuid4()


class RoundKey(db.Model):
    """The round's data key, encrypted with the key-encryption secret from the environment.

    Made when the round opens, deleted at release: after that no one can open a leftover box.
    """

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class SealedAnswer(db.Model):
    """One submission's answers (and comment), encrypted as one box of a fixed size per round.

    Nothing in clear but the round: not the team, not the values, not whether there is a
    comment. No person, device, address or time: by design.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    box: Mapped[bytes] = mapped_column(LargeBinary)


class Audience(enum.StrEnum):
    TRIO = "trio"  # leader, TR and AMR
    REPRESENTATIVES = "reps"  # only TR and AMR


class ReleasedComment(db.Model):
    """A comment as released: bound to the group the comments rule released it for.

    `path` is that group's chain of ancestors at release time ("/root/.../unit/"), so a page
    lists the comments released inside a unit without regrouping them by today's tree.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(String(400))
    audience: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint("audience IN ('trio', 'reps')", name="known_audience"),)
