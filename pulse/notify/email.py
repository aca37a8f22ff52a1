"""Invitation and reminder e-mails: plain text and HTML, in each person's language, over SMTP.

A message holds a fresh personal sign-in link and the round's closing time; never any answer,
and nothing that says whether the person has answered (everyone gets the same reminder).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from pulse.content import estimated_minutes
from pulse.i18n import when
from pulse.models import Round

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One e-mail to send: plain values, so it outlives the transaction that made it."""

    address: str
    first_name: str
    locale: str
    token: str


def build_message(round_: Round, kind: str, delivery: Delivery) -> EmailMessage:
    """The invitation or reminder for one person, in their language."""
    config = current_app.config
    link = f"{config['PULSE_BASE_URL']}/login/{delivery.token}"
    with force_locale(delivery.locale):
        context = {
            "kind": kind,
            "first_name": delivery.first_name,
            "link": link,
            "closes": when(round_.closes_at),  # with the year when it is not this year
            "questions": len(round_.questions),
            "minutes": estimated_minutes(len(round_.questions)),
            "link_days": config["SIGNIN_LINK_DAYS"],
            "privacy_url": f"{config['PULSE_BASE_URL']}/privacy",
            "locale": delivery.locale,
        }
        if kind == "invitation":
            subject = ngettext(
                "A new pulse is open: about %(num)d minute",
                "A new pulse is open: about %(num)d minutes",
                context["minutes"],
            )
        else:
            subject = _("Reminder: the pulse closes %(when)s", when=context["closes"])
        text = render_template("email/round.txt", **context)
        html = render_template("email/round.html", subject=subject, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr(("", delivery.address))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="tillidspuls")
    message["X-Tillidspuls-Kind"] = kind  # for mail filters; the same for everyone in a team
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = delivery.locale  # after the parts: set_content clears it
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USERNAME"]:
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    return smtp


def send_round_emails(round_: Round, kind: str, deliveries: list[Delivery]) -> int:
    """Send over one SMTP connection; returns how many were accepted. A failure is logged
    (without addresses) and does not stop the tick; a failed message is not retried."""
    if not deliveries:
        return 0
    sent = 0
    try:
        with _connect() as smtp:
            for delivery in deliveries:
                try:
                    smtp.send_message(build_message(round_, kind, delivery))
                    sent += 1
                except smtplib.SMTPServerDisconnected:
                    raise  # the connection is gone: the rest can't go this time
                except smtplib.SMTPException as error:
                    # One refused message (recipient, size, content) must not stop the others.
                    log.warning(
                        "Round %s: the mail server refused a message (%s).",
                        round_.id,
                        type(error).__name__,
                    )
    except (OSError, smtplib.SMTPException) as error:
        log.error("Round %s: sending e-mail failed: %s", round_.id, type(error).__name__)
    if sent < len(deliveries):
        log.warning("Round %s: %d of %d %s e-mails sent.", round_.id, sent, len(deliveries), kind)
    return sent
