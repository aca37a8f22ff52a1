"""Sign-in: send personal links by e-mail to a team or a person; QR cards live on their page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from pulse.admin import bp
from pulse.admin.common import form_int, owned, unit_select
from pulse.admin.messages import error_text
from pulse.admin.service import path_of
from pulse.admin.signin_mail import send_sign_in_links, team_recipients
from pulse.audit import record
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.models import Person, Unit
from pulse.timeutil import utcnow


@bp.get("/sign-in")
@login_required
def sign_in():
    return render_template(
        "admin/signin.html", choices=unit_select(current_user.organisation_id), form=EmptyForm()
    )


@bp.post("/sign-in")
@login_required
def send_links():
    """E-mail new personal links to a team's members (`unit_id`) or one person (`person_id`)."""
    person_id, unit_id = form_int("person_id"), form_int("unit_id")
    if person_id:
        person = owned(Person, person_id)
        people = [person] if person.active and person.email else []
        to, back = person.name, url_for("admin.person", person_id=person.id)
    else:
        unit = owned(Unit, unit_id) if unit_id else None
        if unit is None:
            flash(error_text("no_unit"), "error")
            return redirect(url_for("admin.sign_in"), code=303)
        people = team_recipients(unit)
        to, back = path_of(unit), url_for("admin.sign_in")
    if not people:
        flash(error_text("no_recipients"), "error")
        return redirect(back, code=303)
    sent = send_sign_in_links(people, by=current_user)
    if not sent:
        db.session.rollback()
        flash(error_text("mail_failed"), "error")
        return redirect(back, code=303)
    record(
        "signin.send", current_user.id, current_user.organisation_id, utcnow(), to=to, count=sent
    )
    db.session.commit()
    flash(ngettext("%(num)d e-mail sent.", "%(num)d e-mails sent.", sent), "ok")
    return redirect(back, code=303)
