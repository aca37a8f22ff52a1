"""Flask-Login wiring: a person stays signed in on a device until they sign out."""

from __future__ import annotations

from flask import Flask

from pulse.extensions import db, login_manager
from pulse.models import Person


def configure_login(app: Flask) -> None:
    login_manager.login_view = "auth.signed_out"
    # The signed-out page itself explains how to sign in; no flashed message needed.
    login_manager.login_message = None
    # The session cookie itself is long-lived (PERMANENT_SESSION_LIFETIME); no remember cookie.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_person(session_id: str) -> Person | None:
    """The id in the session is "person:session_version"; an old version no longer signs in."""
    person_id, _sep, version = session_id.partition(":")
    if not (person_id.isdigit() and version.isdigit()):
        return None
    person = db.session.get(Person, int(person_id))
    if person is None or not person.active or person.session_version != int(version):
        return None
    return person
