"""'Discussed in MED on <date>': one mark per committee and quarter, set by a member, shown on
the summary and on the TRIO pages of the units the committee covers."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import literal, select
from wtforms import DateField
from wtforms.validators import DataRequired

from pulse.extensions import db
from pulse.med.summary import Quarter
from pulse.models import Committee, CommitteeDiscussion, CommitteeUnit, Person, Unit


class DiscussedForm(FlaskForm):
    discussed_on = DateField(
        _l("Discussed in MED on"),
        format="%Y-%m-%d",
        validators=[DataRequired(message=_l("Write a date, e.g. 2027-01-31."))],
    )


def discussion_of(committee: Committee, quarter: Quarter) -> CommitteeDiscussion | None:
    return db.session.scalar(
        select(CommitteeDiscussion).where(
            CommitteeDiscussion.committee_id == committee.id,
            CommitteeDiscussion.year == quarter.year,
            CommitteeDiscussion.quarter == quarter.number,
        )
    )


def mark_discussed(
    committee: Committee, quarter: Quarter, day: date, person: Person, now: datetime
) -> CommitteeDiscussion:
    """Set (or correct) the date the committee discussed the quarter's summary."""
    discussion = discussion_of(committee, quarter)
    if discussion is None:
        discussion = CommitteeDiscussion(
            committee_id=committee.id, year=quarter.year, quarter=quarter.number
        )
        db.session.add(discussion)
    discussion.discussed_on = day
    discussion.marked_by_id = person.id
    discussion.marked_at = now
    return discussion


def discussions_over(unit: Unit, limit: int = 4) -> list[tuple[str, CommitteeDiscussion]]:
    """The latest discussions of committees whose area holds this unit: (committee, mark).

    One query over the unit's ancestor chain (a recursive query up the tree).
    """
    chain = (
        select(Unit.id, Unit.parent_id, literal(0).label("depth"))
        .where(Unit.id == unit.id)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(Unit.id, Unit.parent_id, chain.c.depth + 1).join(chain, Unit.id == chain.c.parent_id)
    )
    rows = db.session.execute(
        select(Committee.name, CommitteeDiscussion)
        .join(Committee, Committee.id == CommitteeDiscussion.committee_id)
        .where(
            CommitteeDiscussion.committee_id.in_(
                select(CommitteeUnit.committee_id).where(
                    CommitteeUnit.unit_id.in_(select(chain.c.id))
                )
            )
        )
        .order_by(CommitteeDiscussion.year.desc(), CommitteeDiscussion.quarter.desc())
        .limit(limit)
    ).all()
    return [(name, discussion) for name, discussion in rows]
