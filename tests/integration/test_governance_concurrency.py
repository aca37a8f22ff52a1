"""Two people deciding the same privacy proposal at the same moment: exactly one decision wins.

Runs on every backend (SQLite and PostgreSQL). Each trial starts two threads that wait at a
barrier and then decide at once (one approves, one rejects); the loser must get a clear refusal,
the audit log must hold exactly one decision, and the setting must be applied iff approved.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from pulse.extensions import db
from pulse.governance.rules import GovernanceError, decide_now, propose
from pulse.models import AuditEvent, Organisation, Person, PrivacyChange, Role
from pulse.timeutil import utcnow
from tests.factories import assign_role

TRIALS = 50


def _decide_in_thread(app, barrier, change_id, person_id, approve, outcomes, index):
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.rollback()  # start deciding from a fresh transaction, like a request
        barrier.wait()
        try:
            decide_now(change_id, person, approve, utcnow())
            outcomes[index] = "won"
        except GovernanceError as problem:
            outcomes[index] = str(problem)
        finally:
            db.session.remove()


def _decisions(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind.in_(["privacy.approved", "privacy.rejected"]))
        )


def test_two_simultaneous_decisions_one_wins(app, world):
    leader_id, tr_id = world.leader_id, world.team_a_ids[1]
    second_tr_id = world.team_a_ids[2]
    with app.app_context():
        assign_role(
            db.session.get(Person, second_tr_id),
            Role.TR,
            db.session.get(Person, tr_id).membership.unit,
        )
        db.session.commit()
    won_by = {"approved": 0, "rejected": 0}
    for trial in range(TRIALS):
        with app.app_context():
            organisation = db.session.get(Organisation, world.organisation_id)
            before = organisation.min_group_size
            target = 6 if before == 5 else 5
            change = propose(
                organisation,
                db.session.get(Person, leader_id),
                "management",
                "min_group_size",
                target,
                utcnow(),
            )
            db.session.commit()
            change_id = change.id
        decisions_before = _decisions(app)
        barrier = threading.Barrier(2)
        outcomes: list[str | None] = [None, None]
        # Alternate who goes first in the thread list, so neither side is always favoured.
        deciders = [(tr_id, True), (second_tr_id, False)]
        if trial % 2:
            deciders.reverse()
        threads = [
            threading.Thread(
                target=_decide_in_thread,
                args=(app, barrier, change_id, person_id, approve, outcomes, index),
            )
            for index, (person_id, approve) in enumerate(deciders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["already_decided", "won"], (trial, outcomes)
        assert _decisions(app) == decisions_before + 1, trial
        with app.app_context():
            change = db.session.get(PrivacyChange, change_id)
            value = db.session.get(Organisation, world.organisation_id).min_group_size
            assert change.status in ("approved", "rejected"), trial
            assert value == (target if change.status == "approved" else before), trial
            won_by[change.status] += 1
    # Both kinds of decision won sometimes: the test really raced the two.
    assert sum(won_by.values()) == TRIALS


def test_one_account_on_both_sides_cannot_approve(app, world):
    """An administrator who is also TR can't approve a management proposal (nor their own)."""
    leader_id, tr_id = world.leader_id, world.team_a_ids[1]
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        admin = db.session.get(Person, world.admin_id)
        workplace_unit = db.session.get(Person, tr_id).membership.unit
        assign_role(admin, Role.TR, workplace_unit)
        leader = db.session.get(Person, leader_id)
        assign_role(leader, Role.TR, workplace_unit)
        db.session.commit()
        change = propose(organisation, leader, "management", "min_group_size", 6, utcnow())
        db.session.commit()
        change_id = change.id
        for person in (admin, leader):
            try:
                decide_now(change_id, person, True, utcnow())
            except GovernanceError as problem:
                assert str(problem) in ("both_sides", "needs_other_side")
            else:
                raise AssertionError("one account acted as both parties")
        own = propose(organisation, admin, "representatives", "min_group_size", 7, utcnow())
        db.session.commit()
        try:
            decide_now(own.id, admin, True, utcnow())
        except GovernanceError as problem:
            assert str(problem) == "needs_other_side"
        else:
            raise AssertionError("the proposer approved their own proposal")
        # A TR who is only a TR approves; the value applies.
        decide_now(change_id, db.session.get(Person, tr_id), True, utcnow())
        assert db.session.get(Organisation, world.organisation_id).min_group_size == 6


def test_the_later_decider_is_told_in_their_language(app, world, client):
    """Through the page: once decided, a second decision changes nothing and says why."""
    from tests.factories import sign_in
    from tests.helpers import csrf_token, page_text, translated

    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        change = propose(
            organisation,
            db.session.get(Person, world.leader_id),
            "management",
            "min_group_size",
            6,
            utcnow(),
        )
        db.session.commit()
        change_id = change.id
        decide_now(change_id, db.session.get(Person, world.team_a_ids[1]), False, utcnow())
    sign_in(client, world.leader_id)
    token = csrf_token(client, "/privacy-settings")
    response = client.post(f"/privacy-settings/{change_id}/reject", data={"csrf_token": token})
    assert response.status_code == 422
    assert translated(app, "That proposal has already been decided.") in page_text(response)
    with app.app_context():
        assert db.session.get(PrivacyChange, change_id).status == "rejected"
        assert db.session.get(Organisation, world.organisation_id).min_group_size == 5
