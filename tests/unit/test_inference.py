"""No inference across families, checked with an exact solver over small random rounds.

The reader of a released round knows the tree, every team's number of respondents (the worst
case: participation figures and invited counts may tell them), the rule that produced the
release, and every released figure of a question: respondents, the mean rounded to one decimal,
the distribution where shown. (Participation and comments carry counts, not values; answers to
different questions are not linked after release; a dimension index is a function of released
question means: tests/unit/test_release_compute.py. So one question at a time is the whole
problem.)

The solver enumerates, per team, every multiset of answers of the team's size, and keeps every
assignment consistent with all released figures of the question, the rounding included. It
does so by dynamic programming up the tree, tracking the answers of a chosen group of teams G,
so it yields exactly the set of answer multisets G can have given the release.

What may be learned. The question's visible figures split its respondents into cells (each
visible figure's residual, every one of at least k). A cell's mean is released, so its sum may
be known; a cell of at least the distribution threshold may have its whole multiset known. The
test: for every group G of teams smaller than the distribution threshold, every multiset G could
have given only that (each cell's sum where the cell is under the threshold, each cell's
multiset where it is not, nothing where no figure covers it) is still possible given the whole
release. So no combination of figures pins a value to a group under its family's threshold
beyond what a released group of at least the threshold already tells; homogeneity of a large
cell (all 5s) is allowed, singling out a small group is not.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulse.anonymity.compute import QuestionSpec, ReleaseInput, compute_release
from pulse.anonymity.rules import distributions_hidden_for_viewer, hide_for_viewer
from pulse.tree import Tree


@st.composite
def small_rounds(draw):
    units = draw(st.integers(2, 5))
    parents = {1: None}
    for uid in range(2, units + 1):
        parents[uid] = draw(st.integers(1, uid - 1))
    values = draw(st.integers(3, 5))  # the scale is 1..values
    budget = 14 if values == 3 else (12 if values == 4 else 10)
    answers: dict[int, list[int]] = {}
    for uid in parents:
        size = draw(st.integers(0, min(4, budget)))
        budget -= size
        if size:
            answers[uid] = draw(st.lists(st.integers(1, values), min_size=size, max_size=size))
    k = draw(st.sampled_from([2, 3]))
    distribution_k = draw(st.integers(k, 7))
    return parents, values, answers, k, distribution_k


def release(parents, values, answers, k, distribution_k):
    sizes = {t: len(a) for t, a in answers.items()}
    data = ReleaseInput(
        parents=parents,
        invited=sizes,
        participants=sizes,
        answers={"q": {t: {v: a.count(v) for v in set(a)} for t, a in answers.items()}},
        comments={},
        questions=[QuestionSpec("q", "d", 1, values, False)],
        k=k,
        comment_k=k,
        distribution_k=distribution_k,
    )
    return {f.unit_id: f for f in compute_release(data).figures if f.kind == "question"}


@cache
def multisets(size: int, values: int) -> tuple[tuple[int, ...], ...]:
    """Every multiset of `size` answers on 1..values, as a tuple of counts per value."""
    if values == 1:
        return ((size,),)
    return tuple(
        (first, *rest) for first in range(size + 1) for rest in multisets(size - first, values - 1)
    )


def add(a, b):
    return tuple(x + y for x, y in zip(a, b, strict=True))


def total(vector) -> int:
    return sum((i + 1) * n for i, n in enumerate(vector))


def possible(tree: Tree, sizes, values, figures, group, viewer=None) -> set[tuple[int, ...]]:
    """Every answer multiset the teams in `group` can have, given all released figures.

    With `viewer` (team, own answer): the reader is that member, who knows their answer; the
    group's multiset is then that of the others in it."""
    zero = (0,) * values
    # Below a shown distribution the full vector matters; elsewhere its sum is enough.
    needs_vector = {}
    for uid in tree.order:
        parent = tree.parent[uid]
        here = figures[uid].distribution is not None
        needs_vector[uid] = here or (parent is not None and needs_vector[parent])
    states: dict[int, set] = {}
    for uid in reversed(tree.order):

        def key(vector, uid=uid):
            return vector if needs_vector[uid] else total(vector)

        mine = uid in group
        current = set()
        for x in multisets(sizes.get(uid, 0), values):
            others = x
            if viewer is not None and viewer[0] == uid:
                if x[viewer[1] - 1] == 0:
                    continue  # the viewer's own answer is in their team
                others = tuple(n - (i == viewer[1] - 1) for i, n in enumerate(x))
            current.add((key(x), others if mine else zero))
        for child in tree.children[uid]:
            theirs = states.pop(child)
            current = {
                ((a + b) if isinstance(a, int) else add(a, b), add(ga, gb))
                for a, ga in current
                for b, gb in theirs
            }
        figure = figures[uid]
        if not figure.suppressed:
            n = figure.respondents

            def consistent(found, figure=figure, n=n):
                if isinstance(found, int):
                    return round(found / n, 1) == figure.mean
                if figure.distribution is not None:
                    expected = tuple(figure.distribution[str(v)] for v in range(1, values + 1))
                    if found != expected:
                        return False
                return round(total(found) / n, 1) == figure.mean

            current = {(a, g) for a, g in current if consistent(a)}
        parent = tree.parent[uid]
        if needs_vector[uid] and parent is not None and not needs_vector[parent]:
            current = {(total(a), g) for a, g in current}  # the parent needs only the sum
        states[uid] = current
    found = {zero}
    for root in tree.roots:
        found = {add(g, r) for g in found for _a, r in states[root]}
    return found


