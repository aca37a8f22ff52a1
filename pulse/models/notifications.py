"""Which person was nudged about which round, so that nobody is nudged twice.

A row is written (and committed) *before* the message goes out; the unique constraint makes a
second host's insert fail, so two ticks running at once never e-mail the same person twice. The
rows name persons, so they are deleted when the round is released. They never say who answered:
invitations and the reminder go to everyone in the round's teams.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pulse.extensions import db


class NotificationLog(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: "invitation" or "reminder".
    kind: Mapped[str] = mapped_column(String(12))

    __table_args__ = (
        UniqueConstraint("round_id", "person_id", "kind", name="uq_notification_log_once"),
        CheckConstraint("kind IN ('invitation', 'reminder')", name="known_kind"),
    )
