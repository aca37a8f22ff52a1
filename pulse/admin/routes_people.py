"""People: search, add, edit, move, deactivate; their unit, roles and committee seats."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pulse.admin import bp, service
from pulse.admin.common import change, form_int, label, owned, unit_paths, unit_select
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.i18n import LANGUAGE_NAMES
from pulse.models import Committee, Person, Unit
from pulse.web import render_page


@bp.get("/people")
@login_required
def people():
    """Search by name or e-mail (htmx updates the results as one types), or list one unit."""
    query = request.args.get("q", "")[:100]
    unit_raw = request.args.get("unit", "")
    unit_id = (
        int(unit_raw)
        if unit_raw.isascii() and unit_raw.isdecimal() and len(unit_raw) < 10
        else None
    )
    unit = None
    if unit_id:
        unit = owned(Unit, unit_id)
    found = service.search_people(current_user.organisation_id, query, unit_id)
    return render_page(
        "admin/people.html",
        fragments={"people-results": "results"},
        query=query,
        unit=unit,
        people=found,
        limit=service.SEARCH_LIMIT,
    )


@bp.get("/people/new")
@login_required
def new_person():
    return render_template(
        "admin/person_new.html",
        choices=unit_select(current_user.organisation_id),
        languages=LANGUAGE_NAMES,
        form=EmptyForm(),
    )


@bp.post("/people/new")
@login_required
def add_person():
    f = request.form
    created: list[Person] = []

    def action(me, now):
        created.append(
            service.add_person(
                me,
                f.get("name", ""),
                f.get("email", ""),
                form_int("unit_id"),
                f.get("locale", ""),
                now,
            )
        )

    response = change(action, url_for("admin.new_person"))
    if created:
        response.location = url_for("admin.person", person_id=created[0].id)
    return response


@bp.get("/people/<id:person_id>")
@login_required
def person(person_id: int):
    """One person: details, unit, roles and committee seats."""
    person = owned(Person, person_id)
    committees = list(
        db.session.scalars(
            select(Committee)
            .where(Committee.organisation_id == current_user.organisation_id)
            .order_by(Committee.name)
        )
    )
    paths = dict(unit_paths(current_user.organisation_id, include_closed=True))
    own_unit = person.membership.unit_id if person.membership else None
    return render_template(
        "admin/person.html",
        person=person,
        paths=paths,
        own_unit=own_unit,
        own_label=label(paths[own_unit]) if own_unit in paths else None,
        choices=unit_select(current_user.organisation_id),
        committees=committees,
        languages=LANGUAGE_NAMES,
        form=EmptyForm(),
    )


PERSON_CHANGES = "any(edit, move, deactivate, reactivate, role, committee_add, committee_remove)"


@bp.post(f"/people/<id:person_id>/<{PERSON_CHANGES}:what>")
@login_required
def change_person(person_id: int, what: str):
    person = owned(Person, person_id)
    f = request.form
    committee_id = form_int("committee_id")

    def committee_seat(me, now, add: bool):
        committee = db.session.get(Committee, committee_id) if committee_id else None
        if committee is None or committee.organisation_id != me.organisation_id:
            raise service.AdminError("no_person")
        service.committee_member(me, committee, person, add, now)

    actions = {
        "edit": lambda me, now: service.edit_person(
            me, person, f.get("name", ""), f.get("email", ""), f.get("locale", ""), now
        ),
        "move": lambda me, now: service.move_person(me, person, form_int("unit_id"), now),
        "deactivate": lambda me, now: service.set_active(me, person, False, now),
        "reactivate": lambda me, now: service.set_active(me, person, True, now),
        "role": lambda me, now: service.add_role(
            me, person, f.get("role", ""), form_int("unit_id"), now
        ),
        "committee_add": lambda me, now: committee_seat(me, now, True),
        "committee_remove": lambda me, now: committee_seat(me, now, False),
    }
    return change(actions[what], url_for("admin.person", person_id=person.id))
