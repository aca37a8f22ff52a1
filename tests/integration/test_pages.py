"""The TRIO page, the employee's home and the privacy-settings page as a user reads them:
numbers and dates in the user's language, results over time, real controls, only usable
buttons, a favicon, and demo links that stay with the same people."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Organisation, Person, PrivacyChange, Round
from pulse.rounds import close_round, release_round
from pulse.survey.service import Outcome, Submission, submit
from pulse.timeutil import utcnow
from tests.factories import sign_in
from tests.helpers import csrf_token, elements, page_text, translated


def answer_and_release(app, world, respondents: dict[int, int]) -> None:
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        for person_id, value in respondents.items():
            answers = {q: value for q in world.question_ids if q != "who5_1"}
            person = db.session.get(Person, person_id)
            submission = Submission(key=uuid.uuid4().hex, answers=answers)
            assert submit(round_, person, submission, utcnow()) == Outcome.STORED
        close_round(round_)
        db.session.commit()
        release_round(round_, utcnow())


def section(html: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert found, f"no section {heading_id}"
    return found.group(0)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- Numbers and dates ------------------------------------------------------------------------


def test_numbers_and_dates_follow_the_locale(app):
    from flask_babel import force_locale

    from pulse.i18n import day, fixed, number, percent, separators, short_day

    with app.test_request_context():
        with force_locale("da"):
            assert fixed(58.333) == "58,3"
            assert number(1234.5) == "1.234,5"
            assert percent(2, 3) == "67\xa0%"
            assert separators() == ",."
            assert short_day(datetime(2020, 3, 5, 12)) == "5.\xa0mar.\xa02020"
            assert "2020" in day(datetime(2020, 3, 5, 12))
            this_year = utcnow().replace(month=6, day=15, hour=12)
            assert str(this_year.year) not in short_day(this_year)
            assert str(this_year.year) not in day(this_year)
        with force_locale("nb"):
            assert fixed(58.333) == "58,3" and separators()[0] == ","
        with force_locale("en"):
            assert fixed(58.333) == "58.3" and percent(2, 3) == "67%"


def test_danish_team_page_has_no_decimal_point_and_charts_carry_danish_numbers(app, world, client):
    answer_and_release(app, world, {**dict.fromkeys(world.team_a_ids, 4), world.team_b_ids[0]: 2})
    sign_in(client, world.leader_id)
    response = client.get(f"/team/{world.workplace_id}")
    assert response.status_code == 200
    html = page_text(response)
    visible = text_of(re.sub(r"data-chart='[^']*'", "", html))
    assert not re.search(r"\d\.\d", visible), re.findall(r".{20}\d\.\d.{20}", visible)
    assert re.search(r"\d,\d", visible)
    charts = re.findall(r"data-chart='([^']*)'", html)
    assert charts and all('"separators": ",."' in c or '"separators":",."' in c for c in charts)
    assert re.search(r"\d,\d", charts[0])  # preformatted hover texts


# -- The employee's results over time ---------------------------------------------------------


def test_home_shows_the_unit_above_when_the_team_is_hidden(app, world, client):
    # Team A: 6 answer, team B: 4. B is too few and A is hidden with it; the workplace shows.
    answer_and_release(
        app, world, {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids[:4], 2)}
    )
    sign_in(client, world.bob)
    html = page_text(client.get("/"))
    history = section(html, "history-heading")
    rounds = elements(history, "article")
    assert len(rounds) == 1 and rounds[0]["data-history-unit"] == str(world.workplace_id)
    assert "Plejecentret" in history and "<meter" in history
    # The team's own section still shows no number of its own.
    own_pattern = rf'<section[^>]*data-results-unit="{world.team_b_id}".*?</section>'
    own = re.search(own_pattern, html, re.S)[0]
    assert not re.search(r"\d", text_of(own))


def test_home_shows_the_own_team_when_it_may(app, world, client):
    answer_and_release(app, world, dict.fromkeys(world.team_a_ids, 4))
    sign_in(client, world.alice)  # 6 answered, Alice among them: 6 >= k + 1
    history = section(page_text(client.get("/")), "history-heading")
    assert elements(history, "article")[0]["data-history-unit"] == str(world.team_a_id)
    assert "75" in text_of(history)


def test_demo_employee_sees_a_released_number_on_the_home_page(demo_app):
    from tests.integration.test_demo import demo_links

    _name, _unit, url = demo_links(demo_app)["employee"]
    path = url.removeprefix(demo_app.config["PULSE_BASE_URL"])
    client = demo_app.test_client()
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    history = section(page_text(client.get("/")), "history-heading")
    assert elements(history, "meter"), history
    assert re.search(r"\b\d{1,3}\b", text_of(history))


# -- Privacy settings -------------------------------------------------------------------------


def test_privacy_page_has_real_controls_and_only_usable_buttons(app, world, client, database):
    leader_id, tr_id = world.leader_id, world.team_a_ids[1]
    sign_in(client, leader_id)
    html = page_text(client.get("/privacy-settings"))
    k = elements(html, "input", id="value-min_group_size")[0]
    assert (k["type"], k["min"], k["max"], k["value"]) == ("number", "3", "10", "5")
    switch = elements(html, "input", id="value-comments_enabled")[0]
    assert switch["type"] == "checkbox" and switch["role"] == "switch"
    assert "(1)" not in html and "(0)" not in html

    token = csrf_token(client, "/privacy-settings")
    out_of_range = client.post(
        "/privacy-settings",
        data={"csrf_token": token, "setting": "min_group_size", "value": "70"},
    )
    assert out_of_range.status_code == 422 and database.count(PrivacyChange) == 0
    assert "3" in page_text(out_of_range) and "50" in page_text(out_of_range)
    letters = client.post(
        "/privacy-settings", data={"csrf_token": token, "setting": "min_group_size", "value": "abc"}
    )
    assert letters.status_code == 422 and database.count(PrivacyChange) == 0
    error = elements(page_text(letters), "p", id="value-min_group_size-error")
    assert error, "the message sits by the field it is about"
    # The switch: a hidden 0, and 1 when switched on; here switched off.
    off = client.post(
        "/privacy-settings",
        data={"csrf_token": token, "setting": "comments_enabled", "value": ["0"]},
    )
    assert off.status_code == 302 and database.count(PrivacyChange) == 1

    # The proposer may withdraw, never approve; the TR may approve or reject.
    own = page_text(client.get("/privacy-settings"))
    proposals = section(own, "proposals-heading")
    assert "/approve" not in proposals and "/reject" in proposals
    sign_in(client, tr_id)
    theirs = section(page_text(client.get("/privacy-settings")), "proposals-heading")
    assert "/approve" in theirs and "/reject" in theirs
    token = csrf_token(client, "/privacy-settings")
    with app.app_context():
        change_id = db.session.scalar(select(PrivacyChange.id))
    approved = client.post(f"/privacy-settings/{change_id}/approve", data={"csrf_token": token})
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, world.organisation_id).comments_enabled is False

    history = text_of(section(page_text(client.get("/privacy-settings")), "history-heading"))
    assert "comments_enabled" not in history and "privacy." not in history and "->" not in history
    assert "Lea Leder" in history


# -- Small things a user notices --------------------------------------------------------------


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_expired_link_names_who_can_make_a_new_one(app, client):
    html = page_text(client.get("/login/not-a-real-token"))
    advice = (
        "New links are made by the organisation's Tillidspuls administrator (often HR): ask "
        "them for a new link by e-mail or on a printed card. If you don't know who that is, "
        "your leader, TR or AMR can tell you."
    )
    assert translated(app, advice) in html
    assert translated(app, "Ask your leader, TR or AMR for a new one.") not in html


def test_demo_links_stay_with_the_same_people_after_the_employee_answers(
    app, monkeypatch: pytest.MonkeyPatch
):
    from pulse import demo as demo_module

    real_submit = demo_module.submit
    monkeypatch.setattr(demo_module, "submit", lambda *args, **kwargs: None)  # fast: no answers
    with app.app_context():
        organisation = demo_module.create_demo()
        before = [(kind, person.id) for kind, person in demo_module.demo_people(organisation)]
        employee = dict(demo_module.demo_people(organisation))["employee"]
        round_ = db.session.scalar(select(Round).where(Round.state == "open"))
        submission = Submission(key=uuid.uuid4().hex, answers={})
        assert real_submit(round_, employee, submission, utcnow()) == Outcome.STORED
        db.session.commit()
        after = [(kind, person.id) for kind, person in demo_module.demo_people(organisation)]
    assert after == before
    assert [kind for kind, _id in before] == ["employee", "leader", "tr", "amr", "med", "admin"]


def test_dialogue_cards_print_for_the_trio_only_in_their_language(app, world, client):
    answer_and_release(app, world, dict.fromkeys(world.team_a_ids, 4))
    path = f"/team/{world.workplace_id}/dialogue-cards"
    sign_in(client, world.alice)  # an employee, not in the TRIO
    assert client.get(path).status_code == 404
    sign_in(client, world.leader_id)
    html = page_text(client.get(path))
    assert len(elements(html, "article", class_="dialogue-card")) >= 7
    assert len(elements(html, "button", data_print=True)) == 1
    assert "Hvordan understøtter tillid løsningen af kerneopgaven?" in html
    with app.app_context():
        db.session.get(Person, world.leader_id).locale = "nb"
        db.session.commit()
    html = page_text(client.get(path))
    assert "Hvordan støtter tillit opp under løsningen av kjerneoppgaven?" in html
    assert translated(app, "Print the cards") not in html  # Norwegian, not Danish
