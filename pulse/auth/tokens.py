"""Personal sign-in links: a random token, stored only as its hash, single use, with an expiry.

A used link is deleted, not marked as used: a "used at" time would tell a database reader who
was active while a round was open (docs/anonymity.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from pulse.extensions import db
from pulse.models import Person, SignInToken
from pulse.timeutil import utcnow


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_sign_in_token(person: Person, valid_days: int) -> str:
    """Create a token for `person` and return it; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignInToken(
            person_id=person.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=valid_days),
        )
    )
    return token


def find_usable_token(token: str) -> SignInToken | None:
    """The stored token if it exists, is unused, unexpired and its person active."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(SignInToken).where(SignInToken.token_hash == hash_token(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    if not row.person.active:
        return None
    return row


def redeem_token(token: str) -> Person | None:
    """Use a token once: it is deleted. Two simultaneous redemptions: only one deletes the row
    (the other's DELETE finds it gone and counts 0), and only that one signs in."""
    row = find_usable_token(token)
    if row is None:
        return None
    person = row.person
    claimed = db.session.execute(delete(SignInToken).where(SignInToken.id == row.id)).rowcount
    db.session.commit()
    return person if claimed == 1 else None
