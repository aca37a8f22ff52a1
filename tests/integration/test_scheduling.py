"""`flask pulse tick`: plans open, close and release their rounds by themselves, once.

Times are driven explicitly (`run_tick(now)` and `tick --now`), so the tests walk through a
plan's weeks without waiting.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from pulse.extensions import db
from pulse.models import (
    NotificationLog,
    Person,
    Plan,
    PlanDimension,
    Round,
    RoundMember,
    RoundTeam,
    Unit,
)
from pulse.scheduling.plans import preview
from pulse.scheduling.tick import run_tick
from pulse.timeutil import utcnow
from tests.conftest import make_app
from tests.factories import (
    load_questions,
    make_organisation,
    make_people,
    make_person,
    make_unit,
    move_person,
)
from tests.smtp_server import local_smtp_server

#: A Wednesday; the plan opens on Mondays at 09:00 Copenhagen time (08:00 UTC in November).
WEDNESDAY = datetime(2026, 11, 18, 12, 0)
MONDAY_OPEN = datetime(2026, 11, 23, 8, 0)


@dataclass(frozen=True)
class PlannedOrg:
    organisation_id: int
    plan_id: int
    workplace_id: int
    team_ids: tuple[int, ...]
    people: tuple[int, ...]


def build_planned_org(
    app,
    team_sizes=(6, 5),
    locales=(),
    dimensions=("vertical_trust", "horizontal_trust", "wellbeing"),
) -> PlannedOrg:
    """A workplace with teams and a weekly plan (Monday 09:00, 7 days, 6 questions, 48 h)."""
    with app.app_context():
        load_questions()
        organisation = make_organisation("Plankommune")
        workplace = make_unit(organisation, "Bostedet", kind="workplace")
        teams, people = [], []
        for size in team_sizes:
            team = make_unit(organisation, parent=workplace)
            teams.append(team)
            people.extend(make_people(organisation, team, size))
        for person, locale in zip(people, locales, strict=False):
            person.locale = locale
        make_person(organisation, name="Nora Noteam")  # not in any team: never invited
        plan = Plan(
            organisation_id=organisation.id,
            name="Ugentlig puls",
            cadence="weekly",
            weekday=0,
            hour=9,
            round_days=7,
            questions_per_round=6,
            release_delay_hours=48,
        )
        plan.units = [workplace]
        plan.dimensions = [
            PlanDimension(dimension_id=d, position=i) for i, d in enumerate(dimensions)
        ]
        db.session.add(plan)
        db.session.commit()
        return PlannedOrg(
            organisation.id,
            plan.id,
            workplace.id,
            tuple(t.id for t in teams),
            tuple(p.id for p in people),
        )


def tick(app, now):
    with app.app_context():
        return run_tick(now)


def plan_rounds(app, plan_id):
    with app.app_context():
        return db.session.execute(
            select(Round.id, Round.state, Round.opens_at, Round.closes_at)
            .where(Round.plan_id == plan_id)
            .order_by(Round.opens_at)
        ).all()


def question_ids(app, round_id):
    with app.app_context():
        return [rq.question_id for rq in db.session.get(Round, round_id).questions]


def test_a_plan_runs_itself_through_open_close_and_release(app, database):
    org = build_planned_org(app)

    report = tick(app, WEDNESDAY)
    assert report.scheduled and not report.opened
    [(first_id, state, opens_at, closes_at)] = plan_rounds(app, org.plan_id)
    assert (state, opens_at, closes_at) == ("scheduled", MONDAY_OPEN, MONDAY_OPEN + timedelta(7))
    assert question_ids(app, first_id) == [
        "vt_trusted", "vt_information", "vt_voice", "ht_trust", "ht_share", "ht_help"
    ]  # fmt: skip
    assert not tick(app, WEDNESDAY)  # idempotent: nothing happens twice

    monday = MONDAY_OPEN + timedelta(minutes=1)
    report = tick(app, monday)
    assert report.opened == [first_id]
    assert not tick(app, monday)
    rounds = plan_rounds(app, org.plan_id)
    assert [r.state for r in rounds] == ["open", "scheduled"]
    assert question_ids(app, rounds[1].id) == [f"who5_{i}" for i in range(1, 6)]
    # Teams are frozen at opening: 11 invited, and a later move changes nothing.
    assert database.count(RoundMember, RoundMember.round_id == first_id) == 11
    with database.session() as session:
        invited = dict(
            session.execute(
                select(RoundTeam.unit_id, RoundTeam.invited).where(RoundTeam.round_id == first_id)
            ).all()
        )
        assert invited == {org.team_ids[0]: 6, org.team_ids[1]: 5}
        move_person(session.get(Person, org.people[0]), session.get(Unit, org.team_ids[1]))

    next_monday = MONDAY_OPEN + timedelta(days=7)
    report = tick(app, next_monday)
    assert report.closed == [first_id]
    assert report.opened == [rounds[1].id]
    assert not report.released
    frozen = database.scalars(select(RoundMember.unit_id).where(RoundMember.round_id == first_id))
    assert Counter(frozen) == {org.team_ids[0]: 6, org.team_ids[1]: 5}

    assert not tick(app, next_monday + timedelta(hours=47))
    report = tick(app, next_monday + timedelta(hours=48))
    assert report.released == [first_id]
    assert not tick(app, next_monday + timedelta(hours=48))
    states = [r.state for r in plan_rounds(app, org.plan_id)]
    assert states == ["released", "open", "scheduled"]


def test_the_rotation_continues_and_the_preview_shows_it(app):
    org = build_planned_org(app)
    tick(app, WEDNESDAY)
    for week in range(4):
        tick(app, MONDAY_OPEN + timedelta(days=7 * week, minutes=1))
    rounds = plan_rounds(app, org.plan_id)
    asked = [question_ids(app, r.id)[0] for r in rounds]
    assert asked == ["vt_trusted", "who5_1", "vt_trusted", "who5_1", "vt_trusted"]
    with app.app_context():
        plan = db.session.get(Plan, org.plan_id)
        upcoming = preview(plan, MONDAY_OPEN + timedelta(days=22), 3)
    assert [p.dimension_ids for p in upcoming] == [
        ("wellbeing",),
        ("vertical_trust", "horizontal_trust"),
        ("wellbeing",),
    ]
    assert upcoming[0].opens_at == rounds[-1].opens_at + timedelta(days=7)


def test_a_round_missed_while_no_tick_ran_is_dropped_not_opened_late(app):
    org = build_planned_org(app)
    tick(app, WEDNESDAY)
    report = tick(app, MONDAY_OPEN + timedelta(days=7, hours=2))
    assert report.opened == []
    rounds = plan_rounds(app, org.plan_id)
    assert [(r.state, r.opens_at) for r in rounds] == [
        ("scheduled", MONDAY_OPEN + timedelta(days=14))
    ]


def test_an_inactive_plan_opens_nothing(app):
    org = build_planned_org(app)
    with app.app_context():
        db.session.get(Plan, org.plan_id).active = False
        db.session.commit()
    assert not tick(app, WEDNESDAY)
    assert plan_rounds(app, org.plan_id) == []


def test_the_employee_sees_the_opened_round(app, client):
    from tests.factories import sign_in

    org = build_planned_org(app)
    tick(app, WEDNESDAY)
    round_id = plan_rounds(app, org.plan_id)[0].id
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        now = utcnow()
        round_.opens_at, round_.closes_at = now - timedelta(days=9), now + timedelta(days=1)
        db.session.commit()
    sign_in(client, org.people[0])
    assert f"/pulse/{round_id}" not in client.get("/").get_data(as_text=True)
    tick(app, utcnow())
    assert f"/pulse/{round_id}" in client.get("/").get_data(as_text=True)


def test_tick_command_accepts_a_time_and_reports(app, runner):
    build_planned_org(app)
    result = runner.invoke(args=["pulse", "tick", "--now", "2026-11-23T08:01"])
    assert result.exit_code == 0, result.output
    assert "scheduled" in result.output
    result = runner.invoke(args=["pulse", "tick", "--now", "2026-11-23T08:01"])
    assert result.exit_code == 0 and result.output == ""
    result = runner.invoke(args=["pulse", "tick", "--now", "next tuesday"])
    assert result.exit_code != 0


def test_release_deletes_who_was_nudged(app, database):
    org = build_planned_org(app)
    with local_smtp_server() as inbox:
        app.config.update(inbox.app_settings())
        tick(app, WEDNESDAY)
        tick(app, MONDAY_OPEN)
        first_id = plan_rounds(app, org.plan_id)[0].id
        assert database.count(NotificationLog, NotificationLog.round_id == first_id) == 11
        tick(app, MONDAY_OPEN + timedelta(days=9))
    assert database.count(NotificationLog, NotificationLog.round_id == first_id) == 0


# -- Several hosts at once (PostgreSQL) ----------------------------------------------------------


def _tick_in_a_process(database_url, smtp_settings, times, barrier, results):
    app = make_app(database_url, **smtp_settings)
    reports = []
    for now in times:
        barrier.wait(timeout=60)  # both hosts run each step at the same moment
        with app.app_context():
            report = run_tick(now)
            reports.append(
                (report.opened, report.invited, report.reminded, report.closed, report.released)
            )
    with app.app_context():
        db.engine.dispose()
    results.put(reports)


def test_two_ticks_in_parallel_processes_do_everything_once(database_backend, database_factory):
    if database_backend != "postgres":
        pytest.skip("parallel ticks are a PostgreSQL feature (SQLite: one host runs the tick)")
    url = database_factory.create("postgres")
    app = make_app(url)
    orgs = [build_planned_org(app, team_sizes=(7, 6)) for _ in range(4)]
    tick(app, WEDNESDAY)  # every plan schedules its first round
    times = [
        MONDAY_OPEN + timedelta(minutes=1),  # open + invite
        MONDAY_OPEN + timedelta(days=5, minutes=1),  # remind
        MONDAY_OPEN + timedelta(days=7, minutes=1),  # close, open the next, invite
        MONDAY_OPEN + timedelta(days=9, minutes=2),  # release
    ]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    with local_smtp_server() as inbox:
        workers = [
            context.Process(
                target=_tick_in_a_process,
                args=(url, inbox.app_settings(), times, barrier, results),
            )
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        reports = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        received = inbox.received()

    opened = Counter(r for report in reports for step in report for r in step[0])
    invited = Counter(r for report in reports for step in report for r in step[1])
    reminded = Counter(r for report in reports for step in report for r in step[2])
    released = Counter(r for report in reports for step in report for r in step[4])
    assert len(opened) == 8 and set(opened.values()) == {1}  # 4 plans x 2 weeks, each once
    assert set(invited.values()) == {1} and set(reminded.values()) == {1}
    assert len(released) == 4 and set(released.values()) == {1}

    with app.app_context():
        per_opening = db.session.execute(
            select(Round.plan_id, Round.opens_at, func.count()).group_by(
                Round.plan_id, Round.opens_at
            )
        ).all()
    assert {count for _p, _o, count in per_opening} == {1}
    assert len(per_opening) == 4 * 3  # two weeks each, and the third scheduled

    people = 13 * len(orgs)
    per_person = Counter((m["X-Envelope-To"], m["X-Tillidspuls-Kind"]) for m in received)
    assert len(received) == people * 3  # week 1 invitation + reminder, week 2 invitation
    assert len({to for to, _kind in per_person}) == people
    assert Counter(per_person.values()) == {2: people, 1: people}
    assert all(count == 2 for (_to, kind), count in per_person.items() if kind == "invitation")
    with app.app_context():
        db.engine.dispose()


def test_a_host_whose_clock_is_behind_changes_nothing(app):
    org = build_planned_org(app)
    tick(app, WEDNESDAY)
    tick(app, MONDAY_OPEN)  # opens week 1, schedules week 2
    before = plan_rounds(app, org.plan_id)
    assert not tick(app, MONDAY_OPEN - timedelta(seconds=2))
    assert plan_rounds(app, org.plan_id) == before


def test_a_changed_plan_moves_its_scheduled_round_instead_of_adding_one(app):
    org = build_planned_org(app)
    tick(app, WEDNESDAY)
    with app.app_context():
        plan = db.session.get(Plan, org.plan_id)
        plan.weekday, plan.round_days = 3, 5  # Thursdays, five days
        db.session.commit()
    tick(app, WEDNESDAY + timedelta(minutes=1))
    [(_id, state, opens_at, closes_at)] = plan_rounds(app, org.plan_id)
    assert state == "scheduled"
    assert (opens_at, closes_at) == (datetime(2026, 11, 19, 8), datetime(2026, 11, 24, 8))


def test_a_late_invitation_still_gets_its_reminder_but_not_at_once(app, world):
    """The tick was down: the invitation went out after the reminder's time. The reminder
    follows (an hour later at the earliest), it is not skipped for the rest of the round."""
    from pulse.scheduling.tick import REMINDER, notify_due

    now = utcnow()
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        round_.opens_at = now - timedelta(days=6)
        round_.closes_at = now + timedelta(hours=20)  # reminder time: 2 days before = past
        round_.invitations_sent_at = now - timedelta(minutes=10)
        db.session.commit()
        assert notify_due(now, REMINDER) == []  # right after the late invitation: not yet
        assert db.session.get(Round, world.round_id).reminder_sent_at is None
        reminded = notify_due(now + timedelta(hours=1), REMINDER)
        assert [round_id for round_id, _sent in reminded] == [world.round_id]
        assert notify_due(now + timedelta(hours=2), REMINDER) == []  # once
