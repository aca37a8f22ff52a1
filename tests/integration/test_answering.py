"""An employee answers a pulse: the pages, the idempotent submit, bad input, and what is stored."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Participation, Person, Round, SealedAnswer
from tests.answering import ALL_ANSWERED, HTMX, new_key, state_of, stored, submit
from tests.factories import sign_in
from tests.helpers import csrf_token, elements, page_text, translated
from tests.sealed import opened_boxes

# -- The pages ------------------------------------------------------------------------------


def test_front_page_shows_the_open_round(app, client, world, alice):
    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert elements(html, "a", href=f"/pulse/{world.round_id}")
    text = page_text(response)
    assert translated(app, "A new pulse is open") in text
    with app.test_request_context():
        from flask_babel import ngettext

        assert ngettext("%(num)d question", "%(num)d questions", 4) in text


def test_front_page_after_answering_has_no_link_to_the_round(app, client, world, alice):
    assert submit(client, world.round_id, ALL_ANSWERED).status_code == 200

    response = client.get("/")

    assert not elements(response.get_data(as_text=True), "a", href=f"/pulse/{world.round_id}")
    assert translated(app, "Thank you for answering") in page_text(response)


def test_front_page_without_an_open_round(app, client, world):
    sign_in(client, world.outsider_id)

    response = client.get("/")

    assert response.status_code == 200
    assert not [
        a
        for a in elements(response.get_data(as_text=True), "a")
        if (a.get("href") or "").startswith("/pulse/")
    ]
    assert translated(app, "No pulse right now") in page_text(response)


def test_answer_page_shows_each_question_with_its_choices(app, client, world, alice):
    response = client.get(f"/pulse/{world.round_id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert elements(html, "section", id="pulse")
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        for round_question in round_.questions:
            question = round_question.question
            radios = elements(html, "input", type="radio", name=f"q_{question.id}")
            scale = range(question.scale.min_value, question.scale.max_value + 1)
            assert [r["value"] for r in radios] == [str(v) for v in scale] + [""]
            assert not any("checked" in r for r in radios)
            assert question.text("da") in page_text(response)
    (key,) = elements(html, "input", name="submission_key", type="hidden")
    assert len(key["value"]) >= 16
    assert elements(html, "textarea", name="comment")


# -- Submitting -----------------------------------------------------------------------------


def test_htmx_submit_returns_only_the_thank_you_fragment(app, client, world, alice, database):
    response = submit(client, world.round_id, ALL_ANSWERED)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<body" not in html
    assert html.lstrip().startswith('<section id="pulse"')
    assert state_of(response) == "thanks"
    assert "HX-Request" in response.headers["Vary"]
    assert stored(database) == (1, 4, 0)


def test_the_thank_you_follows_the_rounds_k_and_the_persons_language(app, world, database):
    """The card is rendered once per process (web.render_page's fragment_key): never with
    another round's k or in another person's language."""
    texts = {}
    norwegian = world.team_b_ids[1]
    for person, locale, k in ((world.alice, None, 5), (world.bob, None, 7), (norwegian, "nb", 7)):
        with app.app_context():
            if locale:
                db.session.get(Person, person).locale = locale
            db.session.get(Round, world.round_id).min_group_size = k
            db.session.commit()
        client = app.test_client()
        sign_in(client, person)
        response = submit(client, world.round_id, ALL_ANSWERED)
        assert state_of(response) == "thanks"
        texts[person] = page_text(response)
    shared = "Your team's results are shared when the round is released, and only if at least %(num)d people answered."  # noqa: E501
    assert translated(app, shared, num=5) in texts[world.alice]
    assert translated(app, shared, num=7) in texts[world.bob]
    assert translated(app, shared, num=7) not in texts[norwegian]  # Norwegian, not Danish
    assert "7" in texts[norwegian]


def test_plain_submit_returns_the_whole_page(app, client, world, alice, database):
    response = submit(client, world.round_id, ALL_ANSWERED, htmx=False)

    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)
    assert state_of(response) == "thanks"
    assert "HX-Request" in response.headers["Vary"]
    assert stored(database) == (1, 4, 0)


def test_answers_are_stored_with_their_values_and_random_ids(app, client, world, alice, database):
    submit(client, world.round_id, ALL_ANSWERED)

    with app.app_context():
        (box,) = opened_boxes(world.round_id)
        assert box.answers == {qid: int(value) for qid, value in ALL_ANSWERED.items()}
        assert box.unit_id == world.team_a_id and not box.comment
        (row,) = db.session.scalars(select(SealedAnswer)).all()
        assert isinstance(row.id, uuid.UUID) and row.id.version == 4
        assert row.round_id == world.round_id
        (participation,) = db.session.scalars(select(Participation)).all()
        assert participation.person_id == world.alice


def test_the_same_submission_twice_is_stored_once(app, client, world, alice, database):
    key = new_key()
    first = submit(client, world.round_id, ALL_ANSWERED, key=key)
    second = submit(client, world.round_id, ALL_ANSWERED, key=key)

    assert first.status_code == second.status_code == 200
    assert state_of(first) == state_of(second) == "thanks"
    assert first.get_data() == second.get_data()
    assert stored(database) == (1, 4, 0)


def test_a_second_different_submission_is_refused(app, client, world, alice, database):
    submit(client, world.round_id, ALL_ANSWERED)

    response = submit(client, world.round_id, {"vt_trusted": "1"}, comment="Igen")

    assert response.status_code == 409
    assert state_of(response) == "already_answered"
    assert stored(database) == (1, 4, 0)
    assert translated(app, "You have already answered this round") in page_text(response)


def test_answer_page_after_answering_says_so(app, client, world, alice):
    submit(client, world.round_id, ALL_ANSWERED)

    response = client.get(f"/pulse/{world.round_id}")

    assert response.status_code == 200
    assert state_of(response) == "already_answered"
    assert not elements(response.get_data(as_text=True), "form")


def test_skipping_every_question_is_allowed(app, client, world, alice, database):
    response = submit(client, world.round_id, {qid: "" for qid in world.question_ids})

    assert response.status_code == 200
    assert state_of(response) == "thanks"
    assert stored(database) == (1, 0, 0)


def test_skipping_some_questions_stores_the_rest(app, client, world, alice, database):
    response = submit(client, world.round_id, {"vt_trusted": "3", "who5_1": ""})

    assert response.status_code == 200
    assert stored(database) == (1, 1, 0)


def test_submit_without_csrf_token_is_refused(app, client, world, alice, database):
    response = client.post(
        f"/pulse/{world.round_id}",
        data={"submission_key": new_key(), "q_vt_trusted": "3", "audience": "trio"},
        headers=HTMX,
    )

    assert response.status_code == 400
    assert stored(database) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"submission_key": "k" * 32, "audience": "trio", "q_vt_trusted": "4"},
        {"submission_key": 5, "comment": 12, "audience": "trio"},
        {"submission_key": {"a": 1}},
    ],
    ids=["answers", "numbers", "object"],
)
def test_a_json_body_is_refused_and_stores_nothing(app, client, world, alice, database, body):
    """The page and the outbox send form fields; a JSON body (even with a valid token) neither
    stores an empty answer that locks the person out nor breaks the form's validators."""
    path = f"/pulse/{world.round_id}"
    token = csrf_token(client, path)
    response = client.post(path, json=body, headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 422
    assert stored(database) == (0, 0, 0)
    assert state_of(submit(client, world.round_id, ALL_ANSWERED)) == "thanks"  # not locked out


# -- Bad input: 422, the message next to the field, nothing stored ----------------------------

QUESTION_ERRORS = {
    "above the scale": {"vt_trusted": "6"},
    "below the scale": {"vt_trusted": "0"},
    "below who5": {"who5_1": "-1"},
    "far above": {"vt_trusted": "99999999999999999999"},
    "letters": {"vt_trusted": "abc"},
    "decimal": {"vt_trusted": "3.5"},
    "blank": {"vt_trusted": " "},
    "two values": {"vt_trusted": ["3", "4"]},
    "a value and a skip": {"vt_trusted": ["", "4"]},
}


@pytest.mark.parametrize("answers", QUESTION_ERRORS.values(), ids=QUESTION_ERRORS.keys())
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_bad_answer_value_is_shown_next_to_its_question(
    app, client, world, alice, database, answers, htmx
):
    valid = {"vt_information": "4"}

    response = submit(client, world.round_id, {**valid, **answers}, htmx=htmx)

    assert response.status_code == 422
    assert stored(database) == (0, 0, 0)
    html = response.get_data(as_text=True)
    assert ("<html" in html) is not htmx
    (question_id,) = answers
    (error,) = elements(html, "p", class_="error", id=f"error-{question_id}")
    assert elements(html, "fieldset", **{"aria-describedby": f"error-{question_id}"})
    assert len(elements(html, "p", class_="error")) == 1
    # The valid choice is kept, so the person does not have to answer again.
    assert elements(html, "input", name="q_vt_information", value="4", checked=True)


FIELD_ERRORS = {
    "unknown audience": ({"audience": "everyone"}, "p", {"class_": "error"}),
    "no audience": ({"audience": None}, "p", {"class_": "error"}),
    "1001-char comment": ({"comment": "x" * 1001}, "p", {"id": "error-comment"}),
    "no key": ({"submission_key": None}, "p", {"role": "alert"}),
    "empty key": ({"submission_key": ""}, "p", {"role": "alert"}),
    "short key": ({"submission_key": "abc123"}, "p", {"role": "alert"}),
    "long key": ({"submission_key": "k" * 65}, "p", {"role": "alert"}),
    "odd key": ({"submission_key": "0123456789abcdef<>"}, "p", {"role": "alert"}),
}


@pytest.mark.parametrize("fields, tag, where", FIELD_ERRORS.values(), ids=FIELD_ERRORS.keys())
def test_bad_form_field_is_shown_and_nothing_is_stored(
    app, client, world, alice, database, fields, tag, where
):
    response = submit(client, world.round_id, ALL_ANSWERED, **fields)

    assert response.status_code == 422
    assert stored(database) == (0, 0, 0)
    assert len(elements(response.get_data(as_text=True), tag, **where)) == 1


def test_a_1000_char_comment_is_accepted(app, client, world, alice, database):
    response = submit(client, world.round_id, ALL_ANSWERED, comment="y" * 1000)

    assert response.status_code == 200
    assert stored(database) == (1, 4, 1)


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "1" * 5000,
    ],
    ids=["superscript two", "5000 digits"],
)
def test_odd_digits_are_a_validation_error_not_a_crash(app, client, world, alice, database, value):
    response = submit(client, world.round_id, {"vt_trusted": value})

    assert response.status_code == 422
    assert stored(database) == (0, 0, 0)
