"""What an import would change: the file's people compared with the database, nothing written.

Everything the comparison needs is loaded with one query per table (units, people, memberships,
roles, committees, committee members), so planning 45,000 people costs a handful of queries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import (
    Committee,
    CommitteeMember,
    Membership,
    Organisation,
    Person,
    RoleAssignment,
    Unit,
)
from pulse.orgimport.parse import UNIT_SEPARATOR, Row

Path = tuple[str, ...]


@dataclass(frozen=True)
class PersonChange:
    """One person the import touches: `kind` is add, move, change or deactivate; `what` names
    the changed fields for a change (name, locale, roles, committees, reactivated)."""

    kind: str
    email: str
    name: str
    line: int | None
    old_unit: str | None
    new_unit: str | None
    what: tuple[str, ...] = ()
    person_id: int | None = None


@dataclass
class Snapshot:
    """The organisation as it is in the database (ids and plain values only)."""

    organisation_id: int | None = None
    unit_ids: dict[Path, int] = field(default_factory=dict)  # open units win over closed ones
    closed: set[int] = field(default_factory=set)
    paths: dict[int, Path] = field(default_factory=dict)
    people: dict[str, tuple[int, str, str | None, bool]] = field(default_factory=dict)
    without_email: list[tuple[int, str, bool]] = field(default_factory=list)
    memberships: dict[int, tuple[int, int]] = field(default_factory=dict)  # person -> (id, unit)
    roles: dict[int, list[tuple[int, str, int | None]]] = field(default_factory=dict)
    committees: dict[str, int] = field(default_factory=dict)
    committee_members: dict[int, set[int]] = field(default_factory=dict)  # person -> committees


@dataclass
class ImportPlan:
    organisation_name: str
    rows: list[Row]
    snapshot: Snapshot
    units_add: list[Path] = field(default_factory=list)
    units_reopen: list[Path] = field(default_factory=list)
    units_close: list[Path] = field(default_factory=list)
    committees_add: list[str] = field(default_factory=list)
    people: list[PersonChange] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[PersonChange]:
        return [change for change in self.people if change.kind == kind]

    def counts(self) -> dict[str, int]:
        counts = {kind: len(self.of_kind(kind)) for kind in ("add", "move", "change", "deactivate")}
        counts["units_add"] = len(self.units_add)
        counts["units_reopen"] = len(self.units_reopen)
        counts["units_close"] = len(self.units_close)
        counts["committees_add"] = len(self.committees_add)
        return counts

    @property
    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def fingerprint(self) -> str:
        """Names this exact set of changes: a confirmation applies only what was previewed."""
        digest = hashlib.sha256()
        for part in (
            self.units_add,
            self.units_reopen,
            self.units_close,
            self.committees_add,
            [(c.kind, c.email, c.new_unit, c.what) for c in self.people],
        ):
            digest.update(repr(part).encode())
        return digest.hexdigest()[:32]


def joined(path: Path | None) -> str | None:
    return UNIT_SEPARATOR.join(path) if path else None


def load_snapshot(organisation: Organisation | None) -> Snapshot:
    snapshot = Snapshot()
    if organisation is None:
        return snapshot
    org_id = snapshot.organisation_id = organisation.id
    units = db.session.execute(
        select(Unit.id, Unit.parent_id, Unit.name, Unit.closed_at)
        .where(Unit.organisation_id == org_id)
        .order_by(Unit.id)
    ).all()
    parents = {unit_id: (parent_id, name) for unit_id, parent_id, name, _c in units}

    def path_of(unit_id: int) -> Path:
        if unit_id not in snapshot.paths:
            parent_id, name = parents[unit_id]
            snapshot.paths[unit_id] = (*path_of(parent_id), name) if parent_id else (name,)
        return snapshot.paths[unit_id]

    for unit_id, _parent, _name, closed_at in units:
        path = path_of(unit_id)
        if closed_at is not None:
            snapshot.closed.add(unit_id)
        known = snapshot.unit_ids.get(path)
        # An open unit wins; among closed ones of the same path, the newest.
        if known is None or known in snapshot.closed:
            snapshot.unit_ids[path] = unit_id

    for person_id, email, name, locale, active in db.session.execute(
        select(Person.id, Person.email, Person.name, Person.locale, Person.active)
        .where(Person.organisation_id == org_id)
        .order_by(Person.id)
    ):
        key = (email or "").strip().lower()
        if key and key not in snapshot.people:
            snapshot.people[key] = (person_id, name, locale, active)
        else:
            snapshot.without_email.append((person_id, name, active))
    in_org = select(Person.id).where(Person.organisation_id == org_id)
    for membership_id, person_id, unit_id in db.session.execute(
        select(Membership.id, Membership.person_id, Membership.unit_id).where(
            Membership.person_id.in_(in_org)
        )
    ):
        snapshot.memberships[person_id] = (membership_id, unit_id)
    for role_id, person_id, role, unit_id in db.session.execute(
        select(
            RoleAssignment.id, RoleAssignment.person_id, RoleAssignment.role, RoleAssignment.unit_id
        ).where(RoleAssignment.person_id.in_(in_org))
    ):
        snapshot.roles.setdefault(person_id, []).append((role_id, role, unit_id))
    for committee_id, name in db.session.execute(
        select(Committee.id, Committee.name)
        .where(Committee.organisation_id == org_id)
        .order_by(Committee.id)
    ):
        snapshot.committees.setdefault(name, committee_id)
    for committee_id, person_id in db.session.execute(
        select(CommitteeMember.committee_id, CommitteeMember.person_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(Committee.organisation_id == org_id)
    ):
        snapshot.committee_members.setdefault(person_id, set()).add(committee_id)
    return snapshot


def desired_roles(row: Row) -> set[tuple[str, Path | None]]:
    return {(role, None if role == "admin" else row.path) for role in row.roles}


def make_plan(rows: list[Row], organisation: Organisation | None) -> ImportPlan:
    """Compare the file with the organisation in the database (None: there is none yet)."""
    snapshot = load_snapshot(organisation)
    name = organisation.name if organisation is not None else rows[0].path[0]
    plan = ImportPlan(organisation_name=name, rows=rows, snapshot=snapshot)

    wanted: list[Path] = []
    seen: set[Path] = set()
    for row in rows:
        for depth in range(1, len(row.path) + 1):
            if row.path[:depth] not in seen:
                seen.add(row.path[:depth])
                wanted.append(row.path[:depth])
    for path in wanted:
        unit_id = snapshot.unit_ids.get(path)
        if unit_id is None:
            plan.units_add.append(path)
        elif unit_id in snapshot.closed:
            plan.units_reopen.append(path)
    plan.units_close = sorted(
        path
        for path, unit_id in snapshot.unit_ids.items()
        if path not in seen and unit_id not in snapshot.closed
    )
    in_file = {name for row in rows for name in row.committees}
    plan.committees_add = sorted(in_file - set(snapshot.committees))
    committee_names = {committee_id: name for name, committee_id in snapshot.committees.items()}

    for row in rows:
        found = snapshot.people.get(row.email)
        if found is None:
            plan.people.append(
                PersonChange("add", row.email, row.name, row.line, None, joined(row.path))
            )
            continue
        person_id, name, locale, active = found
        membership = snapshot.memberships.get(person_id)
        old_path = snapshot.paths.get(membership[1]) if membership else None
        what = []
        if name != row.name:
            what.append("name")
        if locale != row.locale:
            what.append("locale")
        if not active:
            what.append("reactivated")
        current_roles = {
            (role, snapshot.paths.get(unit_id) if unit_id else None)
            for _id, role, unit_id in snapshot.roles.get(person_id, [])
        }
        if current_roles != desired_roles(row):
            what.append("roles")
        current_committees = {
            committee_names.get(c) for c in snapshot.committee_members.get(person_id, set())
        }
        if current_committees != set(row.committees):
            what.append("committees")
        # By unit id, not by name: a member of a closed unit is moved to the open unit of the
        # same name.
        target = snapshot.unit_ids.get(row.path)
        moved = membership is None or target is None or membership[1] != target
        if moved or what:
            kind = "move" if moved else "change"
            plan.people.append(
                PersonChange(
                    kind,
                    row.email,
                    row.name,
                    row.line,
                    joined(old_path),
                    joined(row.path),
                    tuple(what),
                    person_id,
                )
            )

    in_rows = {row.email for row in rows}
    leavers = [
        (email, person_id, name)
        for email, (person_id, name, _locale, active) in snapshot.people.items()
        if active and email not in in_rows
    ]
    leavers += [(None, pid, name) for pid, name, active in snapshot.without_email if active]
    for email, person_id, name in leavers:
        membership = snapshot.memberships.get(person_id)
        old_path = snapshot.paths.get(membership[1]) if membership else None
        plan.people.append(
            PersonChange(
                "deactivate", email or "", name, None, joined(old_path), None, (), person_id
            )
        )
    return plan
