"""The suppression rules, checked by brute force over random organisations (Hypothesis)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pulse.anonymity.rules import (
    Reason,
    Tree,
    UnitCount,
    hide_for_viewer,
    residuals,
    suppress,
)


@st.composite
def organisations(draw, max_units: int = 14):
    """A random unit tree; most units small, some empty, some with direct members."""
    size = draw(st.integers(min_value=1, max_value=max_units))
    units = []
    for uid in range(1, size + 1):
        parent = None if uid == 1 else draw(st.integers(min_value=1, max_value=uid - 1))
        direct = draw(st.one_of(st.integers(0, 6), st.integers(0, 25)))
        units.append(UnitCount(id=uid, parent_id=parent, direct=direct))
    return units


def descendants(tree: Tree, unit_id: int) -> set[int]:
    found, stack = set(), list(tree.children[unit_id])
    while stack:
        node = stack.pop()
        found.add(node)
        stack.extend(tree.children[node])
    return found


def isolatable_groups(units, decisions):
    """Every group a reader isolates as (visible figure) minus (disjoint visible figures inside it).

    Brute force, independent of the frontier idea in rules.py: all antichains of visible
    descendants up to a size that keeps the search small. Yields (unit, subtracted, size).
    """
    tree = Tree(units)
    shown = {uid for uid, d in decisions.items() if d.visible}
    for outer in shown:
        inner = sorted(descendants(tree, outer) & shown)
        for r in range(0, min(len(inner), 4) + 1):
            for subset in combinations(inner, r):
                disjoint = all(
                    a not in descendants(tree, b) and b not in descendants(tree, a)
                    for a, b in combinations(subset, 2)
                )
                if disjoint:
                    size = tree.totals[outer] - sum(tree.totals[s] for s in subset)
                    yield outer, subset, size


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_no_released_figure_covers_fewer_than_k(units, k):
    for decision in suppress(units, k).values():
        if decision.visible:
            assert decision.total >= k


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_no_subtraction_isolates_a_small_group(units, k):
    decisions = suppress(units, k)
    for outer, subset, size in isolatable_groups(units, decisions):
        assert not 0 < size < k, (outer, subset, size)
    for residual in residuals(units, decisions).values():
        assert residual == 0 or residual >= k


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]), data=st.data())
def test_viewer_member_rule(units, k, data):
    # The viewer answered as a direct member of some unit, so that unit has a respondent.
    answered = [u.id for u in units if u.direct > 0]
    assume(answered)
    viewer = data.draw(st.sampled_from(answered))
    general = suppress(units, k)
    mine = suppress(units, k, viewer_unit_id=viewer)
    tree = Tree(units)
    chain = tree.chain(viewer)
    # The viewer sees nothing that others don't (so comparing views reveals nothing).
    assert {u for u, d in mine.items() if d.visible} <= {u for u, d in general.items() if d.visible}
    for uid, decision in mine.items():
        if decision.visible and uid in chain:
            assert decision.total >= k + 1
    # After subtracting their own answer, the viewer still can't isolate 1 to k-1 others.
    for outer, subset, size in isolatable_groups(units, mine):
        contains_viewer = outer in chain and not any(s in chain for s in subset)
        others = size - 1 if contains_viewer else size
        assert not 0 < others < k, (outer, subset, size)


@settings(max_examples=200, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_every_hidden_figure_has_a_reason(units, k):
    for decision in suppress(units, k).values():
        assert decision.visible == (decision.reason is None)


def test_parent_with_children_of_4_6_7_and_2_direct_members():
    """The hand-built case: the 4 and the 2 are hidden together; no subtraction isolates either."""
    units = [
        UnitCount(id=1, parent_id=None, direct=2),
        UnitCount(id=2, parent_id=1, direct=4),
        UnitCount(id=3, parent_id=1, direct=6),
        UnitCount(id=4, parent_id=1, direct=7),
    ]
    decisions = suppress(units, k=5)
    assert decisions[2].visible is False and decisions[2].reason == Reason.TOO_FEW
    assert decisions[3].visible and decisions[4].visible and decisions[1].visible
    assert decisions[1].total == 19
    # Parent minus the visible children isolates the 4 and the 2 together: 6 people.
    assert residuals(units, decisions)[1] == 6
    sizes = {size for _o, _s, size in isolatable_groups(units, decisions)}
    assert 4 not in sizes and 2 not in sizes


def test_parent_with_a_single_child_and_two_direct_members_hides_the_child():
    units = [UnitCount(1, None, 2), UnitCount(2, 1, 8)]
    decisions = suppress(units, k=5)
    assert decisions[1].visible
    assert not decisions[2].visible and decisions[2].reason == Reason.PROTECTS_OTHERS


def test_complementary_suppression_hides_the_next_smallest_sibling():
    units = [UnitCount(1, None, 0), UnitCount(2, 1, 3), UnitCount(3, 1, 9), UnitCount(4, 1, 6)]
    decisions = suppress(units, k=5)
    assert not decisions[2].visible  # 3 people: too few
    assert not decisions[4].visible  # the smallest visible sibling, hidden with it (3 + 6 = 9)
    assert decisions[4].reason == Reason.PROTECTS_OTHERS
    assert decisions[3].visible and decisions[1].visible


def test_hiding_reaches_into_a_hidden_childs_visible_descendants():
    """Hiding a child is not enough when its own children stay visible below it."""
    units = [UnitCount(1, None, 2), UnitCount(2, 1, 0), UnitCount(3, 2, 10)]
    decisions = suppress(units, k=5)
    assert decisions[1].visible
    assert not decisions[2].visible and not decisions[3].visible


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]), data=st.data())
def test_viewer_rule_from_released_figures_matches_the_full_computation(units, k, data):
    """At display time only released totals exist; hiding from those must be just as safe."""
    answered = [u.id for u in units if u.direct > 0]
    assume(answered)
    viewer = data.draw(st.sampled_from(answered))
    general = suppress(units, k)
    released = {uid: (d.total if d.visible else None) for uid, d in general.items()}
    parents = {u.id: u.parent_id for u in units}
    hidden = hide_for_viewer(parents, released, k, viewer)
    expected = suppress(units, k, viewer_unit_id=viewer)
    assert hidden == {uid for uid, d in general.items() if d.visible and not expected[uid].visible}
