"""Two-party changes of the privacy settings (docs/anonymity.md, "Two-party governance").

Management (an administrator or a leader) and the employees' representatives (a TR) must both
agree: one side proposes, a person from the other side approves. Every step is written to the
audit log. Rounds copy the settings when they open, so a change never reaches an open round.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from pulse.extensions import db
from pulse.models import (
    AuditEvent,
    Organisation,
    Person,
    PrivacyChange,
    PrivacyChangeStatus,
    Role,
    RoleAssignment,
)

MANAGEMENT = "management"
REPRESENTATIVES = "representatives"
SIDES = {MANAGEMENT: {Role.ADMIN, Role.LEADER}, REPRESENTATIVES: {Role.TR}}

#: setting -> (smallest, largest) allowed value; booleans are 0/1.
LIMITS = {"min_group_size": (3, 50), "min_comment_group_size": (3, 100), "comments_enabled": (0, 1)}


class GovernanceError(ValueError):
    """A proposal or decision the rules don't allow; the message is shown to the user."""


def sides_of(person: Person) -> set[str]:
    roles = set(
        db.session.scalars(select(RoleAssignment.role).where(RoleAssignment.person_id == person.id))
    )
    return {side for side, allowed in SIDES.items() if roles & allowed}


def current_value(organisation: Organisation, setting: str) -> int:
    return int(getattr(organisation, setting))


def propose(
    organisation: Organisation, person: Person, side: str, setting: str, value: int, now: datetime
) -> PrivacyChange:
    if side not in sides_of(person):
        raise GovernanceError("not_on_side")
    _check_allowed(organisation, setting, value)
    if value == current_value(organisation, setting):
        raise GovernanceError("unchanged")
    change = PrivacyChange(
        organisation_id=organisation.id,
        setting=setting,
        old_value=str(current_value(organisation, setting)),
        new_value=str(value),
        proposed_by_id=person.id,
        proposed_as=side,
        proposed_at=now,
    )
    db.session.add(change)
    _audit(
        organisation, person, now, "privacy.proposed", f"{setting}: {change.old_value} -> {value}"
    )
    return change


def decide(change: PrivacyChange, person: Person, approve: bool, now: datetime) -> None:
    """Approve (the change applies now) or reject. Only the other side may approve; the
    proposer may withdraw by rejecting their own proposal.

    Atomic: the decision is a conditional UPDATE on a still-open proposal, so of two people
    deciding at the same moment exactly one wins; the other gets "already_decided". The caller
    rolls back on any GovernanceError (see `decide_now`).
    """
    if change.status != PrivacyChangeStatus.PROPOSED:
        raise GovernanceError("already_decided")
    organisation = db.session.get(Organisation, change.organisation_id)
    own = person.id == change.proposed_by_id
    sides = sides_of(person)
    if approve:
        other_side = REPRESENTATIVES if change.proposed_as == MANAGEMENT else MANAGEMENT
        if own or other_side not in sides:
            raise GovernanceError("needs_other_side")
        # One account holding roles on both sides (e.g. administrator and TR) would be both
        # parties of the change: the approver must not belong to the proposing side at all.
        if change.proposed_as in sides:
            raise GovernanceError("both_sides")
        if str(current_value(organisation, change.setting)) != change.old_value:
            raise GovernanceError("stale")
        # Another approved change may have moved the other settings since the proposal.
        _check_allowed(organisation, change.setting, int(change.new_value))
        status = PrivacyChangeStatus.APPROVED
    else:
        if not own and not sides:
            raise GovernanceError("needs_other_side")
        status = PrivacyChangeStatus.WITHDRAWN if own else PrivacyChangeStatus.REJECTED
    claimed = db.session.execute(
        update(PrivacyChange)
        .where(PrivacyChange.id == change.id, PrivacyChange.status == PrivacyChangeStatus.PROPOSED)
        .values(status=status, decided_by_id=person.id, decided_at=now)
    ).rowcount
    if claimed != 1:
        raise GovernanceError("already_decided")
    if approve:
        # Conditional too: two different proposals for the same setting can't both apply.
        column = getattr(Organisation, change.setting)
        applied = db.session.execute(
            update(Organisation)
            .where(Organisation.id == organisation.id, column == _typed(change, change.old_value))
            .values({change.setting: _typed(change, change.new_value)})
        ).rowcount
        if applied != 1:
            raise GovernanceError("stale")
    _audit(organisation, person, now, f"privacy.{status}", f"{change.setting}: {change.new_value}")


def decide_now(change_id: int, person: Person, approve: bool, now: datetime) -> None:
    """`decide` and commit, in its own transaction; rolls back and re-raises GovernanceError.

    SQLite refuses a write from a transaction that read before another writer committed
    ("database is locked"); the decision is then simply tried once more on fresh data, where
    the other decision shows as "already_decided".
    """
    for attempt in range(3):
        try:
            change = db.session.get(PrivacyChange, change_id, populate_existing=True)
            if change is None:
                raise GovernanceError("already_decided")
            decide(change, person, approve, now)
            db.session.commit()
            return
        except GovernanceError:
            db.session.rollback()
            raise
        except (OperationalError, IntegrityError):
            # IntegrityError: the organisation's check constraints (k <= comment k) caught a
            # simultaneous approval of another setting; on retry the rules name it.
            db.session.rollback()
            if attempt == 2:
                raise GovernanceError("busy") from None


def _typed(change: PrivacyChange, raw: str) -> int | bool:
    return bool(int(raw)) if change.setting == "comments_enabled" else int(raw)


def _check_allowed(organisation: Organisation, setting: str, value: int) -> None:
    """The range of each setting, and the settings' order: k <= comment k, k <= distribution k."""
    if setting not in LIMITS:
        raise GovernanceError("unknown_setting")
    low, high = LIMITS[setting]
    if not low <= value <= high:
        raise GovernanceError("out_of_range")
    if setting == "min_comment_group_size" and value < organisation.min_group_size:
        raise GovernanceError("comment_below_k")
    if setting == "min_group_size" and (
        value > organisation.min_comment_group_size or value > organisation.min_distribution_size
    ):
        raise GovernanceError("k_above_comment")


def _audit(organisation: Organisation, person: Person, now: datetime, kind: str, detail: str):
    db.session.add(
        AuditEvent(
            organisation_id=organisation.id, person_id=person.id, at=now, kind=kind, detail=detail
        )
    )
