"""The member rule read from the viewer's path hides exactly what the whole-tree rule hides.

`pulse/member_rule.py` reads only the viewer's path and the units it must; this compares it,
for random trees, released figures and every viewer, with `anonymity/rules.py:
hide_for_viewer` run on the whole organisation's released figures.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert

from pulse.anonymity.rules import UnitCount, hide_for_viewer, suppress
from pulse.extensions import db
from pulse.figures import unit_path
from pulse.member_rule import member_hidden
from pulse.models import ReleasedFigure, Round, RoundState, Unit
from pulse.timeutil import utcnow
from tests.factories import make_organisation

K = 5


def random_release(rng: random.Random, organisation_id: int):
    """A random tree with random direct respondents, released for participation with k."""
    parents: dict[int, int | None] = {}
    ids: list[int] = []
    for n in range(rng.randint(3, 30)):
        parent = rng.choice(ids) if ids else None
        unit = Unit(organisation_id=organisation_id, parent_id=parent, name=f"U{n}")
        db.session.add(unit)
        db.session.flush()
        ids.append(unit.id)
        parents[unit.id] = parent
    direct = {u: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12]) for u in ids}
    decisions = suppress([UnitCount(u, parents[u], direct[u]) for u in ids], K)
    now = utcnow()
    round_ = Round(
        organisation_id=organisation_id,
        state=RoundState.RELEASED,
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(days=2),
        min_group_size=K,
        min_comment_group_size=10,
    )
    db.session.add(round_)
    db.session.flush()
    rows = [
        {
            "round_id": round_.id,
            "unit_id": u,
            "kind": "participation",
            "ref": "",
            "suppressed": not d.visible,
            "reason": None if d.visible else "too_few",
            "respondents": d.total if d.visible else None,
            "invited": d.total if d.visible else None,
        }
        for u, d in decisions.items()
    ]
    db.session.execute(insert(ReleasedFigure), rows)
    totals = {u: d.total if d.visible else None for u, d in decisions.items()}
    return round_, parents, totals


def test_path_rule_equals_whole_tree_rule(app):
    rng = random.Random(11)  # noqa: S311 - made-up test data
    compared = hidden_somewhere = 0
    with app.app_context():
        organisation = make_organisation()
        rounds = []
        for _ in range(40):
            round_, parents, totals = random_release(rng, organisation.id)
            rounds.append(round_)
            for viewer in parents:
                expected = hide_for_viewer(parents, totals, K, viewer)
                # Several rounds at once, as a team page asks: only this one has the viewer.
                got = member_hidden(rounds[-3:], unit_path(viewer)).figures
                assert {u for (_r, _k, _ref, u) in got} == expected, (parents, totals, viewer)
                compared += 1
                hidden_somewhere += bool(expected)
        db.session.rollback()
    assert compared > 200 and hidden_somewhere > 10  # the rule did hide things to compare
