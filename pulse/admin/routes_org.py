"""The overview, the unit tree with each unit's TRIO, MED committees and the audit log."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from pulse.admin import bp, service
from pulse.admin.common import (
    PICK_LIMIT,
    change,
    form_int,
    label,
    matching_units,
    owned,
    unit_paths,
    unit_select,
)
from pulse.admin.messages import KIND_GROUPS, describe
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.models import (
    AuditEvent,
    Committee,
    CommitteeMember,
    Membership,
    Person,
    Plan,
    RoleAssignment,
    Unit,
)


@bp.get("/")
@login_required
def index():
    """What the administrator can do, with a few counts."""
    org = current_user.organisation_id
    counts = {
        "people": db.session.scalar(
            select(func.count(Person.id)).where(
                Person.organisation_id == org, Person.active.is_(True)
            )
        ),
        "units": db.session.scalar(
            select(func.count(Unit.id)).where(Unit.organisation_id == org, Unit.closed_at.is_(None))
        ),
        "plans": db.session.scalar(
            select(func.count(Plan.id)).where(Plan.organisation_id == org, Plan.active.is_(True))
        ),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/units")
@login_required
def units():
    """The unit tree (closed units marked), and a form to add a unit."""
    rows = db.session.execute(
        select(Unit.id, Unit.parent_id, Unit.name, Unit.closed_at)
        .where(Unit.organisation_id == current_user.organisation_id)
        .order_by(Unit.name)
    ).all()
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return render_template(
        "admin/units.html",
        children=children,
        choices=unit_select(current_user.organisation_id),
        form=EmptyForm(),
    )


@bp.get("/units/pick/<any(unit_id, parent_id):field>")
@login_required
def pick_unit(field: str):
    """The unit picker's matches, as one types part of a unit's name (htmx)."""
    query = request.args.get("unit_search", "")[:100]
    found = matching_units(current_user.organisation_id, query)
    return render_template(
        "admin/_unit_matches.html",
        field=field,
        query=query,
        units=found[:PICK_LIMIT],
        more=len(found) > PICK_LIMIT,
    )


@bp.post("/units")
@login_required
def add_unit():
    name, parent = request.form.get("name", ""), form_int("parent_id")
    return change(lambda me, now: service.add_unit(me, name, parent, now), url_for("admin.units"))


@bp.get("/units/<id:unit_id>")
@login_required
def unit(unit_id: int):
    """One unit: rename, move, close; its TRIO; how many are in it; committees covering it."""
    unit = owned(Unit, unit_id)
    roles = db.session.execute(
        select(RoleAssignment, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.unit_id == unit.id)
        .order_by(RoleAssignment.role, Person.name)
    ).all()
    members = db.session.scalar(
        select(func.count(Membership.id))
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id == unit.id, Person.active.is_(True))
    )
    own_path = service.path_of(unit)
    # Not into itself or below itself (the picker may offer them; the move refuses them).
    paths = unit_paths(current_user.organisation_id)
    parents = None
    if len(paths) <= current_app.config["PULSE_ADMIN_UNIT_SELECT_MAX"]:
        parents = [
            (i, label(p)) for i, p in paths if i != unit.id and not p.startswith(own_path + " / ")
        ]
    return render_template(
        "admin/unit.html",
        unit=unit,
        path=own_path,
        roles=roles,
        members=members,
        parents=parents,
        parent_label=label(own_path.rsplit(" / ", 1)[0]) if unit.parent_id else None,
        committees=[c for c in _committees() if unit in c.units],
        form=EmptyForm(),
    )


@bp.post("/units/<id:unit_id>/<any(rename, move, close, reopen):what>")
@login_required
def change_unit(unit_id: int, what: str):
    unit = owned(Unit, unit_id)
    name, parent = request.form.get("name", ""), form_int("parent_id")
    actions = {
        "rename": lambda me, now: service.rename_unit(me, unit, name, now),
        "move": lambda me, now: service.move_unit(me, unit, parent, now),
        "close": lambda me, now: service.close_unit(me, unit, now),
        "reopen": lambda me, now: service.reopen_unit(me, unit, now),
    }
    return change(actions[what], url_for("admin.unit", unit_id=unit.id))


@bp.post("/units/<id:unit_id>/roles")
@login_required
def add_unit_role(unit_id: int):
    unit = owned(Unit, unit_id)
    person = service.person_by_email(current_user.organisation_id, request.form.get("email", ""))
    role = request.form.get("role", "")

    def action(me, now):
        if person is None:
            raise service.AdminError("no_person")
        service.add_role(me, person, role, unit.id, now)

    return change(action, url_for("admin.unit", unit_id=unit.id))


@bp.post("/roles/<id:role_id>/remove")
@login_required
def remove_role(role_id: int):
    assignment = db.session.get(RoleAssignment, role_id)
    if assignment is None or assignment.person.organisation_id != current_user.organisation_id:
        abort(404)
    back = request.form.get("back") == "unit" and assignment.unit_id
    target = (
        url_for("admin.unit", unit_id=assignment.unit_id)
        if back
        else url_for("admin.person", person_id=assignment.person_id)
    )
    return change(lambda me, now: service.remove_role(me, assignment, now), target)


def _committees() -> list[Committee]:
    return list(
        db.session.scalars(
            select(Committee)
            .where(Committee.organisation_id == current_user.organisation_id)
            .order_by(Committee.name)
        )
    )


@bp.get("/committees")
@login_required
def committees():
    """MED committees: the units each covers and how many members it has."""
    sizes = dict(
        db.session.execute(
            select(CommitteeMember.committee_id, func.count())
            .join(Committee, Committee.id == CommitteeMember.committee_id)
            .where(Committee.organisation_id == current_user.organisation_id)
            .group_by(CommitteeMember.committee_id)
        ).all()
    )
    return render_template(
        "admin/committees.html", committees=_committees(), sizes=sizes, form=EmptyForm()
    )


@bp.post("/committees")
@login_required
def add_committee():
    name = request.form.get("name", "")
    return change(lambda me, now: service.add_committee(me, name, now), url_for("admin.committees"))


@bp.get("/committees/<id:committee_id>")
@login_required
def committee(committee_id: int):
    committee = owned(Committee, committee_id)
    paths = dict(unit_paths(current_user.organisation_id, include_closed=True))
    return render_template(
        "admin/committee.html",
        committee=committee,
        paths=paths,
        choices=unit_select(current_user.organisation_id),
        members=sorted(committee.members, key=lambda p: p.name),
        form=EmptyForm(),
    )


@bp.post(
    "/committees/<id:committee_id>/<any(unit_add, unit_remove, member_add, member_remove):what>"
)
@login_required
def change_committee(committee_id: int, what: str):
    committee = owned(Committee, committee_id)
    unit_id = form_int("unit_id")
    if what.startswith("member"):
        person_id = form_int("person_id")
        person = (
            db.session.get(Person, person_id)
            if person_id
            else service.person_by_email(
                current_user.organisation_id, request.form.get("email", "")
            )
        )
    actions = {
        "unit_add": lambda me, now: service.committee_unit(me, committee, unit_id, True, now),
        "unit_remove": lambda me, now: service.committee_unit(me, committee, unit_id, False, now),
        "member_add": lambda me, now: service.committee_member(me, committee, person, True, now),
        "member_remove": lambda me, now: service.committee_member(
            me, committee, person, False, now
        ),
    }
    return change(actions[what], url_for("admin.committee", committee_id=committee.id))


AUDIT_PAGE = 50


@bp.get("/audit")
@login_required
def audit():
    """The audit log, newest first, filterable by kind; 50 rows a page."""
    kind = request.args.get("kind", "")
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdecimal() and 0 < len(page) < 6 else 1
    page = max(page, 1)
    statement = (
        select(AuditEvent, Person.name)
        .outerjoin(Person, Person.id == AuditEvent.person_id)
        .where(AuditEvent.organisation_id == current_user.organisation_id)
    )
    if kind in KIND_GROUPS:
        statement = statement.where(AuditEvent.kind.like(f"{kind}.%"))
    else:
        kind = ""
    rows = db.session.execute(
        statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE)
        .limit(AUDIT_PAGE + 1)
    ).all()
    return render_template(
        "admin/audit.html",
        rows=[(event, name, describe(event)) for event, name in rows[:AUDIT_PAGE]],
        more=len(rows) > AUDIT_PAGE,
        page=page,
        kind=kind,
        groups=KIND_GROUPS,
    )
