"""What an administrator changes in the organisation: plain functions, one audit row each.

Each function checks what it relies on, raises `AdminError(code)` (a message key, see
`pulse/admin/messages.py`) before changing anything, and leaves the commit to the caller.
Nothing is deleted that released figures, actions or the audit log need: units are closed,
people deactivated. A person's move changes their membership only; an open round keeps the
team it froze when it opened.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from pulse.audit import record
from pulse.auth.idp import end_link_sessions
from pulse.extensions import db
from pulse.models import (
    Committee,
    CommitteeMember,
    CommitteeUnit,
    Membership,
    Person,
    Role,
    RoleAssignment,
    Unit,
)
from pulse.orgimport.parse import EMAIL, LOCALES

TRIO = (Role.LEADER, Role.TR, Role.AMR)


class AdminError(Exception):
    """A refused change; `str(error)` is the message key."""


def is_admin(person: Person) -> bool:
    return any(assignment.role == Role.ADMIN for assignment in person.roles)


def clean_name(text: str, limit: int = 200) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise AdminError("empty_name")
    if len(name) > limit:
        raise AdminError("too_long")
    return name


def unit_in(organisation_id: int, unit_id: int | None) -> Unit:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.organisation_id != organisation_id:
        raise AdminError("no_unit")
    return unit


def path_of(unit: Unit) -> str:
    return " / ".join(u.name for u in [*reversed(unit.ancestors()), unit])


# --- units ---------------------------------------------------------------------------------


def add_unit(actor: Person, name: str, parent_id: int | None, now: datetime) -> Unit:
    parent = unit_in(actor.organisation_id, parent_id)
    if parent.closed_at is not None:
        raise AdminError("closed_unit")
    unit = Unit(organisation_id=actor.organisation_id, parent=parent, name=clean_name(name))
    db.session.add(unit)
    db.session.flush()
    record("unit.add", actor.id, actor.organisation_id, now, unit=path_of(unit))
    return unit


def rename_unit(actor: Person, unit: Unit, name: str, now: datetime) -> None:
    old, unit.name = unit.name, clean_name(name)
    if old == unit.name:
        raise AdminError("unchanged")
    record("unit.rename", actor.id, actor.organisation_id, now, old=old, new=path_of(unit))


def move_unit(actor: Person, unit: Unit, parent_id: int | None, now: datetime) -> None:
    parent = unit_in(actor.organisation_id, parent_id)
    if parent.id == unit.id or unit in parent.ancestors():
        raise AdminError("move_into_itself")
    if parent.closed_at is not None:
        raise AdminError("closed_unit")
    if unit.parent_id == parent.id:
        raise AdminError("unchanged")
    old = path_of(unit)
    unit.parent = parent
    db.session.flush()
    record("unit.move", actor.id, actor.organisation_id, now, old=old, new=path_of(unit))


def close_unit(actor: Person, unit: Unit, now: datetime) -> None:
    """Close a unit that no one is in any more; its figures and actions stay readable."""
    if unit.closed_at is not None:
        raise AdminError("unchanged")
    if unit.parent_id is None:
        raise AdminError("close_top")
    members = db.session.scalar(
        select(func.count(Membership.id))
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id == unit.id, Person.active.is_(True))
    )
    open_children = db.session.scalar(
        select(func.count(Unit.id)).where(Unit.parent_id == unit.id, Unit.closed_at.is_(None))
    )
    if members or open_children:
        raise AdminError("close_not_empty")
    unit.closed_at = now
    record("unit.close", actor.id, actor.organisation_id, now, unit=path_of(unit))


def reopen_unit(actor: Person, unit: Unit, now: datetime) -> None:
    if unit.closed_at is None:
        raise AdminError("unchanged")
    if unit.parent is not None and unit.parent.closed_at is not None:
        raise AdminError("closed_unit")
    unit.closed_at = None
    record("unit.reopen", actor.id, actor.organisation_id, now, unit=path_of(unit))


# --- people --------------------------------------------------------------------------------


def _clean_email(organisation_id: int, text: str, person_id: int | None = None) -> str:
    email = (text or "").strip().lower()
    if not email:
        raise AdminError("empty_email")
    if len(email) > 254 or not EMAIL.match(email):
        raise AdminError("invalid_email")
    taken = db.session.scalar(
        select(Person.id).where(
            Person.organisation_id == organisation_id,
            func.lower(Person.email) == email,
            *([Person.id != person_id] if person_id else []),
        )
    )
    if taken is not None:
        raise AdminError("duplicate_email")
    return email


def _clean_locale(text: str) -> str | None:
    locale = (text or "").strip() or None
    if locale is not None and locale not in LOCALES:
        raise AdminError("bad_locale")
    return locale


def add_person(
    actor: Person, name: str, email: str, unit_id: int | None, locale: str, now: datetime
) -> Person:
    unit = unit_in(actor.organisation_id, unit_id)
    if unit.closed_at is not None:
        raise AdminError("closed_unit")
    person = Person(
        organisation_id=actor.organisation_id,
        name=clean_name(name),
        email=_clean_email(actor.organisation_id, email),
        locale=_clean_locale(locale),
    )
    db.session.add(person)
    db.session.flush()
    db.session.add(Membership(person_id=person.id, unit_id=unit.id))
    record(
        "person.add", actor.id, actor.organisation_id, now, person=person.name, unit=path_of(unit)
    )
    return person


def edit_person(
    actor: Person, person: Person, name: str, email: str, locale: str, now: datetime
) -> None:
    new = (
        clean_name(name),
        _clean_email(actor.organisation_id, email, person.id),
        _clean_locale(locale),
    )
    if new == (person.name, person.email, person.locale):
        raise AdminError("unchanged")
    fields = [
        f
        for f, old, value in zip(
            ("name", "email", "locale"),
            (person.name, person.email, person.locale),
            new,
            strict=True,
        )
        if old != value
    ]
    person.name, person.email, person.locale = new
    record("person.edit", actor.id, actor.organisation_id, now, person=person.name, fields=fields)


def move_person(actor: Person, person: Person, unit_id: int | None, now: datetime) -> None:
    """The person's team from the next round on (an open round keeps its frozen team)."""
    unit = unit_in(actor.organisation_id, unit_id)
    if unit.closed_at is not None:
        raise AdminError("closed_unit")
    old = person.membership.unit if person.membership else None
    if old is not None and old.id == unit.id:
        raise AdminError("unchanged")
    if person.membership is None:
        db.session.add(Membership(person_id=person.id, unit_id=unit.id))
    else:
        person.membership.unit_id = unit.id
    record(
        "person.move",
        actor.id,
        actor.organisation_id,
        now,
        person=person.name,
        old=path_of(old) if old else "",
        new=path_of(unit),
    )


