"""Answering a pulse: who may answer, closed rounds, comments, and teams frozen when a round
opens (the helpers: tests/answering.py)."""

from __future__ import annotations

from datetime import timedelta

from pulse.extensions import db
from pulse.lifecycle import close_round
from pulse.models import Organisation, Participation, Person, Round, Unit
from pulse.survey.service import Outcome, Submission, read_entry, submit_entry
from pulse.timeutil import utcnow
from tests.answering import ALL_ANSWERED, new_key, state_of, stored, submit
from tests.factories import make_person, make_round, move_person, sign_in
from tests.helpers import csrf_token, elements
from tests.sealed import opened_boxes

# -- Who may answer ----------------------------------------------------------------------------


def test_a_person_of_another_organisation_gets_404(app, client, world, database):
    sign_in(client, world.outsider_id)

    assert client.get(f"/pulse/{world.round_id}").status_code == 404
    path = f"/pulse/{world.round_id}"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client),
            "submission_key": new_key(),
            "audience": "trio",
            "q_vt_trusted": "3",
        },
    )
    assert response.status_code == 404
    assert stored(database) == (0, 0, 0)


def test_a_person_who_joined_after_opening_gets_404(app, client, world, database):
    with database.session():
        organisation = db.session.get(Organisation, world.organisation_id)
        newcomer = make_person(organisation, db.session.get(Unit, world.team_a_id)).id

    sign_in(client, newcomer)

    assert client.get(f"/pulse/{world.round_id}").status_code == 404
    assert submit_status_without_page(client, world.round_id) == 404
    assert stored(database) == (0, 0, 0)


def submit_status_without_page(client, round_id: int) -> int:
    """POST an otherwise valid answer when the answer page itself is not available."""
    return client.post(
        f"/pulse/{round_id}",
        data={
            "csrf_token": csrf_token(client),
            "submission_key": new_key(),
            "audience": "trio",
            "q_vt_trusted": "3",
        },
    ).status_code


def test_an_unknown_round_gets_404(app, client, world, alice):
    assert client.get(f"/pulse/{world.round_id + 1000}").status_code == 404
    assert client.get("/pulse/not-a-number").status_code == 404


def test_signed_out_visitors_are_sent_to_the_sign_in_help(app, client, world, database):
    assert client.get(f"/pulse/{world.round_id}").status_code == 302
    assert submit_status_without_page(client, world.round_id) == 302
    assert stored(database) == (0, 0, 0)


# -- Closed rounds ---------------------------------------------------------------------------


def close(database, round_id: int) -> None:
    with database.session():
        close_round(db.session.get(Round, round_id))


def test_a_closed_round_shows_closed_and_refuses_answers(app, client, world, alice, database):
    close(database, world.round_id)

    page = client.get(f"/pulse/{world.round_id}")
    assert page.status_code == 200
    assert state_of(page) == "closed"
    assert not elements(page.get_data(as_text=True), "form")

    response = submit(client, world.round_id, ALL_ANSWERED)
    assert response.status_code == 409
    assert state_of(response) == "closed"
    assert stored(database) == (0, 0, 0)
    assert client.get("/").status_code == 200
    assert not elements(
        client.get("/").get_data(as_text=True), "a", href=f"/pulse/{world.round_id}"
    )


def test_a_round_past_its_closing_time_refuses_answers(app, client, world, alice, database):
    with database.session():
        round_ = db.session.get(Round, world.round_id)
        round_.opens_at = utcnow() - timedelta(days=8)
        round_.closes_at = utcnow() - timedelta(seconds=1)

    assert state_of(client.get(f"/pulse/{world.round_id}")) == "closed"
    response = submit(client, world.round_id, ALL_ANSWERED)
    assert response.status_code == 409
    assert stored(database) == (0, 0, 0)


def test_a_closed_round_says_closed_even_for_invalid_input(app, client, world, alice, database):
    close(database, world.round_id)

    response = submit(client, world.round_id, {"vt_trusted": "9"})

    assert response.status_code == 409
    assert state_of(response) == "closed"


