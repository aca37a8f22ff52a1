"""The history of the scale organisation (pulse/demo_scale.py): weekly rounds written straight
as released figures, hidden where k, the comment threshold and complementary suppression hide
them (`_visible`: every visible total at least k, every residual 0 or at least k), in bulk (COPY
on PostgreSQL) so three years of 45,000 people take a minute.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from pulse.anonymity.release import FIGURE_COLUMNS
from pulse.bulk import insert_rows
from pulse.extensions import db
from pulse.models import (
    Dimension,
    Question,
    ReleasedFigure,
    Round,
    RoundQuestion,
    RoundState,
    RoundTeam,
)

K, COMMENT_K, DISTRIBUTION_K = 5, 10, 10
QUESTIONS_PER_ROUND = 5


def bulk(model, rows: list[dict], returning: bool = False) -> list[int]:
    """Insert rows in one statement per batch; the new ids, in order, when asked."""
    if not rows:
        return []
    table = model.__table__
    if returning:
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in db.session.execute(statement, rows)]
    db.session.execute(insert(table), rows)
    return []


def question_rotation() -> list[Question]:
    """Team questions in a fixed order, rotated through round by round."""
    return list(
        db.session.scalars(
            select(Question)
            .join(Dimension, Dimension.id == Question.dimension_id)
            .where(Question.active.is_(True), Dimension.trio_only.is_(False))
            .order_by(Dimension.position, Question.position)
        )
    )


def write_history(org_id, parent_of, members, rounds, now, rng) -> None:
    questions = question_rotation()
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
    paths = {}  # "/root/.../unit/", as a release stores the tree it used
    for unit in reversed(order):
        parent = parent_of[unit]
        paths[unit] = (paths[parent] if parent is not None else "/") + f"{unit}/"
    mood = {u: rng.uniform(0.35, 0.85) for u in parent_of}  # a unit's usual level, 0-1
    turnout = {t: rng.uniform(0.45, 0.95) for t in members}
    start = now - timedelta(days=7 * rounds + 3)
    for number in range(rounds):
        opens = start + timedelta(days=7 * number)
        round_id = bulk(
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
        bulk(
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
        bulk(RoundTeam, team_rows)
        for unit in order:
            for child in children[unit]:
                invited[unit] += invited[child]
                answered[unit] += answered[child]
        _copy_figures(
            _round_figures(
                round_id, order, children, invited, answered, asked, scales, mood, rng, paths
            )
        )
        db.session.commit()  # a round at a time: SQLite's journal stays small


def _copy_figures(rows: list[dict]) -> None:
    """The history's figure rows as the release writes its own (pulse/bulk.py)."""
    insert_rows(
        ReleasedFigure.__table__,
        FIGURE_COLUMNS,
        [tuple(row[c] for c in FIGURE_COLUMNS) for row in rows],
    )


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
    round_id, units, children, invited, answered, asked, scales, mood, rng, paths
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
            "path": paths[unit],
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