def set_active(actor: Person, person: Person, active: bool, now: datetime) -> None:
    """Deactivate (signed out everywhere; roles and committee seats end) or reactivate."""
    if person.active == active:
        raise AdminError("unchanged")
    if person.id == actor.id:
        raise AdminError("own_account")
    person.active = active
    if not active:
        person.session_version += 1
        for assignment in list(person.roles):
            db.session.delete(assignment)
        db.session.execute(
            CommitteeMember.__table__.delete().where(CommitteeMember.person_id == person.id)
        )
    kind = "person.reactivate" if active else "person.deactivate"
    record(kind, actor.id, actor.organisation_id, now, person=person.name)


def add_role(actor: Person, person: Person, role: str, unit_id: int | None, now: datetime) -> None:
    if role == Role.ADMIN:
        unit = None
    elif role in TRIO:
        unit = unit_in(actor.organisation_id, unit_id)
    else:
        raise AdminError("unknown_role")
    if not person.active:
        raise AdminError("inactive")
    exists = db.session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == role,
            RoleAssignment.unit_id.is_(None) if unit is None else RoleAssignment.unit_id == unit.id,
        )
    )
    if exists:
        raise AdminError("unchanged")
    db.session.add(
        RoleAssignment(person_id=person.id, role=role, unit_id=unit.id if unit else None)
    )
    end_link_sessions()  # a role that must use the identity provider ends link sessions now
    record(
        "role.add",
        actor.id,
        actor.organisation_id,
        now,
        person=person.name,
        role=role,
        unit=path_of(unit) if unit else "",
    )


