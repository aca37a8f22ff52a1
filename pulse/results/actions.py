"""Actions ("handlinger") the TRIO agrees on: created, edited and closed with a history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from pulse.extensions import db
from pulse.models import Action, ActionEvent, ActionOwner, ActionStatus, Person, Unit

OWNERS = tuple(ActionOwner)
STATUSES = tuple(ActionStatus)
#: Finished actions sort last on the TRIO page.
FINISHED = (ActionStatus.DONE, ActionStatus.DROPPED)


def owner_names() -> dict[str, str]:
    return {
        ActionOwner.LEADER: _("Leader"),
        ActionOwner.TR: _("TR"),
        ActionOwner.AMR: _("AMR"),
        ActionOwner.TEAM: _("The team"),
    }


def status_names() -> dict[str, str]:
    return {
        ActionStatus.OPEN: _("Not started"),
        ActionStatus.DOING: _("In progress"),
        ActionStatus.DONE: _("Done"),
        ActionStatus.DROPPED: _("Dropped"),
    }


def create_action(
    unit: Unit,
    person: Person,
    title: str,
    dimension_id: str | None,
    owner: str,
    follow_up_on: date | None,
    now: datetime,
) -> Action:
    action = Action(
        unit_id=unit.id,
        title=title.strip(),
        dimension_id=dimension_id or None,
        owner=owner,
        follow_up_on=follow_up_on,
        status=ActionStatus.OPEN,
    )
    db.session.add(action)
    db.session.flush()
    db.session.add(
        ActionEvent(action_id=action.id, person_id=person.id, at=now, status=ActionStatus.OPEN)
    )
    return action


def update_action(
    action: Action,
    person: Person,
    *,
    title: str,
    dimension_id: str | None,
    owner: str,
    follow_up_on: date | None,
    status: str,
    note: str,
    now: datetime,
) -> None:
    """Change an action; every change leaves an entry in its history."""
    changed = (
        action.title != title.strip()
        or action.dimension_id != (dimension_id or None)
        or action.owner != owner
        or action.follow_up_on != follow_up_on
        or action.status != status
        or note.strip()
    )
    if not changed:
        return
    action.title = title.strip()
    action.dimension_id = dimension_id or None
    action.owner = owner
    action.follow_up_on = follow_up_on
    action.status = status
    db.session.add(
        ActionEvent(
            action_id=action.id, person_id=person.id, at=now, status=status, note=note.strip()
        )
    )


def actions_for(unit_ids: list[int]) -> list[Action]:
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.unit_id.in_(unit_ids))
            .order_by(Action.status.in_(FINISHED), Action.id.desc())
        )
    )


def recent_actions_for_employee(unit: Unit, now: datetime) -> list[Action]:
    """What the TRIO is doing for this team: its own and its workplace's actions, open ones and
    those finished in the last three months ("Det har vi gjort siden sidst")."""
    chain = [unit.id, *(u.id for u in unit.ancestors())]
    recent = now - timedelta(days=90)
    finished_recently = select(ActionEvent.action_id).where(
        ActionEvent.status == ActionStatus.DONE, ActionEvent.at >= recent
    )
    return list(
        db.session.scalars(
            select(Action)
            .where(
                Action.unit_id.in_(chain),
                or_(
                    Action.status.in_((ActionStatus.OPEN, ActionStatus.DOING)),
                    Action.id.in_(finished_recently),
                ),
            )
            .order_by(Action.status == ActionStatus.DONE, Action.id.desc())
            .limit(10)
        )
    )
