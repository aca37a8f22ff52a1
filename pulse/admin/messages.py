"""The administration area's texts that depend on data: refusals and audit-log sentences."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pulse.audit import params_of
from pulse.models import AuditEvent


def error_text(code: str) -> str:
    texts = {
        "empty_name": _("Write a name."),
        "too_long": _("That is too long."),
        "no_unit": _("Choose one of the units."),
        "no_person": _("There is no one with that e-mail address."),
        "closed_unit": _("That unit is closed."),
        "unchanged": _("Nothing changed: that is how it already is."),
        "move_into_itself": _("A unit can't be moved into itself or one of its own units."),
        "close_top": _("The organisation's top unit can't be closed."),
        "close_not_empty": _("Move the unit's people and open sub-units away before closing it."),
        "empty_email": _("Write an e-mail address."),
        "invalid_email": _("That is not an e-mail address."),
        "duplicate_email": _("Someone else already has that e-mail address."),
        "bad_locale": _("Choose one of the languages."),
        "own_account": _("You can't deactivate yourself or remove your own administrator role."),
        "unknown_role": _("Choose one of the roles."),
        "inactive": _("The person is deactivated."),
        "duplicate_committee": _("A committee with that name already exists."),
        "bad_plan": _("Check the plan's values: each must be one of the choices offered."),
        "plan_no_units": _("Choose at least one unit for the plan."),
        "plan_no_dimensions": _("Choose at least one dimension for the plan."),
        "plan_ended": _("The plan has ended; make a new one."),
        "no_recipients": _("No one there has an e-mail address."),
        "mail_failed": _("The e-mails could not be sent. Check the mail settings and try again."),
        "import_changed": _(
            "The organisation changed since the preview. Upload the file again to see the "
            "changes as they are now."
        ),
        "import_expired": _("The preview has expired. Upload the file again."),
        "no_file": _("Choose a CSV file."),
    }
    return texts.get(code, _("Something was wrong with the request."))


#: The audit log's filter: kind prefix -> label.
KIND_GROUPS = {
    "org": _l("Imports"),
    "unit": _l("Units"),
    "person": _l("People"),
    "role": _l("Roles"),
    "committee": _l("MED committees"),
    "plan": _l("Pulse plans"),
    "signin": _l("Sign-in links"),
    "privacy": _l("Privacy settings"),
    "release": _l("Releases"),
}


def describe(event: AuditEvent) -> str:
    """The row as a sentence in the reader's language; unknown kinds show their parameters."""
    p = params_of(event)
    role_names = {
        "leader": _("leader"),
        "tr": _("TR"),
        "amr": _("AMR"),
        "admin": _("administrator"),
    }
    texts = {
        "org.import": lambda: _(
            "Imported the organisation: %(add)s added, %(move)s moved, %(change)s changed, "
            "%(deactivate)s deactivated; %(units_add)s units added, %(units_close)s closed.",
            **{
                k: p.get(k, 0)
                for k in ("add", "move", "change", "deactivate", "units_add", "units_close")
            },
        ),
        "unit.add": lambda: _("Added the unit %(unit)s.", unit=p.get("unit")),
        "unit.rename": lambda: _(
            "Renamed the unit %(old)s to %(new)s.", old=p.get("old"), new=p.get("new")
        ),
        "unit.move": lambda: _(
            "Moved the unit %(old)s to %(new)s.", old=p.get("old"), new=p.get("new")
        ),
        "unit.close": lambda: _("Closed the unit %(unit)s.", unit=p.get("unit")),
        "unit.reopen": lambda: _("Reopened the unit %(unit)s.", unit=p.get("unit")),
        "person.add": lambda: _(
            "Added %(person)s to %(unit)s.", person=p.get("person"), unit=p.get("unit")
        ),
        "person.edit": lambda: _("Changed the details of %(person)s.", person=p.get("person")),
        "person.move": lambda: _(
            "Moved %(person)s from %(old)s to %(new)s (from the next round).",
            person=p.get("person"),
            old=p.get("old") or "–",
            new=p.get("new"),
        ),
        "person.deactivate": lambda: _("Deactivated %(person)s.", person=p.get("person")),
        "person.reactivate": lambda: _("Reactivated %(person)s.", person=p.get("person")),
        "role.add": lambda: _(
            "Gave %(person)s the role %(role)s %(unit)s.",
            person=p.get("person"),
            role=role_names.get(p.get("role"), p.get("role")),
            unit=p.get("unit", ""),
        ),
        "role.remove": lambda: _(
            "Removed the role %(role)s %(unit)s from %(person)s.",
            person=p.get("person"),
            role=role_names.get(p.get("role"), p.get("role")),
            unit=p.get("unit", ""),
        ),
        "committee.add": lambda: _(
            "Created the committee %(committee)s.", committee=p.get("committee")
        ),
        "committee.unit_add": lambda: _(
            "The committee %(committee)s now covers %(unit)s.",
            committee=p.get("committee"),
            unit=p.get("unit"),
        ),
        "committee.unit_remove": lambda: _(
            "The committee %(committee)s no longer covers %(unit)s.",
            committee=p.get("committee"),
            unit=p.get("unit"),
        ),
        "committee.member_add": lambda: _(
            "Added %(person)s to the committee %(committee)s.",
            committee=p.get("committee"),
            person=p.get("person"),
        ),
        "committee.member_remove": lambda: _(
            "Removed %(person)s from the committee %(committee)s.",
            committee=p.get("committee"),
            person=p.get("person"),
        ),
        "plan.add": lambda: _("Created the pulse plan %(plan)s.", plan=p.get("plan")),
        "plan.edit": lambda: _("Changed the pulse plan %(plan)s.", plan=p.get("plan")),
        "plan.pause": lambda: _("Paused the pulse plan %(plan)s.", plan=p.get("plan")),
        "plan.resume": lambda: _("Resumed the pulse plan %(plan)s.", plan=p.get("plan")),
        "plan.end": lambda: _("Ended the pulse plan %(plan)s.", plan=p.get("plan")),
        "signin.send": lambda: _(
            "Sent personal sign-in links by e-mail to %(to)s (%(count)s sent).",
            to=p.get("to"),
            count=p.get("count", 0),
        ),
        # One row per link or card issued (pulse/auth/issuing.py), never the token.
        "signin.email": lambda: _(
            "Made a sign-in link for %(person)s, sent to their own e-mail.", person=p.get("person")
        ),
        "signin.card": lambda: _("Printed a sign-in card for %(person)s.", person=p.get("person")),
        "signin.operator": lambda: _(
            "Made a sign-in link for %(person)s on the server.", person=p.get("person")
        ),
        # pulse/api/tokens.py writes the token's name and scope as plain text.
        "api_token.issued": lambda: _("Made the API token %(token)s.", token=p.get("text")),
        "api_token.revoked": lambda: _("Revoked the API token %(token)s.", token=p.get("text")),
    }
    text = texts.get(event.kind)
    if text is not None:
        return text()
    return p.get("text") or ", ".join(f"{k}: {v}" for k, v in sorted(p.items()))
