"""Follow-up and housekeeping: TRIO actions, push subscriptions, the audit log."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pulse.extensions import db
from pulse.models.release import one_of


class ActionStatus(enum.StrEnum):
    OPEN = "open"  # not started
    DOING = "doing"
    DONE = "done"
    DROPPED = "dropped"


class ActionOwner(enum.StrEnum):
    """Who of the TRIO carries an action, or the whole team."""

    LEADER = "leader"
    TR = "tr"
    AMR = "amr"
    TEAM = "team"


class Action(db.Model):
    """A "handling" the TRIO agreed on after reading results."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    dimension_id: Mapped[str | None] = mapped_column(ForeignKey("dimension.id"))
    title: Mapped[str] = mapped_column(String(200))
    #: Who carries it (an ActionOwner).
    owner: Mapped[str] = mapped_column(String(10))
    follow_up_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.OPEN)

    events: Mapped[list[ActionEvent]] = relationship(order_by="ActionEvent.at")

    __table_args__ = (
        CheckConstraint(one_of("owner", ActionOwner), name="known_owner"),
        CheckConstraint(one_of("status", ActionStatus), name="known_status"),
    )


class ActionEvent(db.Model):
    """The status history of an action: who of the TRIO changed what, and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")


class PushSubscription(db.Model):
    """A device's web push subscription (one person may have several devices)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))


class AuditEvent(db.Model):
    """Administrative changes (settings, roles, releases). Never answers or who submitted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: Whom the action was about, when a person (e.g. a sign-in link issued *for* them).
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
