"""Two-party changes of the privacy settings (docs/anonymity.md, "Two-party governance").

Management (an administrator or a leader) and the employees' representatives (a TR) must both
agree: one side proposes, a person from the other side approves. Every step is written to the
audit log. Rounds copy the settings when they open, so a change never reaches an open round.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

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
    proposer may withdraw by rejecting their own proposal."""
    if change.status != PrivacyChangeStatus.PROPOSED:
        raise GovernanceError("already_decided")
    organisation = db.session.get(Organisation, change.organisation_id)
    own = person.id == change.proposed_by_id
    if approve:
        other_side = REPRESENTATIVES if change.proposed_as == MANAGEMENT else MANAGEMENT
        if own or other_side not in sides_of(person):
            raise GovernanceError("needs_other_side")
        if str(current_value(organisation, change.setting)) != change.old_value:
            raise GovernanceError("stale")
        # Another approved change may have moved the other settings since the proposal.
        _check_allowed(organisation, change.setting, int(change.new_value))
        setattr(organisation, change.setting, int(change.new_value))
        if change.setting == "comments_enabled":
            organisation.comments_enabled = bool(int(change.new_value))
        change.status = PrivacyChangeStatus.APPROVED
    else:
        if not own and not sides_of(person):
            raise GovernanceError("needs_other_side")
        change.status = PrivacyChangeStatus.WITHDRAWN if own else PrivacyChangeStatus.REJECTED
    change.decided_by_id = person.id
    change.decided_at = now
    _audit(
        organisation,
        person,
        now,
        f"privacy.{change.status}",
        f"{change.setting}: {change.new_value}",
    )


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
