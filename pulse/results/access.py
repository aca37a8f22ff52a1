"""Who may see which unit's page: the leader, TR and AMR of a unit see it and its sub-units."""

from __future__ import annotations

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Person, Role, RoleAssignment, Unit

TRIO_ROLES = (Role.LEADER, Role.TR, Role.AMR)
#: Roles that may read comments addressed "only to TR and AMR".
REPRESENTATIVE_ROLES = (Role.TR, Role.AMR)


def trio_roles(person: Person) -> dict[int, set[str]]:
    """unit id -> the person's TRIO roles there."""
    roles: dict[int, set[str]] = {}
    for assignment in person.roles:
        if assignment.role in TRIO_ROLES and assignment.unit_id is not None:
            roles.setdefault(assignment.unit_id, set()).add(assignment.role)
    return roles


def viewable_units(person: Person) -> set[int]:
    """Every unit whose page the person may open: the subtrees of their TRIO units."""
    roots = list(trio_roles(person))
    if not roots:
        return set()
    down = select(Unit.id).where(Unit.id.in_(roots)).cte("subtree", recursive=True)
    down = down.union_all(select(Unit.id).join(down, Unit.parent_id == down.c.id))
    return set(db.session.scalars(select(down.c.id)))


def may_view(person: Person, unit_path: list[int]) -> bool:
    """Whether the person is in the TRIO of a unit on this path (the unit and its ancestors):
    decided from the path, without reading the rest of the tree."""
    roles = trio_roles(person)
    return any(unit_id in roles for unit_id in unit_path)


def roles_over(person: Person, unit: Unit) -> set[str]:
    """The person's TRIO roles on this unit or any unit above it."""
    chain = {unit.id, *(u.id for u in unit.ancestors())}
    return {
        role for unit_id, roles in trio_roles(person).items() if unit_id in chain for role in roles
    }


def may_read_representatives_comments(person: Person, unit: Unit) -> bool:
    return bool(roles_over(person, unit) & set(REPRESENTATIVE_ROLES))


def audience_of(unit: Unit) -> list[tuple[str, Person, Unit]]:
    """Everyone who sees this page: the TRIO of the unit and of every unit above it."""
    chain = [unit, *unit.ancestors()]
    rows = db.session.execute(
        select(RoleAssignment.role, Person, Unit)
        .join(Person, Person.id == RoleAssignment.person_id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(
            RoleAssignment.unit_id.in_([u.id for u in chain]),
            RoleAssignment.role.in_(TRIO_ROLES),
            Person.active.is_(True),
        )
    ).all()
    order = {u.id: i for i, u in enumerate(chain)}
    rank = {Role.LEADER: 0, Role.TR: 1, Role.AMR: 2}
    return sorted(
        ((role, person, where) for role, person, where in rows),
        key=lambda row: (order[row[2].id], rank[row[0]], row[1].name),
    )