def remove_role(actor: Person, assignment: RoleAssignment, now: datetime) -> None:
    if assignment.person.organisation_id != actor.organisation_id:
        raise AdminError("no_unit")
    if assignment.person_id == actor.id and assignment.role == Role.ADMIN:
        raise AdminError("own_account")
    unit = path_of(assignment.unit) if assignment.unit else ""
    record(
        "role.remove",
        actor.id,
        actor.organisation_id,
        now,
        person=assignment.person.name,
        role=assignment.role,
        unit=unit,
    )
    db.session.delete(assignment)


# --- committees ----------------------------------------------------------------------------


def add_committee(actor: Person, name: str, now: datetime) -> Committee:
    name = clean_name(name)
    taken = db.session.scalar(
        select(Committee.id).where(
            Committee.organisation_id == actor.organisation_id, Committee.name == name
        )
    )
    if taken:
        raise AdminError("duplicate_committee")
    committee = Committee(organisation_id=actor.organisation_id, name=name)
    db.session.add(committee)
    db.session.flush()
    record("committee.add", actor.id, actor.organisation_id, now, committee=name)
    return committee


def committee_unit(
    actor: Person, committee: Committee, unit_id: int | None, add: bool, now: datetime
) -> None:
    unit = unit_in(actor.organisation_id, unit_id)
    link = db.session.get(CommitteeUnit, (committee.id, unit.id))
    if (link is not None) == add:
        raise AdminError("unchanged")
    if add:
        db.session.add(CommitteeUnit(committee_id=committee.id, unit_id=unit.id))
    else:
        db.session.delete(link)
    kind = "committee.unit_add" if add else "committee.unit_remove"
    record(kind, actor.id, actor.organisation_id, now, committee=committee.name, unit=path_of(unit))


def committee_member(
    actor: Person, committee: Committee, person: Person | None, add: bool, now: datetime
) -> None:
    if person is None or person.organisation_id != actor.organisation_id:
        raise AdminError("no_person")
    seat = db.session.get(CommitteeMember, (committee.id, person.id))
    if (seat is not None) == add:
        raise AdminError("unchanged")
    if add and not person.active:
        raise AdminError("inactive")
    if add:
        db.session.add(CommitteeMember(committee_id=committee.id, person_id=person.id))
        end_link_sessions()
    else:
        db.session.delete(seat)
    kind = "committee.member_add" if add else "committee.member_remove"
    record(kind, actor.id, actor.organisation_id, now, committee=committee.name, person=person.name)


def person_by_email(organisation_id: int, email: str) -> Person | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.scalar(
        select(Person).where(
            Person.organisation_id == organisation_id, func.lower(Person.email) == email
        )
    )


SEARCH_LIMIT = 50


def search_people(organisation_id: int, query: str, unit_id: int | None = None) -> list[Person]:
    """At most SEARCH_LIMIT people whose name or e-mail contains the query (or of one unit)."""
    statement = select(Person).where(Person.organisation_id == organisation_id)
    words = re.sub(r"[%_\\]", " ", query or "").split()
    for word in words[:5]:
        pattern = f"%{word.lower()}%"
        statement = statement.where(
            func.lower(Person.name).like(pattern) | func.lower(Person.email).like(pattern)
        )
    if unit_id:
        statement = statement.join(Membership, Membership.person_id == Person.id).where(
            Membership.unit_id == unit_id
        )
    if not words and not unit_id:
        return []
    return list(
        db.session.scalars(
            statement.order_by(Person.active.desc(), Person.name).limit(SEARCH_LIMIT)
        )
    )
