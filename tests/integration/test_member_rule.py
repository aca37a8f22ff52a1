"""The member rule read from the viewer's path hides exactly what the whole-tree rule hides.

`pulse/member_rule.py` reads only the viewer's path and the units it must; this compares it,
for random trees, released figures and every viewer, with `anonymity/rules.py:
hide_for_viewer` (figures) and `distributions_hidden_for_viewer` (distributions) run on the
whole organisation's released figures.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from pulse.anonymity.rules import (
    UnitCount,
    distributions_hidden_for_viewer,
    hide_for_viewer,
    suppress,
)
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


#: The thresholds of the Hypothesis comparison: k, comment k, the organisation's distribution k.
HK, HCK, HDK = 3, 5, 6


@st.composite
def releases(draw):
    """A random tree and a release of its three rule families: participation and one question
    with k, comments with comment k; the question's distributions on a random part of its
    visible units (the whole-tree functions take any such set)."""
    size = draw(st.integers(min_value=1, max_value=12))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    counts = st.one_of(st.integers(0, 4), st.integers(0, 12))
    direct = {
        family: [draw(counts) for _ in range(size)]
        for family in ("participation", "question", "comments")
    }
    spreads = [draw(st.booleans()) for _ in range(size)]
    return parents, direct, spreads


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(release=releases())
def test_member_rule_equals_whole_tree_rules_for_every_family(app, release):
    """Figures (participation, question, comments) as `hide_for_viewer`, the question's
    distributions as `distributions_hidden_for_viewer` on the figures the viewer still sees,
    for every viewer of a random tree."""
    parent_index, direct, spreads = release
    with app.app_context():
        organisation = make_organisation(min_distribution_size=HDK)
        ids: list[int] = []
        for n, parent in enumerate(parent_index):
            unit = Unit(
                organisation_id=organisation.id,
                parent_id=None if parent is None else ids[parent],
                name=f"U{n}",
            )
            db.session.add(unit)
            db.session.flush()
            ids.append(unit.id)
        parents = {
            u: (None if p is None else ids[p]) for u, p in zip(ids, parent_index, strict=True)
        }
        now = utcnow()
        round_ = Round(
            organisation_id=organisation.id,
            state=RoundState.RELEASED,
            opens_at=now - timedelta(days=9),
            closes_at=now - timedelta(days=2),
            min_group_size=HK,
            min_comment_group_size=HCK,
        )
        db.session.add(round_)
        db.session.flush()
        thresholds = {"participation": HK, "question": HK, "comments": HCK}
        totals: dict[str, dict[int, int | None]] = {}
        rows = []
        for kind, k in thresholds.items():
            decisions = suppress(
                [UnitCount(u, parents[u], direct[kind][i]) for i, u in enumerate(ids)], k
            )
            totals[kind] = {u: d.total if d.visible else None for u, d in decisions.items()}
            for i, u in enumerate(ids):
                d = decisions[u]
                spread = kind == "question" and d.visible and spreads[i]
                rows.append(
                    {
                        "round_id": round_.id,
                        "unit_id": u,
                        "kind": kind,
                        "ref": "q1" if kind == "question" else "",
                        "suppressed": not d.visible,
                        "reason": None if d.visible else "too_few",
                        "respondents": d.total if d.visible else None,
                        "invited": d.total if d.visible else None,
                        "mean": 3.0 if d.visible and kind == "question" else None,
                        "distribution": {"3": d.total} if spread else None,
                    }
                )
        db.session.execute(insert(ReleasedFigure), rows)
        distributions = [u for i, u in enumerate(ids) if spreads[i] and totals["question"][u]]
        distribution_k = max(HDK, HK)
        try:
            for viewer in ids:
                expected_figures = set()
                hidden_question = set()
                for kind, k in thresholds.items():
                    hidden = hide_for_viewer(parents, totals[kind], k, viewer)
                    ref = "q1" if kind == "question" else ""
                    expected_figures |= {(round_.id, kind, ref, u) for u in hidden}
                    if kind == "question":
                        hidden_question = hidden
                seen = {
                    u: None if u in hidden_question else t for u, t in totals["question"].items()
                }
                expected_distributions = {
                    (round_.id, "q1", u)
                    for u in distributions_hidden_for_viewer(
                        parents, seen, distributions, distribution_k, viewer
                    )
                }
                got = member_hidden([round_], unit_path(viewer), distributions=True)
                assert got.figures == expected_figures, (parents, direct, viewer)
                assert got.distributions == expected_distributions, (parents, direct, viewer)
        finally:
            db.session.rollback()
