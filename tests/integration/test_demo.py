"""`flask pulse demo` and `flask pulse links --demo`: the municipality `make run` shows.

The demo takes seconds, so the `demo` fixture (tests/conftest.py) makes it once per backend
per session, on a database of its own that the per-test cleanup of `app` never touches.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from pulse.cli import ROLE_TITLES
from pulse.extensions import db
from pulse.invitations import open_round_for
from pulse.models import (
    Committee,
    Membership,
    Organisation,
    Participation,
    Person,
    ReleasedFigure,
    RoleAssignment,
    Round,
    RoundState,
    RoundTeam,
    SealedAnswer,
    Unit,
)
from tests.conftest import dispose_engines, make_app
from tests.helpers import csrf_token, elements
from tests.sealed import opened_boxes


def scalar(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def rows(app, statement) -> list:
    with app.app_context():
        return list(db.session.execute(statement).all())


def count(app, model, *where) -> int:
    return scalar(app, select(func.count()).select_from(model).where(*where))


def test_demo_reports_what_it_made(demo):
    assert f"with {count(demo.app, Person)} people" in demo.output


def test_demo_has_about_150_people_in_15_teams(demo_app):
    assert 130 <= count(demo_app, Person) <= 170
    assert count(demo_app, Organisation) == 1
    teams = scalar(demo_app, select(func.count()).select_from(Unit).where(Unit.kind == "team"))
    assert teams == 15
    sizes = dict(
        rows(demo_app, select(Membership.unit_id, func.count()).group_by(Membership.unit_id))
    )
    assert len(sizes) == 15
    assert sum(1 for size in sizes.values() if size < 5) >= 3


def test_demo_has_a_committee_an_admin_and_a_trio_per_workplace(demo_app):
    assert count(demo_app, Committee) == 1
    assert (
        scalar(demo_app, select(func.count()).select_from(Committee).join(Committee.members)) >= 2
    )
    admins = rows(demo_app, select(RoleAssignment.unit_id).where(RoleAssignment.role == "admin"))
    assert admins == [(None,)]
    workplaces = {u for (u,) in rows(demo_app, select(Unit.id).where(Unit.kind == "workplace"))}
    assert len(workplaces) >= 3
    roles = defaultdict(set)
    for unit_id, role in rows(demo_app, select(RoleAssignment.unit_id, RoleAssignment.role)):
        roles[unit_id].add(role)
    for workplace in workplaces:
        assert {"leader", "tr", "amr"} <= roles[workplace], workplace


def test_demo_has_16_past_rounds_and_one_open(demo_app):
    states = Counter(s for (s,) in rows(demo_app, select(Round.state).order_by(Round.opens_at)))
    assert states[RoundState.OPEN] == 1
    assert states[RoundState.CLOSED] + states[RoundState.RELEASED] == 16
    assert sum(states.values()) == 17
    opens = [o for (o,) in rows(demo_app, select(Round.opens_at).order_by(Round.opens_at))]
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(opens))
    (last_state,) = rows(demo_app, select(Round.state).order_by(Round.opens_at.desc()).limit(1))
    assert last_state == (RoundState.OPEN,)


def test_every_past_round_has_answers_from_at_most_those_invited(demo_app):
    invited = Counter()
    for round_id, team_invited in rows(demo_app, select(RoundTeam.round_id, RoundTeam.invited)):
        invited[round_id] += team_invited
    participations = dict(
        rows(
            demo_app, select(Participation.round_id, func.count()).group_by(Participation.round_id)
        )
    )
    boxes = dict(
        rows(demo_app, select(SealedAnswer.round_id, func.count()).group_by(SealedAnswer.round_id))
    )
    whole = {
        round_id: (n, of)
        for round_id, n, of in rows(
            demo_app,
            select(ReleasedFigure.round_id, ReleasedFigure.respondents, ReleasedFigure.invited)
            .join(Unit, Unit.id == ReleasedFigure.unit_id)
            .where(ReleasedFigure.kind == "participation", Unit.parent_id.is_(None)),
        )
    }
    states = dict(rows(demo_app, select(Round.id, Round.state)))
    assert len(states) == 17  # 16 past weeks and the open round
    for round_id, state in states.items():
        if state == RoundState.RELEASED:
            # Destroyed at release: only the figures are left.
            assert round_id not in participations and round_id not in boxes
            assert round_id not in invited
            respondents, of = whole[round_id]
            assert 0 < respondents <= of, round_id
        else:
            respondents = participations.get(round_id, 0)
            assert 0 < respondents <= invited[round_id], (round_id, state)
            assert boxes[round_id] == respondents  # one sealed box per submission


def test_no_question_has_more_answers_than_people_invited(demo_app):
    """Per round, team and question, in the rounds not yet released (opened from their boxes)."""
    invited_team = {
        (r, u): n
        for r, u, n in rows(
            demo_app, select(RoundTeam.round_id, RoundTeam.unit_id, RoundTeam.invited)
        )
    }
    with demo_app.app_context():
        per_question = Counter()
        for round_id in {r for r, _u in invited_team}:
            for box in opened_boxes(round_id):
                for question_id in box.answers:
                    per_question[(round_id, box.unit_id, question_id)] += 1
    assert per_question
    for (round_id, unit_id, _question_id), answered in per_question.items():
        assert answered <= invited_team[(round_id, unit_id)]


def test_team_means_differ(demo_app):
    """The released question figures of the teams (1-5 scales) differ between teams."""
    figures = rows(
        demo_app,
        select(ReleasedFigure.unit_id, ReleasedFigure.mean, ReleasedFigure.distribution)
        .join(Unit, Unit.id == ReleasedFigure.unit_id)
        .where(
            ReleasedFigure.kind == "question",
            ReleasedFigure.suppressed.is_(False),
            ReleasedFigure.ref.like("vt_%"),
            Unit.kind == "team",
        ),
    )
    per_team = defaultdict(list)
    for unit_id, mean, _distribution in figures:
        per_team[unit_id].append(mean)
    values = [statistics.mean(m) for m in per_team.values()]
    assert len(values) >= 8
    assert max(values) - min(values) > 0.5
    assert statistics.pstdev(values) > 0.15
    given = {v for *_r, d in figures if d for v, n in d.items() if n}
    assert len(given) >= 4  # answers vary, not one value per team


def test_if_empty_leaves_an_existing_demo_alone(demo_app):
    before = (count(demo_app, Person), count(demo_app, Round), count(demo_app, SealedAnswer))

    result = demo_app.test_cli_runner().invoke(args=["pulse", "demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "Created" not in result.output
    assert (
        count(demo_app, Person),
        count(demo_app, Round),
        count(demo_app, SealedAnswer),
    ) == before


def test_demo_refuses_to_run_twice_without_if_empty(demo_app):
    people = count(demo_app, Person)

    result = demo_app.test_cli_runner().invoke(args=["pulse", "demo"])

    assert result.exit_code != 0
    assert count(demo_app, Person) == people


# -- flask pulse links --demo ---------------------------------------------------------------


def demo_links(app) -> dict[str, tuple[str, str, str]]:
    result = app.test_cli_runner().invoke(args=["pulse", "links", "--demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 6, result.output
    table = {}
    for line in lines:
        name, role, unit, url = line.split("\t")
        table[role] = (name, unit, url)
    return table


def test_links_demo_names_one_of_each_kind_of_user(demo_app):
    table = demo_links(demo_app)

    assert set(table) == set(ROLE_TITLES.values())
    names = [name for name, _unit, _url in table.values()]
    assert len(set(names)) == 6
    base = demo_app.config["PULSE_BASE_URL"]
    assert all(url.startswith(f"{base}/login/") for _n, _u, url in table.values())
    # The employee's TRIO is the TRIO of the employee's own workplace.
    workplace, _team = table["employee"][1].split(" / ")
    for title in ("leader", "TR (shop steward)", "AMR (health and safety rep)"):
        assert table[title][1].split(" / ")[0] == workplace


def test_the_demo_employee_has_an_open_round_to_answer(demo_app):
    _name, _unit, url = demo_links(demo_app)["employee"]
    path = url.removeprefix(demo_app.config["PULSE_BASE_URL"])
    client = demo_app.test_client()

    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    open_round = scalar(demo_app, select(Round.id).where(Round.state == "open"))
    assert elements(home, "a", href=f"/pulse/{open_round}")
    page = client.get(f"/pulse/{open_round}")
    assert page.status_code == 200
    assert elements(page.get_data(as_text=True), "form")


def test_every_demo_link_signs_someone_in_once(demo_app):
    for number, (_name, _unit, url) in enumerate(demo_links(demo_app).values()):
        path = url.removeprefix(demo_app.config["PULSE_BASE_URL"])
        device = demo_app.test_client()
        device.environ_base["REMOTE_ADDR"] = f"10.0.3.{number}"
        assert device.post(path, data={"csrf_token": csrf_token(device, path)}).status_code == 302
        assert elements(device.get("/").get_data(as_text=True), "h1", class_="greeting")
        assert device.post(path, data={"csrf_token": csrf_token(device)}).status_code == 400


# -- The open round's window, whatever the day (fast: no answers are generated) --------------


@pytest.mark.parametrize(
    "now",
    # The edges of the week (the live demo above covers the present moment).
    [datetime(2026, 11, 29, 21, 0), datetime(2026, 11, 30, 7, 59)],
    ids=["sunday evening", "monday before eight"],
)
def test_demo_round_is_answerable_whatever_the_time(
    database_backend, database_factory, monkeypatch, now
):
    from pulse import demo as demo_module

    monkeypatch.setattr(demo_module, "submit", lambda *args, **kwargs: None)
    app = make_app(database_factory.create(database_backend))
    try:
        with app.app_context():
            organisation = demo_module.create_demo(now=now)
            employee = dict(demo_module.demo_people(organisation))["employee"]
            assert open_round_for(employee, now) is not None
    finally:
        dispose_engines(app)
