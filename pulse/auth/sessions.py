"""Flask-Login wiring: a person stays signed in on a device until they sign out."""

from __future__ import annotations

import secrets
from functools import cache

from flask import Flask, g, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, null, select
from sqlalchemy.orm.attributes import set_committed_value

from pulse.auth.tokens import hash_token
from pulse.extensions import db, login_manager
from pulse.models import DeviceSession, Organisation, Person


def start_device_session(person: Person, via: str = "link") -> None:
    """Sign this device in: a fresh random token in the session cookie, its hash in the database.

    `via`: "link" or "idp", how the person proved who they are.
    """
    token = secrets.token_urlsafe(32)
    db.session.add(DeviceSession(person_id=person.id, token_hash=hash_token(token), via=via))
    db.session.commit()
    session["device"] = token
    login_user(person)


def end_device_session() -> None:
    token = session.get("device")
    if token:
        db.session.execute(
            delete(DeviceSession).where(DeviceSession.token_hash == hash_token(token))
        )
        db.session.commit()
    logout_user()
    session.clear()


def _check_device_session() -> None:
    """A session cookie counts only while its device session exists (not after sign-out)."""
    if not current_user.is_authenticated:
        return
    # `load_person` read the device session in the same statement as the person; a person
    # signed in another way during this request (login_user) is checked here.
    valid = g.pop("pulse_device_session", None)
    if valid is None:
        token = session.get("device")
        valid = token and db.session.scalar(
            select(DeviceSession.id).where(
                DeviceSession.token_hash == hash_token(token),
                DeviceSession.person_id == current_user.id,
            )
        )
    if not valid:
        logout_user()
        session.clear()


def configure_login(app: Flask) -> None:
    app.before_request(_check_device_session)
    login_manager.login_view = "auth.signed_out"
    # The signed-out page itself explains how to sign in; no flashed message needed.
    login_manager.login_message = None
    # The session cookie itself is long-lived (PERMANENT_SESSION_LIFETIME); no remember cookie.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_person(session_id: str) -> Person | None:
    """The id in the session is "person:session_version"; an old version no longer signs in.

    One statement per request: the person, their organisation (language, privacy settings)
    and whether this device's session still exists (`_check_device_session` acts on it).
    """
    person_id, _sep, version = session_id.partition(":")
    if not (person_id.isdigit() and version.isdigit()):
        return None
    token = session.get("device")
    params = {"person_id": int(person_id)}
    if token:
        params["token_hash"] = hash_token(token)
    row = db.session.execute(_person_query(bool(token)), params).first()
    if row is None:
        return None
    person, organisation, device_id = row
    set_committed_value(person, "organisation", organisation)
    g.pulse_device_session = device_id is not None
    if not person.active or person.session_version != int(version):
        return None
    return person


@cache
def _person_query(with_device: bool):
    """Built once per process; the organisation comes in the same row."""
    device = (
        select(DeviceSession.id)
        .where(
            DeviceSession.token_hash == bindparam("token_hash"),
            DeviceSession.person_id == Person.id,
        )
        .scalar_subquery()
        if with_device
        else null()
    )
    return (
        select(Person, Organisation, device)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.id == bindparam("person_id"))
    )
