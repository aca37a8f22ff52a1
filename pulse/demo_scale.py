"""A municipality-sized organisation for the benchmarks (`flask pulse demo --people 45000`).

Built with bulk inserts (SQLAlchemy Core, lists of dicts) so 45,000 people and three years of
weekly history take a minute, not an hour. The tree has five levels (organisation, areas,
institutions, departments, teams; some institutions have their teams directly, so leaves sit at
level four or five), teams of 5 to 25, a leader and a TR in every team and an AMR and a leader in
every institution.

The *history* (all but the newest rounds) is written as released figures directly, hidden where
k, the comment threshold and complementary suppression hide them (pulse/demo_history.py).
Rounds that a benchmark measures are opened, answered and released through the product's own
functions (`open_round`, `survey.service.submit`, `release_round`): see
`open_round_for_everyone`, `answer_round`.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from pulse.content import load_question_bank
from pulse.demo_history import QUESTIONS_PER_ROUND, bulk, question_rotation, write_history
from pulse.extensions import db
from pulse.lifecycle import create_round, open_round
from pulse.models import (
    Membership,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    Round,
    RoundMember,
    Unit,
)
from pulse.survey.service import Submission, submit
from pulse.timeutil import utcnow


@dataclass(frozen=True)
class ScaleOrganisation:
    organisation_id: int
    root_id: int
    #: A team (a leaf), a TR who is a member of it, and the director (leader of the root).
    leaf_id: int
    leaf_tr_id: int
    director_id: int
    units: int
    people: int


def _tree_shape(teams: int, rng: random.Random) -> list[tuple[str, int, str]]:
    """(kind, index of parent in the list or -1, name): the units from the top down."""
    fanout = max(2, round(teams**0.25))
    units: list[tuple[str, int, str]] = [("organisation", -1, "Skalakommune")]
    leaves: list[int] = []
    for a in range(fanout):
        units.append(("area", 0, f"Område {a + 1}"))
        area = len(units) - 1
        for i in range(fanout):
            units.append(("workplace", area, f"Institution {a + 1}.{i + 1}"))
            institution = len(units) - 1
            if rng.random() < 0.3:
                leaves.append(institution)  # teams directly under the institution
                continue
            for d in range(fanout):
                units.append(("department", institution, f"Afdeling {a + 1}.{i + 1}.{d + 1}"))
                leaves.append(len(units) - 1)
    per_leaf = math.ceil(teams / len(leaves))
    for parent in leaves:
        for t in range(per_leaf):
            units.append(("team", parent, f"{units[parent][2].split(' ', 1)[1]} hold {t + 1}"))
    return units


def build(people: int, rounds: int = 156, *, seed: int = 1, now: datetime | None = None):
    """Create the organisation, its people and roles, and `rounds` weekly released rounds."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not a secret
    now = now or utcnow()
    load_question_bank()
    organisation = Organisation(name="Skalakommune", default_locale="da")
    db.session.add(organisation)
    db.session.flush()
    org_id = organisation.id

    sizes = []
    while sum(sizes) < people:
        sizes.append(rng.randint(5, 25))
    sizes[-1] -= sum(sizes) - people
    if sizes[-1] < 5:
        sizes[-2] += sizes.pop()
    shape = _tree_shape(len(sizes), rng)
    # Insert level by level so every parent has its id before its children.
    ids: list[int] = [0] * len(shape)
    levels: dict[int, list[int]] = {}
    depth = [0] * len(shape)
    for i, (_kind, parent, _name) in enumerate(shape):
        depth[i] = 0 if parent < 0 else depth[parent] + 1
        levels.setdefault(depth[i], []).append(i)
    for level in sorted(levels):
        rows = [
            {
                "organisation_id": org_id,
                "parent_id": ids[shape[i][1]] if shape[i][1] >= 0 else None,
                "name": shape[i][2],
                "kind": shape[i][0],
            }
            for i in levels[level]
        ]
        for i, new_id in zip(levels[level], bulk(Unit, rows, returning=True), strict=True):
            ids[i] = new_id
    team_ids = [ids[i] for i, unit in enumerate(shape) if unit[0] == "team"]
    sizes = (sizes + [5] * len(team_ids))[: len(team_ids)]
    parent_of = {ids[i]: (ids[p] if p >= 0 else None) for i, (_k, p, _n) in enumerate(shape)}

    person_rows = [
        {
            "organisation_id": org_id,
            "name": f"Person{n} Skalasen",
            "email": f"p{n}@skala.example",
            "active": True,
            "session_version": 1,
        }
        for n in range(sum(sizes))
    ]
    # The director (leader of the whole organisation) and the administrator belong to no team.
    person_rows += [
        {**person_rows[0], "name": f"{title} Skalasen", "email": f"{title.lower()}@skala.example"}
        for title in ("Direktør", "Admin")
    ]
    *person_ids, director_id, admin_id = bulk(Person, person_rows, returning=True)
    members: dict[int, list[int]] = {}
    cursor = 0
    for team_id, size in zip(team_ids, sizes, strict=True):
        members[team_id] = person_ids[cursor : cursor + size]
        cursor += size
    bulk(
        Membership,
        [{"person_id": p, "unit_id": t} for t, ps in members.items() for p in ps],
    )
    roles = []
    below: dict[int, int] = {}  # a unit -> a person somewhere below it (for its roles)
    for team_id, ps in members.items():
        roles.append({"person_id": ps[0], "role": Role.LEADER, "unit_id": team_id})
        roles.append({"person_id": ps[1], "role": Role.TR, "unit_id": team_id})
        node = parent_of[team_id]
        while node is not None and node not in below:
            below[node] = ps[2]
            node = parent_of[node]
    roles.append({"person_id": director_id, "role": Role.LEADER, "unit_id": ids[0]})
    for i, (kind, _p, _n) in enumerate(shape):
        if kind == "workplace":
            roles.append({"person_id": below[ids[i]], "role": Role.LEADER, "unit_id": ids[i]})
            roles.append({"person_id": below[ids[i]], "role": Role.AMR, "unit_id": ids[i]})
    roles.append({"person_id": admin_id, "role": Role.ADMIN, "unit_id": None})
    bulk(RoleAssignment, roles)

    write_history(org_id, parent_of, members, rounds, now, rng)
    db.session.commit()
    leaf = team_ids[len(team_ids) // 2]
    return ScaleOrganisation(
        organisation_id=org_id,
        root_id=ids[0],
        leaf_id=leaf,
        leaf_tr_id=members[leaf][1],
        director_id=director_id,
        units=len(ids),
        people=len(person_ids) + 2,
    )


def open_round_for_everyone(organisation_id: int, now: datetime | None = None) -> int:
    """A new round of the next five questions, opened for the whole organisation (product code)."""
    now = now or utcnow()
    organisation = db.session.get(Organisation, organisation_id)
    root = db.session.scalar(
        select(Unit.id).where(Unit.organisation_id == organisation_id, Unit.parent_id.is_(None))
    )
    questions = question_rotation()[:QUESTIONS_PER_ROUND]
    round_ = create_round(
        organisation, [q.id for q in questions], now - timedelta(hours=1), now + timedelta(days=7)
    )
    open_round(round_, [root])
    db.session.commit()
    return round_.id


def answer_round(round_id: int, share: float = 0.7, *, seed: int = 2) -> int:
    """Let `share` of the invited answer every question, through `survey.service.submit`."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not a secret
    round_ = db.session.get(Round, round_id)
    question_ids = [rq.question_id for rq in round_.questions]
    invited = db.session.scalars(
        select(RoundMember.person_id).where(RoundMember.round_id == round_id)
    ).all()
    count = 0
    for person_id in invited:
        if rng.random() >= share:
            continue
        person = db.session.get(Person, person_id)
        answers = {q: rng.randint(2, 5) for q in question_ids}
        submit(round_, person, Submission(key=uuid.uuid4().hex, answers=answers), utcnow())
        count += 1
        if count % 2000 == 0:
            db.session.expunge_all()
            round_ = db.session.get(Round, round_id)
    db.session.commit()
    return count
