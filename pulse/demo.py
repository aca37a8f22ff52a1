"""A realistic demo municipality with 16 weeks of pulse history.

Everything goes through the product's own code paths: each round asks what the plan's rotation
(`scheduling/rotation.py`) gives it, rounds are opened by `open_round` (which freezes the
teams) and every answer is stored by `survey.service.submit`, exactly like an employee's
submission. Deterministic: the same seed gives the same municipality.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from pulse.content import load_question_bank
from pulse.extensions import db
from pulse.models import (
    Committee,
    Dimension,
    Membership,
    Organisation,
    Person,
    Plan,
    PlanDimension,
    Role,
    RoleAssignment,
    Round,
    Unit,
)
from pulse.rounds import close_round, create_round, open_round, release_due
from pulse.scheduling.plans import plan_dimensions, schedule_of
from pulse.scheduling.rotation import dimensions_for_round, latest_opening
from pulse.survey.service import Submission, submit
from pulse.timeutil import utcnow

#: area -> workplace -> [(team, size)]. Some teams are deliberately smaller than k = 5.
ORGANISATION = {
    "Sundhed og Omsorg": {
        "Plejecenter Egebakken": [
            ("Afsnit Birk", 13),
            ("Afsnit Eg", 11),
            ("Nattevagten", 4),
            ("Køkken og service", 6),
        ],
        "Hjemmeplejen Nord": [("Gruppe Syd", 14), ("Gruppe Vest", 12), ("Aftenvagten", 7)],
        "Træningsenheden": [("Terapeuterne", 9)],
    },
    "Børn og Unge": {
        "Dagtilbud Lærkereden": [("Vuggestuen", 10), ("Børnehaven", 12), ("Køkkenet", 3)],
        "Bostedet Skovly": [("Dagholdet", 11), ("Weekend og aften", 6)],
        "Familiecentret": [("Familierådgivningen", 9), ("Sekretariatet", 4)],
    },
}

FIRST_NAMES = (  # noqa: SIM905 - a word list reads best as words
    "Anne Mette Hanne Susanne Lene Charlotte Camilla Louise Maria Sofie Ida Emma Julie Line "
    "Pia Tina Helle Birgitte Karen Marianne Jens Peter Lars Henrik Søren Thomas Martin "
    "Jesper Anders Mads Rasmus Niels Michael Kim Ahmed Fatima Ali Aisha Mohammad Yasmin "
    "Jonas Emil Frederik Kasper Christian Bo Morten Torben Malene Rikke Dorthe Gitte Bente "
).split()
LAST_NAMES = (  # noqa: SIM905 - a word list reads best as words
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Karimi Hussein Yilmaz Nowak Kowalski Holm Lund Dahl Bach Krogh "
).split()
COMMENTS = (
    "Vi mangler tid til at tale sammen om borgerne.",
    "Rigtig god stemning på holdet for tiden.",
    "Dokumentationen i det nye system tager alt for lang tid.",
    "Det er svært at få fat i ledelsen, når der opstår problemer.",
    "Tak for den nye vagtplan, den fungerer meget bedre.",
    "Vi bliver for få på aftenvagterne.",
    "Jeg savner at få at vide, hvad der sker med vores forslag.",
    "Godt at vi selv må tilrettelægge morgenmøderne.",
)
#: Long enough that the released history always spans two calendar quarters (MED summaries).
PAST_WEEKS = 16


@dataclass
class TeamMood:
    """How a demo team tends to answer: a level, a weekly trend and how many take part."""

    level: float
    trend: float
    turnout: float


def create_demo(seed: int = 2026, now: datetime | None = None) -> Organisation:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    now = now or utcnow()
    load_question_bank()
    organisation = Organisation(name="Solbjerg Kommune", default_locale="da")
    db.session.add(organisation)
    db.session.flush()
    root = _unit(organisation, None, "Solbjerg Kommune", "organisation")
    names = _name_source(rng)
    people_by_team: dict[int, list[Person]] = {}

    director = _person(organisation, names, root)
    _role(director, Role.LEADER, root)
    admin = _person(organisation, names, None, email="hr@solbjerg.example")
    _role(admin, Role.ADMIN, None)
    committee = Committee(organisation_id=organisation.id, name="Hoved-MED Solbjerg Kommune")
    committee.units = [root]
    committee.members = [director]
    db.session.add(committee)

    for area_name, workplaces in ORGANISATION.items():
        area = _unit(organisation, root, area_name, "area")
        area_leader = _person(organisation, names, area)
        _role(area_leader, Role.LEADER, area)
        for workplace_name, teams in workplaces.items():
            workplace = _unit(organisation, area, workplace_name, "workplace")
            leader = _person(organisation, names, workplace)
            _role(leader, Role.LEADER, workplace)
            workplace_people: list[Person] = []
            for team_name, size in teams:
                team = _unit(organisation, workplace, team_name, "team")
                members = [_person(organisation, names, team) for _ in range(size)]
                people_by_team[team.id] = members
                workplace_people.extend(members)
            # The TR and AMR are elected among the workplace's own employees.
            tr, amr = workplace_people[1], workplace_people[2]
            _role(tr, Role.TR, workplace)
            _role(amr, Role.AMR, workplace)
            if len(committee.members) < 5:
                committee.members.append(tr)
    db.session.flush()

    moods = {
        team_id: TeamMood(
            level=rng.uniform(2.6, 4.3),
            trend=rng.uniform(-0.06, 0.07),
            turnout=rng.uniform(0.55, 0.9),
        )
        for team_id in people_by_team
    }
    plan = _plan(organisation, root)
    _history(organisation, root, plan, people_by_team, moods, rng, now)
    db.session.commit()
    # Released exactly as the scheduler would: figures under the rules, raw data destroyed.
    release_due(now)
    return organisation


def _history(organisation, root, plan, people_by_team, moods, rng, now) -> None:
    """16 closed weekly rounds, and one open now that about a third have answered."""
    # The plan's own schedule, so `flask pulse tick` continues exactly where the demo ends.
    this_monday = latest_opening(schedule_of(plan), now)
    for week in range(PAST_WEEKS, -1, -1):
        opens_at = this_monday - timedelta(weeks=week)
        closes_at = opens_at + timedelta(days=7)
        round_ = create_round(
            organisation,
            _questions_for(plan, PAST_WEEKS - week),
            opens_at,
            closes_at,
            plan_id=plan.id,
        )
        open_round(round_, [root.id])
        db.session.commit()
        is_current = week == 0
        for team_id, members in people_by_team.items():
            mood = moods[team_id]
            weeks_in = PAST_WEEKS - week
            turnout = mood.turnout * (0.4 if is_current else 1.0)
            # The first member of every team is kept free of the open round, so the demo
            # employee always has a pulse to answer.
            for index, person in enumerate(members):
                if (is_current and index == 0) or rng.random() > turnout:
                    continue
                answer_time = opens_at + timedelta(hours=rng.uniform(1, 100))
                answer_time = min(answer_time, now - timedelta(minutes=5))
                submit(round_, person, _submission(round_, mood, weeks_in, rng), answer_time)
        if not is_current:
            close_round(round_)
            db.session.commit()


def _submission(round_: Round, mood: TeamMood, weeks_in: int, rng: random.Random) -> Submission:
    answers = {}
    for round_question in round_.questions:
        question = round_question.question
        if rng.random() < 0.05:
            continue  # skipped
        scale = question.scale
        level = mood.level + mood.trend * weeks_in + rng.gauss(0, 0.9)
        if scale.min_value == 0:
            level -= 0.5  # WHO-5 runs 0-5
        answers[question.id] = max(scale.min_value, min(scale.max_value, round(level)))
    comment = rng.choice(COMMENTS) if rng.random() < 0.08 else ""
    return Submission(
        key=uuid.UUID(int=rng.getrandbits(128)).hex,
        answers=answers,
        comment=comment,
        audience="reps" if rng.random() < 0.3 else "trio",
    )


def _questions_for(plan: Plan, index: int) -> list[str]:
    """Round number `index` of the plan asks what the product's rotation gives it, so the tick
    continues the same cycle where the demo's history ends."""
    chosen = dimensions_for_round(plan_dimensions(plan), plan.questions_per_round, index)
    return [question_id for dimension in chosen for question_id in dimension.question_ids]