# -- Comments ----------------------------------------------------------------------------------


def test_a_comment_is_stored_with_its_audience_and_team(app, client, world, alice, database):
    response = submit(
        client, world.round_id, ALL_ANSWERED, comment="  Mere tid, tak.  ", audience="reps"
    )

    assert response.status_code == 200
    with app.app_context():
        (box,) = opened_boxes(world.round_id)
        assert (box.comment, box.audience, box.unit_id) == (
            "Mere tid, tak.",
            "reps",
            world.team_a_id,
        )


def test_a_blank_comment_is_not_stored(app, client, world, alice, database):
    submit(client, world.round_id, ALL_ANSWERED, comment=" \n\t ")

    assert stored(database) == (1, 4, 0)


def test_no_comment_is_stored_when_comments_are_off(app, client, world, database):
    with database.session():
        organisation = db.session.get(Organisation, world.organisation_id)
        organisation.comments_enabled = False
        round_id = make_round(organisation, [db.session.get(Unit, world.team_b_id)]).id
    sign_in(client, world.bob)

    page = client.get(f"/pulse/{round_id}")
    assert not elements(page.get_data(as_text=True), "textarea")
    response = submit(client, round_id, ALL_ANSWERED, comment="Hemmeligt", audience="reps")

    assert response.status_code == 200
    assert stored(database) == (1, 4, 0)


def test_turning_comments_off_does_not_change_an_open_round(app, client, world, alice, database):
    with database.session():
        db.session.get(Organisation, world.organisation_id).comments_enabled = False

    submit(client, world.round_id, ALL_ANSWERED, comment="Stadig med")

    assert stored(database) == (1, 4, 1)


# -- Teams are frozen when a round opens --------------------------------------------------------


def test_answers_count_for_the_team_frozen_at_opening(app, client, world, alice, database):
    with database.session():
        move_person(db.session.get(Person, world.alice), db.session.get(Unit, world.team_b_id))

    response = submit(client, world.round_id, ALL_ANSWERED, comment="Fra team A")

    assert response.status_code == 200
    with app.app_context():
        (box,) = opened_boxes(world.round_id)
    assert box.unit_id == world.team_a_id and box.comment == "Fra team A"


def test_each_team_answers_for_itself(app, client, world, alice, database):
    submit(client, world.round_id, {"vt_trusted": "5"})
    bob = app.test_client()
    sign_in(bob, world.bob)
    submit(bob, world.round_id, {"vt_trusted": "1"})

    with app.app_context():
        teams = sorted((box.answers["vt_trusted"], box.unit_id) for box in opened_boxes())
    assert teams == [(1, world.team_b_id), (5, world.team_a_id)]
    assert database.count(Participation) == 2


# -- Two submissions by one person at the same moment -------------------------------------------


def test_two_simultaneous_submissions_store_one_and_answer_the_other(app, world, database):
    """Two tabs (or a phone and its outbox) send at the same instant: both read the round before
    either stored. The later insert meets the first one's participation: it gets the same reply
    as a resend (the same key) or "already answered" (another key), never a 500."""
    alice = world.alice
    first = Submission(key=new_key(), answers={"vt_trusted": 4})
    second = Submission(key=new_key(), answers={"vt_trusted": 2})
    same = Submission(key=first.key, answers={"vt_trusted": 4})
    with app.app_context():
        entries = [read_entry(world.round_id, alice) for _ in range(3)]  # all before any insert
        assert submit_entry(entries[0], alice, first, utcnow()) == Outcome.STORED
        assert submit_entry(entries[1], alice, second, utcnow()) == Outcome.ALREADY_ANSWERED
        assert submit_entry(entries[2], alice, same, utcnow()) == Outcome.DUPLICATE
    assert database.count(Participation) == 1
    assert stored(database)[1] == 1  # one box, one answer