def cells(tree: Tree, figures) -> dict[int, int | None]:
    """team -> the visible figure whose residual holds it, None where no figure covers it."""
    return tree.nearest({uid: not f.suppressed for uid, f in figures.items()})


@cache
def parts_of_sum(size: int, values: int, total_sum: int, part: int) -> frozenset:
    """Sub-multisets of `part` answers of any multiset of `size` answers summing to total_sum."""
    return frozenset(
        sub
        for whole in multisets(size, values)
        if total(whole) == total_sum
        for sub in sub_multisets(whole, part)
    )


@cache
def sub_multisets(whole: tuple[int, ...], part: int) -> frozenset:
    return frozenset(
        sub
        for sub in multisets(part, len(whole))
        if all(s <= w for s, w in zip(sub, whole, strict=True))
    )


def allowed(tree, sizes, values, answers, figures, group, distribution_k, viewer=None) -> set:
    """What G's multiset may be, from each cell's sum (cells under the distribution threshold)
    or each cell's multiset (cells at or over it) of the true answers, and nothing else. For a
    viewer, of the others: the viewer's cell without the viewer's own answer."""
    owner = cells(tree, figures)
    members: dict[int | None, list[int]] = {}
    for team in sizes:
        members.setdefault(owner[team], []).append(team)
    found = {(0,) * values}
    for cell, teams in members.items():
        part = sum(sizes[t] for t in teams if t in group)
        if part == 0:
            continue
        whole = [0] * values
        for team in teams:
            for value in answers[team]:
                whole[value - 1] += 1
        if viewer is not None and viewer[0] in teams:
            whole[viewer[1] - 1] -= 1
            part -= viewer[0] in group
            if part == 0:
                continue
        size = sum(whole)
        if cell is None:
            options = frozenset(multisets(part, values))
        elif size >= distribution_k:
            options = sub_multisets(tuple(whole), part)
        else:
            options = parts_of_sum(size, values, total(whole), part)
        found = {add(a, b) for a in found for b in options}
    return found


def check(parents, values, answers, k, distribution_k, viewer=None):
    figures = release(parents, values, answers, k, distribution_k)
    if not figures:
        return
    if viewer is not None:
        figures = as_seen_by(parents, figures, k, distribution_k, viewer[0])
    tree = Tree({uid: parents[uid] for uid in figures})
    sizes = {t: len(a) for t, a in answers.items()}
    teams = sorted(sizes)
    for r in range(1, len(teams) + 1):
        for group in combinations(teams, r):
            others = sum(sizes[t] for t in group) - (viewer is not None and viewer[0] in group)
            if others == 0 or others >= distribution_k:
                continue
            group = set(group)
            may = allowed(tree, sizes, values, answers, figures, group, distribution_k, viewer)
            can = possible(tree, sizes, values, figures, group, viewer)
            assert may <= can, (group, sorted(may - can)[:3])


def as_seen_by(parents, figures, k, distribution_k, viewer_unit_id):
    """The question's figures as a member of `viewer_unit_id` sees them (the k + 1 rules)."""
    totals = {u: None if f.suppressed else f.respondents for u, f in figures.items()}
    hidden = hide_for_viewer(parents, totals, k, viewer_unit_id)
    seen = {u: None if u in hidden else t for u, t in totals.items()}
    spreads = [u for u, f in figures.items() if f.distribution is not None]
    no_spread = distributions_hidden_for_viewer(
        parents, seen, spreads, distribution_k, viewer_unit_id
    )
    view = {}
    for uid, figure in figures.items():
        if uid in hidden:
            figure = replace(figure, suppressed=True, respondents=None, mean=None)
        if uid in hidden or uid in no_spread:
            figure = replace(figure, distribution=None)
        view[uid] = figure
    return view


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=small_rounds())
def test_no_combination_of_figures_pins_a_value_to_a_small_group(case):
    check(*case)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=small_rounds(), pick=st.integers(0, 100))
def test_nor_for_a_member_who_knows_their_own_answer(case, pick):
    """A member of a team sees fewer figures (rules.py: hide_for_viewer and
    distributions_hidden_for_viewer); knowing their own answer, they still learn nothing about
    a group of others under the threshold beyond what its cells may tell."""
    parents, values, answers, k, distribution_k = case
    if not answers:
        return
    team = sorted(answers)[pick % len(answers)]
    check(parents, values, answers, k, distribution_k, viewer=(team, answers[team][0]))


def test_the_parent_distribution_with_children_means_case():
    """A parent's distribution with a single 1, and a child whose mean shows it holds no 1:
    the 1 would be pinned to the small rest. The parent's distribution is not released."""
    parents = {1: None, 2: 1, 3: 1}
    answers = {2: [5, 5, 5, 5], 3: [5, 5, 1]}  # k 3, distribution threshold 6
    figures = release(parents, 5, answers, 3, 6)
    assert not figures[2].suppressed and figures[2].mean == 5.0
    assert figures[1].distribution is None
    check(parents, 5, answers, 3, 6)


def test_a_leaf_team_at_the_threshold_keeps_its_distribution():
    parents = {1: None, 2: 1}
    answers = {2: [1, 2, 3, 4, 5, 5]}
    figures = release(parents, 5, answers, 3, 6)
    assert figures[2].distribution == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    check(parents, 5, answers, 3, 6)
