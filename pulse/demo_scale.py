"""A municipality-sized organisation for the benchmarks (`flask pulse demo --people 45000`).

Built with bulk inserts (SQLAlchemy Core, lists of dicts) so 45,000 people and three years of
weekly history take a minute, not an hour. The tree has five levels (organisation, areas,
institutions, departments, teams; some institutions have their teams directly, so leaves sit at
level four or five), teams of 5 to 25, a leader and a TR in every team and an AMR and a leader in
every institution.

The *history* (all but the newest rounds) is written as released figures directly, hidden where
k, the comment threshold and complementary suppression hide them (`_visible`: every visible
total at least k, every residual 0 or at least k). Rounds that a benchmark measures are opened,
answered and released through the product's own functions (`open_round`,
`survey.service.submit`, `release_round`): see `open_round_for_everyone`, `answer_round`.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from pulse.content import load_question_bank
from pulse.extensions import db
from pulse.lifecycle import create_round, open_round
from pulse.models import (
    Dimension,
    Membership,
    Organisation,
    Person,
    Question,
    ReleasedFigure,
    Role,
    RoleAssignment,
    Round,
    RoundMember,
    RoundQuestion,
    RoundState,
    RoundTeam,
    Unit,
)
from pulse.survey.service import Submission, submit
from pulse.timeutil import utcnow

K, COMMENT_K, DISTRIBUTION_K = 5, 10, 10
QUESTIONS_PER_ROUND = 5


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


def _bulk(model, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert rows in one statement per batch; the new ids, in order, when asked."""
    if not rows:
        return []
    table = model.__table__
    if returning:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in db.session.execute(statement, rows)]
    db.session.execute(insert(table), rows)
    return []


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
        for i, new_id in zip(levels[level], _bulk(Unit, rows, returning=True), strict=True):
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
    *person_ids, director_id, admin_id = _bulk(Person, person_rows, returning=True)
    members: dict[int, list[int]] = {}
    cursor = 0
    for team_id, size in zip(team_ids, sizes, strict=True):
        members[team_id] = person_ids[cursor : cursor + size]
        cursor += size
    _bulk(
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
    _bulk(RoleAssignment, roles)

    _write_history(org_id, parent_of, members, rounds, now, rng)
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


def _question_rotation() -> list[Question]:
    """Team questions in a fixed order, rotated through round by round."""
    return list(
        db.session.scalars(
            select(Question)
            .join(Dimension, Dimension.id == Question.dimension_id)
            .where(Question.active.is_(True), Dimension.trio_only.is_(False))
            .order_by(Dimension.position, Question.position)
        )
    )


def _write_history(org_id, parent_of, members, rounds, now, rng) -> None:
    questions = _question_rotation()
    scales = {q.id: (q.scale.min_value, q.scale.max_value) for q in questions}
    # Post-order (children before parents) for subtree sums.
    children: dict[int, list[int]] = {u: [] for u in parent_of}
    for unit, parent in parent_of.items():
        if parent is not None:
            children[parent].append(unit)
    root = next(u for u, p in parent_of.items() if p is None)
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children[node])
    order.reverse()
    mood = {u: rng.uniform(0.35, 0.85) for u in parent_of}  # a unit's usual level, 0-1
    turnout = {t: rng.uniform(0.45, 0.95) for t in members}
    start = now - timedelta(days=7 * rounds + 3)
    for number in range(rounds):
        opens = start + timedelta(days=7 * number)
        round_id = _bulk(
            Round,
            [
                {
                    "organisation_id": org_id,
                    "state": RoundState.RELEASED,
                    "opens_at": opens,
                    "closes_at": opens + timedelta(days=7),
                    "release_delay_hours": 48,
                    "min_group_size": K,
                    "min_comment_group_size": COMMENT_K,
                    "comments_enabled": True,
                    "released_at": opens + timedelta(days=9),
                }
            ],
            returning=True,
        )[0]
        asked = [questions[(number * QUESTIONS_PER_ROUND + i) % len(questions)] for i in range(5)]
        asked = list({q.id: q for q in asked}.values())
        _bulk(
            RoundQuestion,
            [
                {"round_id": round_id, "question_id": q.id, "position": i}
                for i, q in enumerate(asked)
            ],
        )
        invited, answered = {u: 0 for u in parent_of}, {u: 0 for u in parent_of}
        team_rows = []
        for team, ps in members.items():
            invited[team] = len(ps)
            answered[team] = sum(rng.random() < turnout[team] for _ in ps)
            team_rows.append(
                {"round_id": round_id, "unit_id": team, "invited": len(ps), "participants": None}
            )
        _bulk(RoundTeam, team_rows)
        for unit in order:
            for child in children[unit]:
                invited[unit] += invited[child]
                answered[unit] += answered[child]
        _copy_figures(
            _round_figures(round_id, order, children, invited, answered, asked, scales, mood, rng)
        )
        db.session.commit()  # a round at a time: SQLite's journal stays small


