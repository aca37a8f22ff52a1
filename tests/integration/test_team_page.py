"""The TRIO's team page: access, identical figures, suppression in the HTML, comments, actions."""

from __future__ import annotations

import html as html_module
import json
import re
import uuid

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Action, ActionEvent, Person, Role, Round
from pulse.rounds import close_round, release_round
from pulse.survey.service import Submission, submit
from pulse.timeutil import utcnow
from tests.factories import assign_role, make_person, make_unit, sign_in
from tests.helpers import csrf_token


def release_with(app, world, values: dict[int, int], comments: dict[int, tuple[str, str]] = None):
    """Answer vt_trusted/vt_information/au_judgement with the given value per person; release."""
    comments = comments or {}
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        for person_id, value in values.items():
            text, audience = comments.get(person_id, ("", "trio"))
            submit(
                round_,
                db.session.get(Person, person_id),
                Submission(
                    key=uuid.uuid4().hex,
                    answers={"vt_trusted": value, "vt_information": value, "au_judgement": value},
                    comment=text,
                    audience=audience,
                ),
                utcnow(),
            )
        round_ = db.session.get(Round, world.round_id)
        close_round(round_)
        db.session.commit()
        release_round(round_, utcnow())


def tr_id(world):
    return world.team_a_ids[1]


def amr_id(world):
    return world.team_b_ids[1]


def numbers_in(html: str, element_id: str) -> list[str]:
    """Every number in the text of one section (charts' JSON and tables alike)."""
    match = re.search(rf'<section[^>]*id="{element_id}".*?</section>', html, re.S)
    assert match, element_id
    return re.findall(r"\d+(?:[.,]\d+)?", match.group(0))


def test_tr_and_leader_of_the_same_unit_see_the_same_figures(app, world, client):
    everyone = [*world.team_a_ids, *world.team_b_ids]
    release_with(app, world, {pid: 2 + i % 3 for i, pid in enumerate(everyone)})
    sign_in(client, world.leader_id)
    leader_page = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    sign_in(client, tr_id(world))
    tr_page = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    assert numbers_in(leader_page, "trend") == numbers_in(tr_page, "trend")
    # Danish numbers: a decimal comma, never a decimal point.
    assert re.search(r'<td class="num">\d+,\d</td>', leader_page)
    assert not re.search(r"<td[^>]*>\d+\.\d", leader_page)


def test_other_units_pages_answer_404(app, world, client):
    with app.app_context():
        from pulse.models import Organisation

        organisation = db.session.get(Organisation, world.organisation_id)
        other = make_unit(organisation, "Andet sted", kind="workplace")
        other_leader = make_person(organisation, name="Ole Anden")
        assign_role(other_leader, Role.LEADER, other)
        db.session.commit()
        other_leader_id, other_id = other_leader.id, other.id
    sign_in(client, other_leader_id)
    assert client.get(f"/team/{world.workplace_id}").status_code == 404
    assert client.get(f"/team/{world.team_a_id}").status_code == 404
    assert client.get("/team/99999").status_code == 404
    assert client.get(f"/team/{other_id}").status_code == 200
    sign_in(client, world.alice)  # a plain employee
    assert client.get(f"/team/{world.team_a_id}").status_code == 404
    assert client.get("/team").status_code == 404


def test_the_page_says_who_sees_it(app, world, client):
    sign_in(client, world.leader_id)
    html = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    with app.app_context():
        names = [
            db.session.get(Person, pid).name
            for pid in (world.leader_id, tr_id(world), amr_id(world))
        ]
    for name in names:
        assert name in html


def test_a_suppressed_team_shows_no_number_anywhere(app, world, client):
    # Team A: 6 answer; team B: 3 answer -> B hidden, A hidden with it (complement).
    release_with(
        app, world, {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids[:3], 1)}
    )
    sign_in(client, world.leader_id)
    html = client.get(f"/team/{world.team_b_id}").get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    # Charts: every value of the team's own line or bars is a gap (the parent's line may show).
    for chart in re.findall(r"data-chart='([^']*)'", main):
        own = json.loads(html_module.unescape(chart))["data"][0]
        assert all(y is None for y in own["y"]), own["y"]
    # Tables: no cell of the team's own with a number, only the "too few answers" marker.
    cells = re.findall(r"<td(?! class=\"parent)[^>]*>(.*?)</td>", main, re.S)
    assert cells
    assert not [c for c in cells if re.search(r"\d", re.sub(r"<[^>]+>", "", c))], cells
    assert "<meter" not in main
    workplace = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    assert re.search(r"<td[^>]*>9 (af|of) \d+</td>", workplace)  # the workplace's 9 respondents


