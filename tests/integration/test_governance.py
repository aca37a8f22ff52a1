"""Privacy settings change only when both parties agree, are logged, and spare open rounds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.governance.rules import GovernanceError, decide, propose
from pulse.models import AuditEvent, Organisation, Person, PrivacyChange, Round
from pulse.timeutil import utcnow
from tests.factories import make_round, sign_in
from tests.helpers import csrf_token


def people(world):
    """(leader, TR, AMR) ids: the leader is management, the TR the representatives."""
    return world.leader_id, world.team_a_ids[1], world.team_b_ids[1]


def test_leader_proposes_tr_approves_and_it_applies(app, world, database):
    leader_id, tr_id, _amr = people(world)
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        change = propose(
            organisation,
            db.session.get(Person, leader_id),
            "management",
            "min_group_size",
            7,
            utcnow(),
        )
        db.session.commit()
        assert organisation.min_group_size == 5  # not before approval
        decide(change, db.session.get(Person, tr_id), True, utcnow())
        db.session.commit()
        assert organisation.min_group_size == 7
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
        assert kinds == ["privacy.proposed", "privacy.approved"]
        # The round opened before the change keeps the k it opened with.
        assert db.session.get(Round, world.round_id).min_group_size == 5
        later = make_round(organisation, [organisation.units[0]])
        assert later.min_group_size == 7


def test_the_same_side_cannot_approve(app, world):
    leader_id, tr_id, amr_id = people(world)
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        change = propose(
            organisation,
            db.session.get(Person, leader_id),
            "management",
            "comments_enabled",
            0,
            utcnow(),
        )
        with pytest.raises(GovernanceError, match="needs_other_side"):
            decide(change, db.session.get(Person, leader_id), True, utcnow())
        with pytest.raises(GovernanceError, match="needs_other_side"):
            decide(change, db.session.get(Person, amr_id), True, utcnow())  # AMR is no TR
        with pytest.raises(GovernanceError, match="not_on_side"):
            propose(
                organisation,
                db.session.get(Person, tr_id),
                "management",
                "min_group_size",
                6,
                utcnow(),
            )


def test_settings_keep_their_order(app, world):
    leader_id, tr_id, _amr = people(world)
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        leader, tr = db.session.get(Person, leader_id), db.session.get(Person, tr_id)
        with pytest.raises(GovernanceError, match="k_above_comment"):
            propose(organisation, leader, "management", "min_group_size", 11, utcnow())
        with pytest.raises(GovernanceError, match="out_of_range"):
            propose(organisation, leader, "management", "min_group_size", 2, utcnow())
        first = propose(organisation, leader, "management", "min_group_size", 8, utcnow())
        second = propose(organisation, tr, "representatives", "min_comment_group_size", 6, utcnow())
        decide(first, tr, True, utcnow())
        # Approving the second now would put comments (6) below k (8): refused.
        with pytest.raises(GovernanceError):
            decide(second, leader, True, utcnow())
        assert organisation.min_comment_group_size == 10


def test_the_page_proposes_and_approves_and_hides_from_employees(app, world, client, database):
    leader_id, tr_id, _amr = people(world)
    sign_in(client, world.team_a_ids[3])  # a plain employee
    assert client.get("/privacy-settings").status_code == 404
    sign_in(client, leader_id)
    token = csrf_token(client, "/privacy-settings")
    bad = client.post(
        "/privacy-settings",
        data={"csrf_token": token, "setting": "min_group_size", "value": "²", "side": "management"},
    )
    assert bad.status_code == 422 and database.count(PrivacyChange) == 0
    ok = client.post(
        "/privacy-settings",
        data={"csrf_token": token, "setting": "min_group_size", "value": "6", "side": "management"},
    )
    assert ok.status_code == 302 and database.count(PrivacyChange) == 1
    with app.app_context():
        change_id = db.session.scalar(select(PrivacyChange.id))
    own = client.post(f"/privacy-settings/{change_id}/approve", data={"csrf_token": token})
    assert own.status_code == 422
    sign_in(client, tr_id)
    token = csrf_token(client, "/privacy-settings")
    assert (
        client.post(
            f"/privacy-settings/{change_id}/approve", data={"csrf_token": token}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Organisation, world.organisation_id).min_group_size == 6