FIGURE_COLUMNS = (
    "round_id",
    "unit_id",
    "kind",
    "ref",
    "suppressed",
    "reason",
    "invited",
    "respondents",
    "mean",
    "distribution",
)


def _copy_figures(rows: list[dict]) -> None:
    """The history's millions of figure rows through the driver directly (COPY on PostgreSQL,
    executemany on SQLite): SQLAlchemy's per-row work would take most of the build."""
    values = [
        tuple(
            json.dumps(row[c]) if c == "distribution" and row[c] is not None else row[c]
            for c in FIGURE_COLUMNS
        )
        for row in rows
    ]
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    names, table = ", ".join(FIGURE_COLUMNS), ReleasedFigure.__tablename__
    if connection.dialect.name == "postgresql":
        with driver.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
    else:
        marks = ", ".join("?" for _ in FIGURE_COLUMNS)
        driver.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608 - fixed names


def _visible(units: list[int], children: dict[int, list[int]], totals: dict, k: int) -> dict:
    """Which units a release may show: at least k, and complementary suppression until every
    residual is 0 or at least k (the promise of pulse/anonymity/rules.py, though it may pick
    other units to hide). One pass from the leaves up: hiding a unit of a frontier changes
    only the residual of that frontier's unit."""
    visible = {u: totals[u] >= k for u in units}
    for unit in units:  # children before parents
        while visible[unit]:
            frontier, stack = [], list(children[unit])
            while stack:
                node = stack.pop()
                if visible[node]:
                    frontier.append(node)
                else:
                    stack.extend(children[node])
            residual = totals[unit] - sum(totals[f] for f in frontier)
            if not 0 < residual < k:
                break
            visible[min(frontier, key=lambda f: (totals[f], f))] = False
    return visible


def _round_figures(
    round_id, units, children, invited, answered, asked, scales, mood, rng
) -> list[dict]:
    rows = []
    scores = _visible(units, children, answered, K)
    enough = _visible(units, children, answered, COMMENT_K)  # comments and distributions

    def row(unit, kind, ref, shown, **numbers):
        base = {"invited": None, "respondents": None, "mean": None, "distribution": None}
        if shown:
            base.update(numbers)
        return {
            "round_id": round_id,
            "unit_id": unit,
            "kind": kind,
            "ref": ref,
            "suppressed": not shown,
            "reason": None if shown else "too_few",
            **base,
        }

    for unit in units:
        n = answered[unit]
        shown = scores[unit]
        rows.append(row(unit, "participation", "", shown, invited=invited[unit], respondents=n))
        rows.append(row(unit, "comments", "", enough[unit], respondents=n))
        by_dimension: dict[str, list[float]] = {}
        for q in asked:
            low, high = scales[q.id]
            share = min(1.0, max(0.0, mood[unit] + rng.uniform(-0.08, 0.08)))
            mean = round(low + share * (high - low), 1)
            spread = None
            if enough[unit] and n >= DISTRIBUTION_K:
                lower = int(mean)
                upper_count = round((mean - lower) * n)
                spread = {str(v): 0 for v in range(low, high + 1)}
                spread[str(lower)] = n - upper_count
                if upper_count:
                    spread[str(min(high, lower + 1))] += upper_count
            rows.append(
                row(unit, "question", q.id, shown, respondents=n, mean=mean, distribution=spread)
            )
            normalised = 100 * (1 - share if q.reversed else share)
            by_dimension.setdefault(q.dimension_id, []).append(normalised)
        for dimension_id, values in by_dimension.items():
            mean = round(sum(values) / len(values), 1)
            rows.append(row(unit, "dimension", dimension_id, shown, respondents=n, mean=mean))
    return rows


def open_round_for_everyone(organisation_id: int, now: datetime | None = None) -> int:
    """A new round of the next five questions, opened for the whole organisation (product code)."""
    now = now or utcnow()
    organisation = db.session.get(Organisation, organisation_id)
    root = db.session.scalar(
        select(Unit.id).where(Unit.organisation_id == organisation_id, Unit.parent_id.is_(None))
    )
    questions = _question_rotation()[:QUESTIONS_PER_ROUND]
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