def _plan(organisation: Organisation, root: Unit) -> Plan:
    plan = Plan(
        organisation_id=organisation.id,
        name="Ugentlig tillidspuls",
        cadence="weekly",
        weekday=0,
        hour=8,
        round_days=7,
        questions_per_round=6,
    )
    plan.units = [root]
    employee_dimensions = db.session.scalars(
        select(Dimension).where(Dimension.trio_only.is_(False)).order_by(Dimension.position)
    ).all()
    plan.dimensions = [
        PlanDimension(dimension_id=d.id, position=i) for i, d in enumerate(employee_dimensions)
    ]
    db.session.add(plan)
    db.session.flush()
    return plan


def _name_source(rng: random.Random):
    used: set[str] = set()

    def next_name() -> str:
        while True:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name not in used:
                used.add(name)
                return name

    return next_name


def _unit(organisation: Organisation, parent: Unit | None, name: str, kind: str) -> Unit:
    unit = Unit(organisation_id=organisation.id, parent=parent, name=name, kind=kind)
    db.session.add(unit)
    db.session.flush()
    return unit


def _person(organisation, names, unit: Unit | None, email: str | None = None) -> Person:
    name = names()
    if email is None:
        email = (
            name.lower().replace(" ", ".").replace("ø", "oe").replace("æ", "ae").replace("å", "aa")
            + "@solbjerg.example"
        )
    person = Person(organisation_id=organisation.id, name=name, email=email)
    db.session.add(person)
    db.session.flush()
    if unit is not None and unit.kind == "team":
        db.session.add(Membership(person_id=person.id, unit_id=unit.id))
    return person


