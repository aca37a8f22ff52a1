"""pulse/tree.py: the one tree walk, against brute force over random parent maps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.tree import Tree, subtree_ids


@st.composite
def forests(draw, max_units: int = 30):
    size = draw(st.integers(1, max_units))
    parents = {}
    for uid in range(1, size + 1):
        parents[uid] = None if uid == 1 else draw(st.one_of(st.none(), st.integers(1, uid - 1)))
    # Ids need not be in order of depth: rename them at random.
    names = draw(st.permutations(range(100, 100 + size)))
    rename = dict(zip(range(1, size + 1), names, strict=True))
    return {rename[u]: (rename[p] if p else None) for u, p in parents.items()}


def ancestors(parents, uid):
    found = []
    while uid is not None:
        found.append(uid)
        uid = parents.get(uid)
    return found


@settings(max_examples=100, deadline=None)
@given(parents=forests(), data=st.data())
def test_walks_agree_with_brute_force(parents, data):
    tree = Tree(parents)
    values = {u: data.draw(st.integers(0, 9)) for u in parents}
    sums = tree.subtree_sums(values)
    for uid in parents:
        below = {u for u in parents if uid in ancestors(parents, u)}
        assert tree.subtree_ids([uid]) == below
        assert sums[uid] == sum(values[u] for u in below)
        assert tree.chain(uid) == ancestors(parents, uid)
        assert tree.path(uid) == "/" + "".join(f"{u}/" for u in reversed(ancestors(parents, uid)))
    assert sorted(tree.order) == sorted(parents)
    position = {u: i for i, u in enumerate(tree.order)}
    assert all(position[p] < position[u] for u, p in parents.items() if p is not None)
    marked = {u: data.draw(st.booleans()) for u in parents}
    nearest = tree.nearest(marked)
    for uid in parents:
        assert nearest[uid] == next((u for u in ancestors(parents, uid) if marked[u]), None)


def test_a_parent_outside_the_map_makes_a_root_and_a_cycle_is_refused():
    tree = Tree({2: 1, 3: 2})
    assert tree.roots == [2] and tree.chain(3) == [3, 2]
    assert subtree_ids([2], {2: 1, 3: 2, 4: None}) == {2, 3}
    with pytest.raises(ValueError, match="cycle"):
        Tree({1: None, 2: 3, 3: 2})


def test_fold_never_shares_an_accumulator():
    tree = Tree({1: None, 2: 1, 3: 1})

    def merge(total, values):
        for value, count in values.items():
            total[value] = total.get(value, 0) + count
        return total

    counts = {2: {5: 1}, 3: {4: 2}}
    folded = tree.fold(counts, merge, {})
    assert folded == {1: {5: 1, 4: 2}, 2: {5: 1}, 3: {4: 2}}
    assert counts == {2: {5: 1}, 3: {4: 2}}