def test_comments_only_for_their_audience(app, world, client):
    people = [*world.team_a_ids, *world.team_b_ids]
    notes = {people[0]: ("Til hele TRIO'en", "trio"), people[2]: ("Kun til TR og AMR", "reps")}
    release_with(app, world, dict.fromkeys(people, 3), comments=notes)
    with app.app_context():
        organisation_id = world.organisation_id
        from pulse.models import Organisation

        organisation = db.session.get(Organisation, organisation_id)
        assert organisation.min_comment_group_size == 10
    sign_in(client, world.leader_id)
    leader = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    assert "Til hele TRIO" in leader and "Kun til TR og AMR" not in leader
    sign_in(client, amr_id(world))
    amr = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    assert "Til hele TRIO" in amr and "Kun til TR og AMR" in amr


def test_htmx_dimension_switch_returns_only_the_trend(app, world, client):
    release_with(app, world, dict.fromkeys([*world.team_a_ids, *world.team_b_ids], 4))
    sign_in(client, world.leader_id)
    response = client.get(
        f"/team/{world.workplace_id}?dimension=autonomy",
        headers={"HX-Request": "true", "HX-Target": "trend"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="trend"')
    assert "HX-Request" in response.headers["Vary"]


def test_actions_created_by_the_amr_show_on_an_employees_home(app, world, client):
    sign_in(client, amr_id(world))
    token = csrf_token(client, f"/team/{world.workplace_id}")
    response = client.post(
        f"/team/{world.workplace_id}/actions",
        data={
            "csrf_token": token,
            "title": "Fast morgenmøde om vagtplanen",
            "owner": "amr",
            "dimension": "justice",
            "follow_up_on": "2027-01-15",
            "status": "open",
        },
        headers={"HX-Request": "true", "HX-Target": "actions"},
    )
    assert response.status_code == 200
    assert "Fast morgenmøde" in response.get_data(as_text=True)
    sign_in(client, world.alice)
    home = client.get("/").get_data(as_text=True)
    assert "Fast morgenmøde om vagtplanen" in home
    with app.app_context():
        action = db.session.scalar(select(Action))
        assert action.unit_id == world.workplace_id and action.owner == "amr"
        assert len(db.session.scalars(select(ActionEvent)).all()) == 1


def test_editing_an_action_keeps_a_history_and_bad_input_changes_nothing(app, world, client):
    sign_in(client, world.leader_id)
    token = csrf_token(client, f"/team/{world.workplace_id}")
    client.post(
        f"/team/{world.workplace_id}/actions",
        data={"csrf_token": token, "title": "Ryd op i skemaer", "owner": "team"},
    )
    with app.app_context():
        action_id = db.session.scalar(select(Action.id))
    bad = client.post(
        f"/team/{world.workplace_id}/actions/{action_id}",
        data={"csrf_token": token, "title": "", "owner": "boss", "status": "x"},
    )
    assert bad.status_code == 422
    sign_in(client, tr_id(world))
    token = csrf_token(client, f"/team/{world.workplace_id}")
    done = client.post(
        f"/team/{world.workplace_id}/actions/{action_id}",
        data={
            "csrf_token": token,
            "title": "Ryd op i skemaer",
            "owner": "team",
            "status": "done",
            "note": "Tre skemaer fjernet",
        },
    )
    assert done.status_code == 200
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.status == "done" and action.title == "Ryd op i skemaer"
        events = db.session.scalars(select(ActionEvent).order_by(ActionEvent.id)).all()
        assert [e.status for e in events] == ["open", "done"]
        assert events[1].note == "Tre skemaer fjernet"


def test_no_free_filters(app, world, client):
    """Unknown parameters change nothing: no date ranges, no breakdowns, only given choices."""
    release_with(app, world, dict.fromkeys([*world.team_a_ids, *world.team_b_ids], 4))
    sign_in(client, world.leader_id)
    plain = client.get(f"/team/{world.workplace_id}").get_data(as_text=True)
    filtered = client.get(
        f"/team/{world.workplace_id}?from=2020-01-01&gender=f&round=999999&dimension=nope"
    ).get_data(as_text=True)
    # CSRF tokens are signed with a timestamp; everything else must be identical.
    strip = lambda html: re.sub(  # noqa: E731
        r'value="[^"]*"|name="csrf_token"[^>]*|hx-headers=\'[^\']*\'', "", html
    )
    assert strip(plain) == strip(filtered)