def _role(person: Person, role: Role, unit: Unit | None) -> None:
    db.session.add(
        RoleAssignment(person_id=person.id, role=role, unit_id=unit.id if unit else None)
    )


def demo_people(organisation: Organisation) -> list[tuple[str, Person]]:
    """One person per kind of user, for `make run`: the employee's TRIO share a workplace.

    Always the same people, however many have answered since: the employee is the first
    member of the first team (the one the demo keeps free of the open round) who holds no
    role, and the others follow from that person's workplace.
    """
    with_roles = select(RoleAssignment.person_id)
    employee = db.session.scalar(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Person.organisation_id == organisation.id,
            Person.active.is_(True),
            Person.id.not_in(with_roles),
        )
        .order_by(Membership.unit_id, Person.id)
        .limit(1)
    )
    people: list[tuple[str, Person]] = []
    if employee is not None:
        people.append(("employee", employee))
        workplace_id = employee.membership.unit.parent_id
    else:
        workplace_id = None
    for role in (Role.LEADER, Role.TR, Role.AMR):
        query = (
            select(RoleAssignment).where(RoleAssignment.role == role).order_by(RoleAssignment.id)
        )
        if workplace_id is not None:
            query = query.where(RoleAssignment.unit_id == workplace_id)
        assignment = db.session.scalar(
            query.join(Person).where(Person.organisation_id == organisation.id)
        )
        if assignment:
            people.append((role.value, assignment.person))
    committee = db.session.scalar(
        select(Committee).where(Committee.organisation_id == organisation.id).order_by(Committee.id)
    )
    chosen = {person.id for _role_name, person in people}
    # A MED member who is not also a leader: an employee representative, as on a real committee.
    leaders = {
        r.person_id
        for r in db.session.scalars(
            select(RoleAssignment).where(RoleAssignment.role == Role.LEADER)
        )
    }
    members = sorted(committee.members, key=lambda p: p.id) if committee else []
    med_member = next((p for p in members if p.id not in chosen | leaders), None)
    if med_member:
        people.append(("med", med_member))
    admin = db.session.scalar(
        select(RoleAssignment)
        .join(Person)
        .where(RoleAssignment.role == Role.ADMIN, Person.organisation_id == organisation.id)
        .order_by(RoleAssignment.id)
    )
    if admin:
        people.append(("admin", admin.person))
    return people
