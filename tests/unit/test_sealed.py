"""Sealed boxes: what goes in comes out, only with the right secret and round, at one size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulse.anonymity.sealed import (
    Contents,
    SealError,
    box_size,
    key_encryption_key,
    new_round_key,
    open_box,
    seal,
    unwrap_round_key,
)

KEK = key_encryption_key("a test secret")

contents = st.builds(
    Contents,
    unit_id=st.integers(1, 2**31 - 1),
    answers=st.dictionaries(
        st.text("abcdefghij_0123456789", min_size=1, max_size=40), st.integers(0, 10), max_size=7
    ),
    audience=st.sampled_from(["trio", "reps"]),
    comment=st.text(max_size=1000),
)


@given(contents)
def test_a_box_opens_to_what_was_sealed_and_is_always_the_same_size(box_contents):
    key, wrapped = new_round_key(7, KEK)
    assert unwrap_round_key(7, wrapped, KEK) == key
    box = seal(key, 7, box_contents, box_size(True))
    plain_comment = box_contents.comment
    expected = Contents(
        box_contents.unit_id,
        box_contents.answers,
        box_contents.audience if plain_comment else None,
        plain_comment,
    )
    assert open_box(key, 7, box) == expected
    empty = seal(key, 7, Contents(1), box_size(True))
    assert len(box) == len(empty)  # a comment, or its length, does not show


def test_nothing_opens_with_another_secret_or_in_another_round():
    key, wrapped = new_round_key(7, KEK)
    box = seal(key, 7, Contents(3, {"vt_trusted": 4}), box_size(False))
    with pytest.raises(SealError):
        unwrap_round_key(7, wrapped, key_encryption_key("another secret"))
    with pytest.raises(SealError):
        unwrap_round_key(8, wrapped, KEK)
    with pytest.raises(SealError):
        open_box(key, 8, box)
    assert b"vt_trusted" not in box and b"vt_trusted" not in wrapped


def test_no_secret_no_key():
    with pytest.raises(SealError):
        key_encryption_key("")
