"""Small builders for test data, and `sign_in`.

The `make_*` functions run inside an app context, add to `db.session`, flush (so ids exist) and
return the objects; the caller commits. `build_world` does all of it for the usual scenario and
returns ids only, because objects are detached once their app context ends.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect

from pulse.auth.tokens import issue_sign_in_token
from pulse.content import load_question_bank
from pulse.extensions import db
from pulse.models import (
    Committee,
    Membership,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    Round,
    Unit,
)
from pulse.rounds import close_round, create_round, open_round
from pulse.timeutil import utcnow
from tests.helpers import csrf_token

_numbers = itertools.count(1)

#: Three agree5 questions and one WHO-5 item from the shipped bank (scales 1-5 and 0-5).
DEFAULT_QUESTIONS = ("vt_trusted", "vt_information", "au_judgement", "who5_1")


def make_organisation(name: str = "Testkommune", **settings) -> Organisation:
    organisation = Organisation(name=name, **settings)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_unit(
    organisation: Organisation,
    name: str | None = None,
    parent: Unit | None = None,
    kind: str = "team",
) -> Unit:
    unit = Unit(
        organisation_id=organisation.id,
        parent=parent,
        kind=kind,
        name=name or f"{kind.title()} {next(_numbers)}",
    )
    db.session.add(unit)
    db.session.flush()
    return unit


def make_person(
    organisation: Organisation, team: Unit | None = None, name: str | None = None, **fields
) -> Person:
    """A person; a member of `team` when given."""
    number = next(_numbers)
    person = Person(
        organisation_id=organisation.id,
        name=name or f"Person{number} Testesen",
        email=fields.pop("email", f"person{number}@example.test"),
        **fields,
    )
    db.session.add(person)
    db.session.flush()
    if team is not None:
        db.session.add(Membership(person_id=person.id, unit_id=team.id))
        db.session.flush()
    return person


def make_people(organisation: Organisation, team: Unit, count: int) -> list[Person]:
    return [make_person(organisation, team) for _ in range(count)]


def move_person(person: Person, team: Unit) -> None:
    """Change a person's team (membership), as an administrator would."""
    person.membership.unit_id = team.id
    db.session.flush()


def assign_role(person: Person, role: Role | str, unit: Unit | None = None) -> RoleAssignment:
    assignment = RoleAssignment(
        person_id=person.id, role=Role(role), unit_id=unit.id if unit else None
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def make_committee(
    organisation: Organisation, units: list[Unit], members: list[Person], name: str = "Lokal-MED"
) -> Committee:
    committee = Committee(organisation_id=organisation.id, name=name)
    committee.units = list(units)
    committee.members = list(members)
    db.session.add(committee)
    db.session.flush()
    return committee


def load_questions() -> int:
    """The shipped question bank (idempotent)."""
    return load_question_bank()


def make_round(
    organisation: Organisation,
    units: list[Unit],
    question_ids: tuple[str, ...] | list[str] = DEFAULT_QUESTIONS,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    opened: bool = True,
    closed: bool = False,
) -> Round:
    """A round with the given questions, opened for the units' subtrees (the bank is loaded)."""
    load_question_bank()
    now = utcnow()
    opens_at = opens_at or now - timedelta(hours=1)
    closes_at = closes_at or opens_at + timedelta(days=7)
    round_ = create_round(organisation, list(question_ids), opens_at, closes_at)
    if opened or closed:
        open_round(round_, [unit.id for unit in units])
    if closed:
        close_round(round_)
    return round_


@dataclass(frozen=True)
class World:
    """Ids of a small organisation: workplace -> team A (6 people) and team B (5 people), one
    TRIO, one MED member, an administrator, a person of another organisation, and one open round
    for the workplace."""

    organisation_id: int
    workplace_id: int
    team_a_id: int
    team_b_id: int
    team_a_ids: tuple[int, ...]
    team_b_ids: tuple[int, ...]
    leader_id: int
    admin_id: int
    outsider_id: int
    other_organisation_id: int
    round_id: int
    question_ids: tuple[str, ...]

    @property
    def alice(self) -> int:
        """An employee in team A."""
        return self.team_a_ids[0]

    @property
    def bob(self) -> int:
        """An employee in team B."""
        return self.team_b_ids[0]


def build_world(app, question_ids: tuple[str, ...] = DEFAULT_QUESTIONS) -> World:
    with app.app_context():
        organisation = make_organisation("Testkommune")
        workplace = make_unit(organisation, "Plejecentret", kind="workplace")
        team_a = make_unit(organisation, "Team A", parent=workplace)
        team_b = make_unit(organisation, "Team B", parent=workplace)
        people_a = make_people(organisation, team_a, 6)
        people_b = make_people(organisation, team_b, 5)
        leader = make_person(organisation, name="Lea Leder")
        assign_role(leader, Role.LEADER, workplace)
        assign_role(people_a[1], Role.TR, workplace)
        assign_role(people_b[1], Role.AMR, workplace)
        make_committee(organisation, [workplace], [leader, people_a[1]])
        admin = make_person(organisation, name="Ada Administrator")
        assign_role(admin, Role.ADMIN)
        other = make_organisation("Nabokommune")
        other_team = make_unit(other, "Andet team")
        outsider = make_person(other, other_team, name="Otto Udenfor")
        round_ = make_round(organisation, [workplace], question_ids)
        world = World(
            organisation_id=organisation.id,
            workplace_id=workplace.id,
            team_a_id=team_a.id,
            team_b_id=team_b.id,
            team_a_ids=tuple(p.id for p in people_a),
            team_b_ids=tuple(p.id for p in people_b),
            leader_id=leader.id,
            admin_id=admin.id,
            outsider_id=outsider.id,
            other_organisation_id=other.id,
            round_id=round_.id,
            question_ids=tuple(question_ids),
        )
        db.session.commit()
    return world


def person_id_of(person: Person | int) -> int:
    if isinstance(person, int):
        return person
    return inspect(person).identity[0]  # works on expired and detached objects too


def issue_token(app, person: Person | int, valid_days: int = 1) -> str:
    with app.app_context():
        token = issue_sign_in_token(db.session.get(Person, person_id_of(person)), valid_days)
        db.session.commit()
    return token


def sign_in(client, person: Person | int) -> None:
    """Sign `person` in on this client the way a person does: open a link, press the button."""
    token = issue_token(client.application, person)
    path = f"/login/{token}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302, response.status_code
    assert response.location == "/", response.location
