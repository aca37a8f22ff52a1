"""The rule for a reader who could sit in any group (what the JSON API hands over), checked by
brute force over random organisations (Hypothesis): starting from a release, it only hides;
it hides everything any member's page hides (so the API adds nothing to a member's own page);
every figure left holds at least k + 1 and no subtraction isolates 1 to k people; and the
member rule of *any* viewer, applied on top, hides nothing more, for figures and
distributions alike."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.anonymity.reader import (
    distributions_hidden_for_any_reader,
    hidden_for_api,
    hidden_for_every_member,
    hide_for_any_reader,
)
from pulse.anonymity.rules import (
    UnitCount,
    distributions_hidden_for_viewer,
    hide_for_viewer,
    suppress,
)
from tests.unit.test_anonymity_rules import isolatable_groups, organisations


def released(units, k: int) -> dict[int, int | None]:
    """The release's totals: a number where shown, None where hidden."""
    return {uid: d.total if d.visible else None for uid, d in suppress(units, k).items()}


def after(totals: dict[int, int | None], hidden: set[int]) -> dict[int, int | None]:
    return {uid: None if uid in hidden else total for uid, total in totals.items()}


@settings(max_examples=500, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_every_members_rule_at_once_equals_running_it_for_each_unit(units, k):
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, k)
    each = set().union(*(hide_for_viewer(parents, totals, k, v) for v in parents))
    assert hidden_for_every_member(parents, totals, k) == each


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_the_api_shows_only_what_every_members_page_shows(units, k):
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, k)
    hidden = hidden_for_api(parents, totals, k)
    for viewer in parents:
        assert hide_for_viewer(parents, totals, k, viewer) <= hidden, viewer


def test_a_member_reading_the_api_beside_their_page_isolates_nobody():
    """The case a review found: P (5 of its own) above O and S (30); O (5 of its own, the TR
    among them) above F (6) and G (7). Mending P's residual alone would hide O and show F; the
    TR's page hides F and shows O: O - F - G = 5 including the TR. The API hides both."""
    units = [
        UnitCount(1, None, 5),
        UnitCount(2, 1, 5),
        UnitCount(3, 1, 30),
        UnitCount(4, 2, 6),
        UnitCount(5, 2, 7),
    ]
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, 5)
    page = hide_for_viewer(parents, totals, 5, 2)
    assert hide_for_any_reader(parents, totals, 5) - page  # the two differ on their own
    assert page <= hidden_for_api(parents, totals, 5)


@settings(max_examples=300, deadline=None)
@given(units=organisations(), k=st.sampled_from([3, 5]))
def test_what_any_reader_sees_is_safe_for_every_member(units, k):
    parents = {u.id: u.parent_id for u in units}
    totals = released(units, k)
    hidden = hidden_for_api(parents, totals, k)
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
    seen = after(totals, hidden_for_api(parents, totals, k))
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
