"""What a MED committee records about its quarterly summaries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pulse.extensions import db


class CommitteeDiscussion(db.Model):
    """ "Discussed in MED on <date>": a member marks a quarter's summary as discussed. The TRIO
    pages of the units the committee covers show it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    year: Mapped[int]
    quarter: Mapped[int]
    discussed_on: Mapped[date]
    #: The member who marked it, and when (an administrative record, like the audit log).
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    marked_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("committee_id", "year", "quarter", name="uq_committee_discussion_quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )
