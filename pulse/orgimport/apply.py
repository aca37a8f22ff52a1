"""Making an import's changes: bulk statements, one transaction, one audit row.

Nothing is deleted that a released figure, an action or an audit row needs: leavers are
deactivated (their roles and committee seats end), units are closed. A move changes the
person's membership only; a round that is already open keeps the team it froze when it opened
(`RoundMember`), so moves and leavers count from the next round.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete, insert, update

from pulse.audit import record
from pulse.auth.idp import end_link_sessions
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
from pulse.orgimport.planning import ImportPlan, Path, desired_roles

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning(model, rows: list[dict], *keys: str) -> dict[tuple, int]:
    """Insert with multi-row statements (Core, not the unit of work, which is many times
    slower at this size); the new ids keyed by the values of `keys`, which identify a row."""
    table = model.__table__
    ids: dict[tuple, int] = {}
    if rows:
        statement = insert(table).returning(table.c.id, *(table.c[k] for k in keys))
        # executemany: SQLAlchemy batches it into multi-row INSERT ... RETURNING statements.
        for new_id, *values in db.session.connection().execute(statement, rows):
            ids[tuple(values)] = new_id
    return ids


def _insert_all(model, rows: list[dict]) -> None:
    if rows:
        db.session.connection().execute(insert(model.__table__), rows)


def _unit_kind(path: Path, has_children: bool) -> str:
    if len(path) == 1:
        return "organisation"
    return "area" if has_children else "team"


def apply_plan(plan: ImportPlan, now: datetime, actor_id: int | None) -> int:
    """Apply the plan (the caller commits). Returns the organisation's id."""
    snapshot = plan.snapshot
    if snapshot.organisation_id is None:
        organisation = Organisation(name=plan.organisation_name, default_locale="da")
        db.session.add(organisation)
        db.session.flush()
        snapshot.organisation_id = organisation.id
        from pulse.content import load_question_bank

        # A new installation: the plans made in the administration area need the questions.
        load_question_bank()
    org_id = snapshot.organisation_id
    unit_ids = dict(snapshot.unit_ids)

    parents = {row.path[:depth] for row in plan.rows for depth in range(1, len(row.path))}
    for depth in sorted({len(path) for path in plan.units_add}):
        level = [path for path in plan.units_add if len(path) == depth]
        new = _insert_returning(
            Unit,
            [
                {
                    "organisation_id": org_id,
                    "parent_id": unit_ids[path[:-1]] if depth > 1 else None,
                    "name": path[-1],
                    "kind": _unit_kind(path, path in parents),
                }
                for path in level
            ],
            "parent_id",
            "name",
        )
        for path in level:
            unit_ids[path] = new[(unit_ids[path[:-1]] if depth > 1 else None, path[-1])]
    _set_closed([unit_ids[p] for p in plan.units_reopen], None)
    _set_closed([unit_ids[p] for p in plan.units_close], now)

    committees = dict(snapshot.committees)
    new = _insert_returning(
        Committee, [{"organisation_id": org_id, "name": n} for n in plan.committees_add], "name"
    )
    committees.update({name: committee_id for (name,), committee_id in new.items()})

    rows = {row.email: row for row in plan.rows}
    added = [rows[change.email] for change in plan.of_kind("add")]
    new = _insert_returning(
        Person,
        [
            {
                "organisation_id": org_id,
                "name": r.name,
                "email": r.email,
                "locale": r.locale,
                "active": True,
                "session_version": 1,
            }
            for r in added
        ],
        "email",
    )
    person_rows = {new[(r.email,)]: r for r in added}
    new_memberships = [
        {"person_id": pid, "unit_id": unit_ids[r.path]} for pid, r in person_rows.items()
    ]

    updated = [c for c in plan.people if c.kind in ("move", "change")]
    if updated:
        db.session.execute(
            update(Person),
            [
                {
                    "id": c.person_id,
                    "name": rows[c.email].name,
                    "locale": rows[c.email].locale,
                    "active": True,
                }
                for c in updated
            ],
        )
    moves = []
    for change in plan.of_kind("move"):
        membership = snapshot.memberships.get(change.person_id)
        unit_id = unit_ids[rows[change.email].path]
        if membership is None:
            new_memberships.append({"person_id": change.person_id, "unit_id": unit_id})
        else:
            moves.append({"id": membership[0], "unit_id": unit_id})
    if moves:
        db.session.execute(update(Membership), moves)
    if new_memberships:
        _insert_all(Membership, new_memberships)
    person_rows.update({c.person_id: rows[c.email] for c in updated})

    leavers = [c.person_id for c in plan.of_kind("deactivate")]
    for chunk in _chunks(leavers):
        db.session.execute(update(Person).where(Person.id.in_(chunk)).values(active=False))
    _sync_roles(plan, person_rows, leavers, unit_ids)
    _sync_committees(plan, person_rows, leavers, committees)
    end_link_sessions()  # new roles that must use the identity provider end link sessions now
    record("org.import", actor_id, org_id, now, **plan.counts())
    db.session.flush()
    return org_id


def _set_closed(ids: list[int], when: datetime | None) -> None:
    for chunk in _chunks(ids):
        db.session.execute(update(Unit).where(Unit.id.in_(chunk)).values(closed_at=when))


def _delete_in(column, ids: Iterable[int]) -> None:
    for chunk in _chunks(list(ids)):
        db.session.execute(delete(column.table).where(column.in_(chunk)))


def _sync_roles(plan, person_rows, leavers, unit_ids) -> None:
    """Each touched person's roles become exactly the file's; leavers keep none."""
    snapshot = plan.snapshot
    stale: list[int] = []
    missing: list[dict] = []
    for person_id in leavers:
        stale += [role_id for role_id, _r, _u in snapshot.roles.get(person_id, [])]
    for person_id, row in person_rows.items():
        wanted = {(role, unit_ids[path] if path else None) for role, path in desired_roles(row)}
        have = {
            (role, unit_id): role_id for role_id, role, unit_id in snapshot.roles.get(person_id, [])
        }
        stale += [role_id for key, role_id in have.items() if key not in wanted]
        missing += [
            {"person_id": person_id, "role": role, "unit_id": unit_id}
            for role, unit_id in sorted(wanted - set(have), key=str)
        ]
    _delete_in(RoleAssignment.__table__.c.id, stale)
    if missing:
        _insert_all(RoleAssignment, missing)


def _sync_committees(plan, person_rows, leavers, committees) -> None:
    snapshot = plan.snapshot
    table = CommitteeMember.__table__
    stale: dict[int, list[int]] = {}
    missing: list[dict] = []
    for person_id in leavers:
        for committee_id in snapshot.committee_members.get(person_id, set()):
            stale.setdefault(committee_id, []).append(person_id)
    for person_id, row in person_rows.items():
        wanted = {committees[name] for name in row.committees}
        have = snapshot.committee_members.get(person_id, set())
        for committee_id in have - wanted:
            stale.setdefault(committee_id, []).append(person_id)
        missing += [{"committee_id": c, "person_id": person_id} for c in sorted(wanted - have)]
    for committee_id, people in stale.items():
        for chunk in _chunks(people):
            db.session.execute(
                delete(table).where(
                    table.c.committee_id == committee_id, table.c.person_id.in_(chunk)
                )
            )
    if missing:
        _insert_all(CommitteeMember, missing)
