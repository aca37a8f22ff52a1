"""The rule for a reader who is not known: what the JSON API hands over of a released round.

A team page knows its viewer and applies the member rule for them (`rules.hide_for_viewer`,
pulse/member_rule.py). An API token's figures end up in dashboards that anyone may read, so the
API must be safe for a reader who could be a member of any group, *and* safe when that reader
also has their own team page open. So it hides:

1. everything the member rule hides for *any* viewer (`hidden_for_every_member`): then what the
   API shows is contained in every member's page, and reading both adds nothing to the page;
2. then, on what is left, every figure of fewer than k + 1 and every residual (a figure minus
   its nearest visible sub-figures) of 1 to k (`hide_for_any_reader`): whoever reads it and
   knows their own answer still sees an aggregate of at least k others.

Distributions: every cell inside a distribution the API shows holds 0 or at least the
distribution threshold + 1 (`distributions_hidden_for_any_reader`).

Cost: (1) simulates the member rule only for the units it could change (a figure or residual
of exactly k on the way up), on copies of just the parts it touches; the property tests
(tests/unit/test_reader_rule.py) check it equals running `hide_for_viewer` for every unit.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from pulse.anonymity.rules import (
    Reason,
    frontiers,
    hide_until_safe,
    released_tree,
)


def hidden_for_api(
    parents: Mapping[int, int | None], released_totals: Mapping[int, int | None], k: int
) -> set[int]:
    """The released figures of one family the API hides: (1) then (2) of the module's text."""
    members = hidden_for_every_member(parents, released_totals, k)
    left = {uid: None if uid in members else t for uid, t in released_totals.items()}
    return members | hide_for_any_reader(parents, left, k)


def hidden_for_every_member(
    parents: Mapping[int, int | None], released_totals: Mapping[int, int | None], k: int
) -> set[int]:
    """Everything `rules.hide_for_viewer` hides for some viewer: the union over every unit.

    A viewer's rule depends only on the lowest visible unit at or above them (the *owner* of
    their residual): it hides the units on the owner's chain with fewer than k + 1, then mends,
    as `rules.hide_until_safe` does, the residuals that changed (the owner's needs k + 1, the
    others k). Only an owner with a figure or a residual of exactly k on the way up changes
    anything. Each such owner is simulated on copies of just the residuals and frontiers it
    touches; the release's own structure is built once.
    """
    tree, visible = released_tree(parents, released_totals)
    totals = tree.totals
    frontier, residual, above = frontiers(tree, visible)

    union: set[int] = set()
    for owner in frontier:
        chain = [u for u in tree.chain(owner) if visible[u]]
        small = [u for u in chain if totals[u] < k + 1]
        if small or 0 < residual[owner] < k + 1:
            union |= _one_viewer(owner, chain, small, frontier, residual, above, k)
    return union


def _one_viewer(
    owner: int,
    chain: list[int],
    small: list[int],
    frontier: Mapping[int, list[tuple[int, int]]],
    residual: Mapping[int, int],
    above: Mapping[int, int | None],
    k: int,
) -> set[int]:
    """`hide_for_viewer` for a viewer whose residual's owner is `owner`, on copy-on-write
    overlays of the release's frontiers and residuals (same steps, same order)."""
    hidden: set[int] = set()
    front: dict[int, list[tuple[int, int]]] = {}
    rest: dict[int, int] = {}

    def heap(uid: int) -> list[tuple[int, int]]:
        if uid not in front:
            front[uid] = list(frontier[uid])
        return front[uid]

    def left(uid: int) -> int:
        return rest.get(uid, residual[uid])

    def visible_above(uid: int) -> int | None:
        node = above[uid]
        while node is not None and node in hidden:
            node = above[node]
        return node

    def merge_into(target: int, gone: int) -> None:
        """`gone` is hidden: its residual and frontier join `target`'s."""
        items = heap(target)
        for item in heap(gone):
            heapq.heappush(items, item)
        rest[target] = left(target) + left(gone)

    # The chain's small figures, nearest first: each joins the next visible unit above it.
    for uid in small:
        hidden.add(uid)
        target = visible_above(uid)
        if target is not None:
            items = heap(target)
            items.remove((_total(items, uid), uid))
            heapq.heapify(items)
            merge_into(target, uid)
    viewer_owner = owner if owner not in hidden else visible_above(owner)

    def unsafe(uid: int) -> bool:
        return 0 < left(uid) < (k + 1 if uid == viewer_owner else k)

    changed = {visible_above(u) for u in small} | {viewer_owner}
    pending = sorted(u for u in changed if u is not None and u not in hidden and unsafe(u))
    heapq.heapify(pending)
    while pending:
        uid = heapq.heappop(pending)
        if uid in hidden or not unsafe(uid):
            continue
        _total_of, smallest = heapq.heappop(heap(uid))
        hidden.add(smallest)
        merge_into(uid, smallest)
        if viewer_owner == smallest:
            viewer_owner = uid
        if unsafe(uid):
            heapq.heappush(pending, uid)
    return hidden


def _total(items: list[tuple[int, int]], uid: int) -> int:
    return next(total for total, node in items if node == uid)


def hide_for_any_reader(
    parents: Mapping[int, int | None], released_totals: Mapping[int, int | None], k: int
) -> set[int]:
    """Which released figures to hide from a reader who could be a member of any group.

    An API token's figures end up in dashboards that anyone may read, so the reader is not
    known: every figure still shown must hold at least k + 1 respondents, and every residual
    0 or at least k + 1. Whoever reads them, wherever they sit, and knows their own answer still
    sees an aggregate of at least k others: `hide_for_viewer` for any viewer hides nothing more
    (tests/unit/test_reader_rule.py). Only hides; never shows more.
    """
    tree, visible = released_tree(parents, released_totals)
    reasons: dict[int, Reason | None] = {uid: None for uid in released_totals}
    before = dict(visible)
    for uid, shown in before.items():
        if shown and tree.totals[uid] < k + 1:
            visible[uid] = False
    hide_until_safe(tree, visible, reasons, k + 1, viewer_unit_id=None)
    return {uid for uid in released_totals if before[uid] and not visible[uid]}


def distributions_hidden_for_any_reader(
    parents: Mapping[int, int | None],
    released_totals: Mapping[int, int | None],
    distributions: Iterable[int],
    distribution_k: int,
) -> set[int]:
    """Which released distributions of one question to hide from a reader who could be in any
    group: `released_totals` as that reader sees them (after `hide_for_any_reader`). A
    distribution stays only where every cell inside it (a visible figure's residual) holds 0 or
    at least the distribution threshold + 1 (`distributions_hidden_for_viewer` for every
    viewer at once)."""
    tree, visible = released_tree(parents, released_totals)
    spreads = set(distributions)
    hidden = {uid for uid in spreads if uid in visible and not visible[uid]}
    for uid, shown in visible.items():
        if shown and 0 < tree.units[uid].direct < distribution_k + 1:  # the unit's cell
            hidden.update(above for above in tree.chain(uid) if above in spreads)
    return hidden
