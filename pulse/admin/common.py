"""Small helpers the administration views share: reading form numbers, running one change."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pulse.admin.messages import error_text
from pulse.admin.service import AdminError
from pulse.extensions import db
from pulse.models import Unit
from pulse.timeutil import utcnow


def form_int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if raw.isascii() and raw.isdecimal() and len(raw) <= 9:
        return int(raw)
    return None


def owned(model, object_id: int):
    """The row if it belongs to the administrator's organisation, else 404."""
    row = db.session.get(model, object_id)
    if row is None or getattr(row, "organisation_id", None) != current_user.organisation_id:
        abort(404)
    return row


def change(action: Callable[..., object], back: str, done: str | None = None):
    """Run one administrative change (it writes its one audit row), commit, and go back with a
    message; a refused change rolls back and says why."""
    try:
        action(current_user, utcnow())
        db.session.commit()
        flash(done or _("Saved."), "ok")
    except AdminError as refused:
        db.session.rollback()
        flash(error_text(str(refused)), "error")
    return redirect(back, code=303)


def unit_choices(organisation_id: int, include_closed: bool = False) -> list[tuple[int, str]]:
    """(id, "Unit · Parent") for every unit, in tree order: the unit's own name first, so a
    narrow select box still shows it, and the parent to tell "Køkkenet" from "Køkkenet"."""
    return [(unit_id, label(path)) for unit_id, path in unit_paths(organisation_id, include_closed)]


#: How many units a search in the unit picker shows.
PICK_LIMIT = 20


def unit_select(organisation_id: int) -> list[tuple[int, str]] | None:
    """The choices for a unit select box, or None when there are too many for one: the page
    then shows the unit picker (search by name, `admin/_unit_field.html`)."""
    choices = unit_choices(organisation_id)
    return choices if len(choices) <= current_app.config["PULSE_ADMIN_UNIT_SELECT_MAX"] else None


def matching_units(organisation_id: int, query: str) -> list[tuple[int, str]]:
    """Open units whose path contains every word of the query (case-insensitive), at most
    PICK_LIMIT + 1 of them (one more tells the page there are more)."""
    words = query.casefold().split()
    if not words:
        return []
    found = []
    for unit_id, path in unit_paths(organisation_id):
        folded = path.casefold()
        if all(word in folded for word in words):
            found.append((unit_id, label(path)))
            if len(found) > PICK_LIMIT:
                break
    return found


def label(path: str) -> str:
    parts = path.split(" / ")
    return parts[-1] if len(parts) == 1 else f"{parts[-1]} · {parts[-2]}"


def unit_paths(organisation_id: int, include_closed: bool = False) -> list[tuple[int, str]]:
    """(id, "Top / … / Unit") for every unit, in tree order: one query."""
    rows = db.session.execute(
        select(Unit.id, Unit.parent_id, Unit.name, Unit.closed_at).where(
            Unit.organisation_id == organisation_id
        )
    ).all()
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    result: list[tuple[int, str]] = []
    stack = [
        (row, row.name)
        for row in sorted(children.get(None, []), key=lambda r: r.name, reverse=True)
    ]
    while stack:
        row, path = stack.pop()
        if row.closed_at is not None and not include_closed:
            continue
        result.append((row.id, path))
        for child in sorted(children.get(row.id, []), key=lambda r: r.name, reverse=True):
            stack.append((child, f"{path} / {child.name}"))
    return result
