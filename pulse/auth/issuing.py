"""Issuing personal sign-in links: who may get one how, and the audit row every issue writes.

A link signs its holder in as the person. So:
- people with a TRIO role (leader, TR, AMR), a MED seat or the administrator role get links only
  to themselves (their own e-mail; the server operator's CLI): never on a card someone else
  prints, because whoever holds it could act as them (approve a privacy change, read comments
  addressed only to TR and AMR);
- every issue is an audit row: who issued it, for whom, how - never the token. The person sees
  the last one on their home page, and the TRIO of their unit sees them all (`/sign-in-log`);
- a new link revokes the person's older unused links, so only the latest one works.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select

from pulse.auth.tokens import issue_sign_in_token
from pulse.extensions import db
from pulse.models import AuditEvent, CommitteeMember, Person, RoleAssignment, SignInToken


class How(enum.StrEnum):
    CARD = "card"  # a printed QR card (an administrator made it)
    EMAIL = "email"  # the round's invitation or reminder, to the person's own address
    OPERATOR = "operator"  # `flask pulse links` on the server


#: The audit kinds, one per way: "signin.card", "signin.email", "signin.operator".
KINDS = tuple(f"signin.{how}" for how in How)


def has_protected_role(person: Person) -> bool:
    """A TRIO role, a MED seat or the administrator role: links only to the person themselves."""
    return bool(
        db.session.scalar(
            select(
                exists().where(RoleAssignment.person_id == person.id)
                | exists().where(CommitteeMember.person_id == person.id)
            )
        )
    )


def issue_link(person: Person, how: How, now: datetime, valid_days: int, by: Person | None = None):
    """A new single-use token for `person` (returned; only its hash is kept), their older unused
    links revoked, and the audit row. Not committed: the caller commits with its own work.

    A used link is already deleted on redemption (pulse/auth/tokens.py), so every stored token of
    the person is an unused one: revoking them all leaves only the new link working."""
    db.session.execute(delete(SignInToken).where(SignInToken.person_id == person.id))
    token = issue_sign_in_token(person, valid_days)
    db.session.add(
        AuditEvent(
            organisation_id=person.organisation_id,
            person_id=by.id if by is not None else None,
            subject_id=person.id,
            at=now,
            kind=f"signin.{how}",
            # For the administration area's audit log (pulse/admin/messages.py): the name only.
            detail=json.dumps({"person": person.name}, ensure_ascii=False),
        )
    )
    return token


def last_issued(person: Person) -> AuditEvent | None:
    """The latest link or card issued for this person."""
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.subject_id == person.id, AuditEvent.kind.in_(KINDS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )


def delete_old_issue_rows(now: datetime, months: int) -> int:
    """Delete the audit rows of links e-mailed more than `months` ago (a month is 30 days),
    except each person's latest row. Returns how many were deleted; the caller commits.

    Each invitation e-mail issues a link and writes a row, so a weekly pulse for 45,000 people
    adds over two million rows a year; after the period nobody needs to know who got which
    invitation. Rows of printed cards and of the operator's links stay (few, and a session made
    with one may still be in use), and so does every person's latest row (their home page and
    their TRIO's sign-in log show it). Rows of administrative changes are not touched."""
    cutoff = now - timedelta(days=30 * months)
    latest = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.kind.in_(KINDS), AuditEvent.subject_id.is_not(None))
        .group_by(AuditEvent.subject_id)
    )
    deleted = db.session.execute(
        delete(AuditEvent).where(
            AuditEvent.kind == f"signin.{How.EMAIL}",
            AuditEvent.at < cutoff,
            AuditEvent.id.not_in(latest),
        )
    )
    return deleted.rowcount or 0
