"""What goes on a card: a fresh personal sign-in link as a QR code, and short instructions in
the person's own language on signing in and adding the app to the home screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from pulse.auth.issuing import How, has_protected_role, issue_link
from pulse.extensions import db
from pulse.i18n import day
from pulse.models import Membership, Person, Unit


@dataclass(frozen=True)
class Card:
    name: str
    team: str
    locale: str
    #: None for a person with a TRIO, MED or administrator role: no link on a card for them.
    url: str | None
    qr: segno.QRCode | None
    heading: str
    scan: str
    valid: str
    home_screen: str
    iphone: str
    android: str
    qr_label: str
    #: Why there is no code, for a person who signs in with their own e-mail link.
    own_link: str = ""


def team_members(unit: Unit) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.unit_id == unit.id, Person.active.is_(True))
            .order_by(Person.name)
        )
    )


def make_cards(unit: Unit, now: datetime, issuer: Person) -> list[Card]:
    """One card per active member of the team, each with a new single-use link (not committed).

    A member with a TRIO, MED or administrator role gets a card without a link: such links go
    only to the person themselves (see pulse/auth/issuing.py). Every link issued is audited.
    """
    config = current_app.config
    days = config["SIGNIN_LINK_DAYS"]
    team = f"{unit.parent.name} / {unit.name}" if unit.parent else unit.name
    cards = []
    for person in team_members(unit):
        url = None
        if not has_protected_role(person):
            token = issue_link(person, How.CARD, now, days, by=issuer)
            url = f"{config['PULSE_BASE_URL']}/login/{token}"
        locale = person.locale or person.organisation.default_locale
        with force_locale(locale):
            until = day(now + timedelta(days=days))  # with the year when it is next year
            cards.append(
                Card(
                    name=person.name,
                    team=team,
                    locale=locale,
                    url=url,
                    qr=segno.make(url, error="m") if url else None,
                    heading=_("Your personal link to the pulse"),
                    scan=_(
                        "Scan the code with your phone's camera and press “Sign in”. "
                        "Your answers are anonymous."
                    ),
                    valid=_(
                        "The code works once, until %(day)s, and only for you: keep the card "
                        "to yourself.",
                        day=until,
                    ),
                    home_screen=_("Put Tillidspuls on your home screen:"),
                    iphone=_("iPhone: tap Share, then “Add to Home Screen”."),
                    android=_(
                        "Android: tap the menu ⋮, then “Add to home screen” or “Install app”."
                    ),
                    qr_label=_("QR code with the sign-in link for %(name)s", name=person.name),
                    own_link=""
                    if url
                    else _(
                        "%(name)s has a role in Tillidspuls and signs in with their own e-mail "
                        "link, never with a card.",
                        name=person.first_name,
                    ),
                )
            )
    return cards
