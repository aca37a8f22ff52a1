"""Small pure functions: unit subtrees, token and key hashes, time estimates, round state."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.auth.tokens import hash_token
from pulse.content import SECONDS_PER_QUESTION, estimated_minutes
from pulse.lifecycle import subtree_ids
from pulse.survey.service import is_accepting, key_hash


def unit(uid: int, parent: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=uid, parent_id=parent)


#        1
#      /   \
#     2     3
#    / \     \
#   4   5     6
#             |
#             7
TREE = [unit(1), unit(2, 1), unit(3, 1), unit(4, 2), unit(5, 2), unit(6, 3), unit(7, 6)]


@pytest.mark.parametrize(
    "roots, expected",
    [
        ([1], {1, 2, 3, 4, 5, 6, 7}),
        ([2], {2, 4, 5}),
        ([3], {3, 6, 7}),
        ([7], {7}),
        ([2, 6], {2, 4, 5, 6, 7}),
        ([2, 4], {2, 4, 5}),
        ([], set()),
    ],
)
def test_subtree_ids(roots, expected):
    assert subtree_ids(roots, TREE) == expected


def test_subtree_ids_of_a_forest_keeps_trees_apart():
    forest = [*TREE, unit(10), unit(11, 10)]
    assert subtree_ids([10], forest) == {10, 11}
    assert 10 not in subtree_ids([1], forest)


def test_subtree_ids_stops_on_a_cycle():
    looped = [unit(1, 2), unit(2, 1)]
    assert subtree_ids([1], looped) == {1, 2}


@st.composite
def trees(draw):
    size = draw(st.integers(1, 25))
    return [unit(i, None if i == 0 else draw(st.integers(0, i - 1))) for i in range(size)]


@settings(max_examples=100, deadline=None)
@given(units=trees(), data=st.data())
def test_subtree_ids_is_every_unit_with_a_root_among_its_ancestors(units, data):
    roots = data.draw(st.lists(st.sampled_from([u.id for u in units]), max_size=3))
    parent = {u.id: u.parent_id for u in units}

    def lineage(uid):
        while uid is not None:
            yield uid
            uid = parent[uid]

    expected = {u.id for u in units if set(lineage(u.id)) & set(roots)}
    assert subtree_ids(roots, units) == expected


def test_hash_token_is_the_sha256_hex_digest():
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert hash_token("æøå") == hashlib.sha256("æøå".encode()).hexdigest()
    assert hash_token("a") != hash_token("b")
    assert len(hash_token("x" * 10_000)) == 64


def test_submission_keys_are_hashed_the_same_way():
    assert key_hash("k" * 32) == hashlib.sha256(b"k" * 32).hexdigest()


@pytest.mark.parametrize("count", [0, 1, 3, 5, 7, 8, 20, 100])
def test_estimated_minutes_rounds_up_and_is_at_least_one(count):
    minutes = estimated_minutes(count)
    assert minutes >= 1
    assert minutes * 60 >= count * SECONDS_PER_QUESTION
    assert minutes == 1 or (minutes - 1) * 60 < count * SECONDS_PER_QUESTION


def test_estimated_minutes_for_a_usual_pulse_is_about_a_minute():
    assert estimated_minutes(5) == 1
    assert [estimated_minutes(n) for n in range(30)] == sorted(
        estimated_minutes(n) for n in range(30)
    )


NOW = datetime(2026, 11, 24, 12, 0)


@pytest.mark.parametrize(
    "state, opens, closes, expected",
    [
        ("open", -1, 1, True),
        ("open", 0, 1, True),  # from the opening moment
        ("open", -2, 0, False),  # not at the closing moment
        ("open", 1, 2, False),  # not before it opens
        ("scheduled", -1, 1, False),
        ("closed", -1, 1, False),
        ("released", -1, 1, False),
    ],
)
def test_is_accepting(state, opens, closes, expected):
    round_ = SimpleNamespace(
        state=state, opens_at=NOW + timedelta(hours=opens), closes_at=NOW + timedelta(hours=closes)
    )
    assert is_accepting(round_, NOW) is expected
