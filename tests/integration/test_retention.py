"""`pulse retention` also deletes the audit rows of sign-in links e-mailed longer ago than
AUDIT_SIGNIN_RETENTION_MONTHS (one row per person per invitation: millions a year at a
municipality's scale). Each person's latest row stays, so do the rows of printed cards and of
the operator's links, and so do the rows of administrative changes; a retention shorter than a
link's life is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pulse.audit import record
from pulse.auth.issuing import How, issue_link
from pulse.extensions import db
from pulse.models import AuditEvent
from pulse.timeutil import utcnow
from tests.factories import make_organisation, make_person, make_unit


def test_retention_deletes_old_invitation_rows_and_keeps_the_rest(app, runner):
    now = utcnow()
    with app.app_context():
        organisation = make_organisation()
        team = make_unit(organisation, "Afsnit Birk")
        ada, bo, cy = (make_person(organisation, team) for _ in range(3))
        for months in (16, 15, 14):  # three old invitations: the latest of them stays
            issue_link(ada, How.EMAIL, now - timedelta(days=30 * months), valid_days=7)
        issue_link(bo, How.EMAIL, now - timedelta(days=30 * 15), valid_days=7)
        issue_link(bo, How.EMAIL, now - timedelta(days=30 * 12), valid_days=7)  # recent: stays
        issue_link(cy, How.CARD, now - timedelta(days=30 * 20), valid_days=7)  # a card: stays
        issue_link(cy, How.EMAIL, now - timedelta(days=30 * 19), valid_days=7)
        issue_link(cy, How.EMAIL, now - timedelta(days=30 * 2), valid_days=7)
        record("unit.rename", None, organisation.id, now - timedelta(days=900), old="A", new="B")
        db.session.commit()
        ids = {"ada": ada.id, "bo": bo.id, "cy": cy.id}

    result = runner.invoke(args=["pulse", "retention"])
    assert result.exit_code == 0, result.output
    assert "4 audit row(s)" in result.output  # ada's two oldest, bo's old one, cy's old e-mail

    with app.app_context():
        left = db.session.execute(select(AuditEvent.kind, AuditEvent.subject_id)).all()
    assert sorted(left, key=str) == sorted(
        [
            ("signin.email", ids["ada"]),
            ("signin.email", ids["bo"]),
            ("signin.card", ids["cy"]),
            ("signin.email", ids["cy"]),
            ("unit.rename", None),
        ],
        key=str,
    )
    assert "0 audit row(s)" in runner.invoke(args=["pulse", "retention"]).output


def test_a_retention_shorter_than_a_links_life_is_refused(app, runner):
    app.config["SIGNIN_LINK_DAYS"] = 90
    app.config["AUDIT_SIGNIN_RETENTION_MONTHS"] = 2
    result = runner.invoke(args=["pulse", "retention"])
    assert result.exit_code != 0
    assert "at least 3" in result.output
