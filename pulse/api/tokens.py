"""API tokens: issued by an administrator, shown once, stored as a hash, revocable, audited."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import ApiToken, AuditEvent, Person, Unit
from pulse.timeutil import utcnow

#: Tokens start with this, so a leaked one is easy to recognise in logs and secret scanners.
PREFIX = "tp_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(admin: Person, name: str, unit: Unit | None) -> tuple[ApiToken, str]:
    """A new token for the admin's organisation, limited to `unit`'s subtree if given.

    Returns the row and the token itself, which is never stored and shown only this once.
    """
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        organisation_id=admin.organisation_id,
        name=name,
        token_hash=_hash(token),
        unit_id=unit.id if unit else None,
        created_by_id=admin.id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    _audit(admin, "api_token.issued", row)
    return row, token


def revoke_api_token(admin: Person, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        _audit(admin, "api_token.revoked", row)


def _audit(admin: Person, kind: str, row: ApiToken) -> None:
    scope = f"unit {row.unit_id}" if row.unit_id else "organisation"
    db.session.add(
        AuditEvent(
            organisation_id=admin.organisation_id,
            person_id=admin.id,
            at=utcnow(),
            kind=kind,
            detail=f"{row.name} (#{row.id}, {scope})",
        )
    )


def token_from_header(header: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, or None."""
    if not header or not header.startswith("Bearer "):
        return None
    token = header[len("Bearer ") :].strip()
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def tokens_of(organisation_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation_id)
            .order_by(ApiToken.created_at.desc())
        )
    )
