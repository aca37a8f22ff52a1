"""The sign-in log of a unit: every link and card issued for its people, readable by its TRIO.

So that nobody - an administrator included - can get a way to sign in as someone without that
person and their TRIO being able to see it (see pulse/auth/issuing.py).
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from pulse.auth import bp
from pulse.auth.issuing import KINDS, last_issued
from pulse.extensions import db
from pulse.models import AuditEvent, Membership, Person, RoleAssignment, Unit
from pulse.results.access import roles_over

#: The newest rows shown; older ones stay in the audit log.
LIMIT = 200


@bp.get("/sign-in-log/<id:unit_id>")
@login_required
def sign_in_log(unit_id: int):
    """Links and cards issued for the unit's members and its TRIO, newest first."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != current_user.organisation_id:
        abort(404)
    if not roles_over(current_user, unit):
        abort(404)
    subject, issuer = aliased(Person), aliased(Person)
    members = select(Membership.person_id).where(Membership.unit_id == unit.id)
    trio = select(RoleAssignment.person_id).where(RoleAssignment.unit_id == unit.id)
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.kind, subject.name, issuer.name)
        .join(subject, subject.id == AuditEvent.subject_id)
        .outerjoin(issuer, issuer.id == AuditEvent.person_id)
        .where(
            AuditEvent.kind.in_(KINDS),
            or_(AuditEvent.subject_id.in_(members), AuditEvent.subject_id.in_(trio)),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(LIMIT)
    ).all()
    return render_template("auth/sign_in_log.html", unit=unit, rows=rows, limit=LIMIT)


@bp.app_context_processor
def _last_issued_for_templates():
    def last_sign_in_issue():
        """For the home page: when a link or card was last issued for the signed-in person."""
        if not current_user.is_authenticated:
            return None
        return last_issued(current_user)

    return {"last_sign_in_issue": last_sign_in_issue}
