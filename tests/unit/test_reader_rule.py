"""The rule for a reader who could sit in any group (what the JSON API hands over), checked by
brute force over random organisations (Hypothesis): starting from a release, it only hides;
every figure left holds at least k + 1 and no subtraction isolates 1 to k people; and the
member rule of *any* viewer, applied on top, hides nothing more, for figures and
distributions alike."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.anonymity.rules import (
    distributions_hidden_for_any_reader,
    distributions_hidden_for_viewer,
    hide_for_any_reader,
    hide_for_viewer,
    suppress,
)
from tests.unit.test_anonymity_rules import isolatable_groups, organisations


def released(units, k: int) -> dict[int, int | None]:
    """The release's totals: a number where shown, None where hidden."""
    return {uid: d.total if d.visible else None for uid, d in suppress(units, k).items()}


def after(totals: dict[int, int | None], hidden: set[int]) -> dict[int, int | None]:
    return {uid: None if uid in hidden else total for uid, total in totals.items()}


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_what_any_reader_sees_is_safe_for_every_member(units, k):
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, k)
    hidden = hide_for_any_reader(parents, totals, k)
    assert all(totals[uid] is not None for uid in hidden)  # it only hides
    seen = after(totals, hidden)
    assert all(total >= k + 1 for total in seen.values() if total is not None)
    decisions = {
        uid: d if seen[uid] is not None else type(d)(False, d.total, d.reason)
        for uid, d in suppress(units, k).items()
    }
    for outer, subset, size in isolatable_groups(units, decisions):
        assert not 0 < size < k + 1, (outer, subset, size)
    for viewer in parents:
        assert hide_for_viewer(parents, seen, k, viewer) == set(), viewer


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]), data=st.data())
def test_no_distribution_any_reader_sees_is_one_a_member_would_lose(units, k, data):
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, k)
    seen = after(totals, hide_for_any_reader(parents, totals, k))
    shown = sorted(uid for uid, total in totals.items() if total is not None)
    spreads = set(data.draw(st.lists(st.sampled_from(shown), unique=True))) if shown else set()
    distribution_k = data.draw(st.sampled_from([k, 2 * k]))
    hidden = distributions_hidden_for_any_reader(parents, seen, spreads, distribution_k)
    assert hidden <= spreads
    assert {uid for uid in spreads if seen[uid] is None} <= hidden
    left = spreads - hidden
    # A member who answered sits in a unit with respondents of its own (the viewer rule also
    # hides for a viewer whose cell is empty, where there is no own answer to subtract).
    for viewer in (u.id for u in units if u.direct > 0):
        lost = distributions_hidden_for_viewer(parents, seen, left, distribution_k, viewer)
        assert lost == set(), viewer
