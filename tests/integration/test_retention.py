"""`pulse retention` also deletes the audit rows of sign-in links issued longer ago than
AUDIT_SIGNIN_RETENTION_MONTHS (one row per person per invitation: millions a year at a
municipality's scale); the rows of administrative changes stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pulse.audit import record
from pulse.auth.issuing import How, issue_link
from pulse.extensions import db
from pulse.models import AuditEvent
from pulse.timeutil import utcnow
from tests.factories import make_organisation, make_person, make_unit


def test_retention_deletes_old_link_rows_and_keeps_the_rest(app, runner):
    now = utcnow()
    long_ago = now - timedelta(days=30 * 14)
    with app.app_context():
        organisation = make_organisation()
        team = make_unit(organisation, "Afsnit Birk")
        ada, bo = make_person(organisation, team), make_person(organisation, team)
        issue_link(ada, How.EMAIL, long_ago, valid_days=7)
        issue_link(bo, How.CARD, long_ago, valid_days=7)
        issue_link(bo, How.EMAIL, now - timedelta(days=30 * 12), valid_days=7)
        record("unit.rename", None, organisation.id, long_ago, old="A", new="B")
        db.session.commit()
        bo_id = bo.id

    result = runner.invoke(args=["pulse", "retention"])
    assert result.exit_code == 0, result.output
    assert "2 audit row(s)" in result.output

    with app.app_context():
        left = db.session.execute(select(AuditEvent.kind, AuditEvent.subject_id)).all()
        assert sorted(kind for kind, _subject in left) == ["signin.email", "unit.rename"]
        assert ("signin.email", bo_id) in left  # twelve months old: kept
    # Running it again deletes nothing more.
    assert "0 audit row(s)" in runner.invoke(args=["pulse", "retention"]).output
