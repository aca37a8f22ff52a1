"""Personal sign-in links sent by e-mail from the administration area.

The link goes only to the person's own address, over the same SMTP connection code as the
round invitations (`pulse/notify/email.py`); it is never shown on a page or written to the log
or the audit rows (which record only to whom, and how many were sent). Each link is issued
like every other (`pulse/auth/issuing.py`): the person's older links are revoked, and the
person and their unit's TRIO see it in the sign-in log.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from pulse.auth.issuing import How, issue_link
from pulse.extensions import db
from pulse.models import Membership, Person, Unit
from pulse.notify.email import _connect
from pulse.timeutil import utcnow

log = logging.getLogger(__name__)


def team_recipients(unit: Unit) -> list[Person]:
    """The unit's active direct members with an e-mail address."""
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.unit_id == unit.id, Person.active.is_(True), Person.email.is_not(None)
            )
            .order_by(Person.name)
        )
    )


def _message(person: Person, token: str) -> EmailMessage:
    config = current_app.config
    locale = person.locale or person.organisation.default_locale
    with force_locale(locale):
        context = {
            "first_name": person.first_name,
            "link": f"{config['PULSE_BASE_URL']}/login/{token}",
            "link_days": config["SIGNIN_LINK_DAYS"],
            "privacy_url": f"{config['PULSE_BASE_URL']}/privacy",
            "locale": locale,
        }
        subject = _("Your personal link to Tillidspuls")
        text = render_template("admin/email/signin.txt", **context)
        html = render_template("admin/email/signin.html", subject=subject, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr((person.name, person.email))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tillidspuls")
    message["X-Tillidspuls-Kind"] = "sign-in"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale
    return message


def send_sign_in_links(people: list[Person], by: Person | None = None) -> int:
    """A new single-use link for each person, by e-mail; returns how many were accepted.

    Tokens are added to the session (the caller commits only if something was sent)."""
    if not people or not current_app.config["SMTP_HOST"]:
        return 0
    days = current_app.config["SIGNIN_LINK_DAYS"]
    now = utcnow()
    sent = 0
    try:
        with _connect() as smtp:
            for person in people:
                try:
                    token = issue_link(person, How.EMAIL, now, days, by=by)
                    smtp.send_message(_message(person, token))
                    sent += 1
                except smtplib.SMTPServerDisconnected:
                    raise
                except smtplib.SMTPException as error:
                    log.warning("A sign-in e-mail was refused (%s).", type(error).__name__)
    except (OSError, smtplib.SMTPException) as error:
        log.error("Sending sign-in e-mails failed: %s", type(error).__name__)
    return sent
