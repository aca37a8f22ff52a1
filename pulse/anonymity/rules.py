"""The anonymity rules of docs/anonymity.md, as pure functions over an organisation tree and counts.

Vocabulary
- A *figure* of a unit covers every respondent in the unit's subtree (its own direct members
  and all sub-units').
- The *frontier* of a visible unit is the set of its nearest visible descendants: what a reader
  can subtract from the unit's figure.
- The *residual* of a visible unit is its total minus the totals of its frontier: the group a
  reader isolates by that subtraction. Because the units form a tree, every group a reader can
  isolate by adding and subtracting released figures is a union of residuals. So the whole
  promise reduces to: every visible figure covers at least k, and every residual is either
  empty or at least k. That is what `suppress` makes true.

A viewer who is a member of a group knows their own answer and can subtract it: for the units
that contain the viewer, the thresholds are k + 1.

Cost: one pass to build the tree, one to find every frontier, then each hidden unit costs a few
heap operations, so a release over thousands of units stays well under a second.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pulse import tree as tree_module


class Reason(enum.StrEnum):
    NO_ANSWERS = "no_answers"  # nobody in the subtree answered
    TOO_FEW = "too_few"  # fewer than k respondents
    PROTECTS_OTHERS = "protects_others"  # hidden so that no subtraction isolates a small group
    VIEWER_MEMBER = "viewer_member"  # the viewer belongs to the group and would make it k - 1


@dataclass(frozen=True)
class UnitCount:
    """One unit of the tree and the respondents who belong to it directly (not via sub-units)."""

    id: int
    parent_id: int | None
    direct: int


@dataclass(frozen=True)
class Decision:
    visible: bool
    total: int
    reason: Reason | None = None


class Tree(tree_module.Tree):
    """The unit tree (pulse/tree.py) with every unit's subtree total."""

    def __init__(self, units: Iterable[UnitCount]):
        units = list(units)
        super().__init__({u.id: u.parent_id for u in units})
        self.units = {u.id: u for u in units}
        self.totals: dict[int, int] = self.subtree_sums({u.id: u.direct for u in units})

    def frontier(self, unit_id: int, visible: Mapping[int, bool]) -> list[int]:
        """The nearest visible descendants of a unit."""
        found, stack = [], list(self.children[unit_id])
        while stack:
            node = stack.pop()
            if visible[node]:
                found.append(node)
            else:
                stack.extend(self.children[node])
        return found


def suppress(
    units: Iterable[UnitCount], k: int, viewer_unit_id: int | None = None
) -> dict[int, Decision]:
    """Decide which units' figures may be shown, with the reason for every hidden one.

    1. A unit is shown only if its subtree holds at least k respondents.
    2. Complementary suppression: while some visible unit's residual holds 1 to k - 1 people,
       hide the smallest unit of its frontier (ties: the lowest id; the unit with the lowest id
       is mended first) and look again. Each step hides one more unit, so it ends.
    3. For a viewer who is a member of `viewer_unit_id`, start from those decisions and hide
       more: the units containing the viewer need k + 1, and a residual containing the viewer
       needs 0 or at least k + 1. The viewer never sees a figure that others don't, so
       comparing views reveals nothing either.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    tree = Tree(units)
    visible: dict[int, bool] = {}
    reasons: dict[int, Reason | None] = {}
    for uid, total in tree.totals.items():
        visible[uid] = total >= k
        reasons[uid] = Reason.NO_ANSWERS if total == 0 else (Reason.TOO_FEW if total < k else None)
    hide_until_safe(tree, visible, reasons, k, viewer_unit_id=None)

    if viewer_unit_id is not None:
        _hide_for_viewer(tree, visible, reasons, k, viewer_unit_id)

    return {
        uid: Decision(
            visible=visible[uid],
            total=tree.totals[uid],
            reason=None if visible[uid] else reasons[uid],
        )
        for uid in tree.totals
    }


def _hide_for_viewer(
    tree: Tree,
    visible: dict[int, bool],
    reasons: dict[int, Reason | None],
    k: int,
    viewer_unit_id: int,
) -> None:
    for uid in tree.chain(viewer_unit_id):
        if visible[uid] and tree.totals[uid] < k + 1:
            visible[uid] = False
            reasons[uid] = Reason.VIEWER_MEMBER
    hide_until_safe(tree, visible, reasons, k, viewer_unit_id)


def hide_until_safe(
    tree: Tree,
    visible: dict[int, bool],
    reasons: dict[int, Reason | None],
    k: int,
    viewer_unit_id: int | None,
) -> None:
    """Complementary suppression, step by step: mend the visible unit with the lowest id whose
    residual holds 1 to limit - 1 people by hiding the smallest unit of its frontier.

    Hiding a frontier unit f of u changes only u's frontier (f's frontier joins it) and u's
    residual (f's residual joins it), so each step updates two heaps instead of rescanning.
    """
    frontier, residual, above = frontiers(tree, visible)
    # The visible unit whose residual holds the viewer: it needs k + 1 (0 if no viewer).
    viewer_owner = None
    if viewer_unit_id is not None and viewer_unit_id in visible:
        viewer_owner = viewer_unit_id if visible[viewer_unit_id] else above[viewer_unit_id]

    def unsafe(uid: int) -> bool:
        return 0 < residual[uid] < (k + 1 if uid == viewer_owner else k)

    pending = [uid for uid in frontier if unsafe(uid)]
    heapq.heapify(pending)
    while pending:
        uid = heapq.heappop(pending)
        if not visible[uid] or not unsafe(uid):
            continue
        # The frontier is never empty here: with no frontier the residual is the unit's own
        # total, which is at least the limit since the unit is visible.
        _total, smallest = heapq.heappop(frontier[uid])
        visible[smallest] = False
        reasons[smallest] = Reason.VIEWER_MEMBER if residual[uid] >= k else Reason.PROTECTS_OTHERS
        residual[uid] += residual.pop(smallest)
        for item in frontier.pop(smallest):
            heapq.heappush(frontier[uid], item)
        if viewer_owner == smallest:
            viewer_owner = uid
        if unsafe(uid):
            heapq.heappush(pending, uid)


def frontiers(
    tree: Tree, visible: Mapping[int, bool]
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, int], dict[int, int | None]]:
    """Every visible unit's frontier (a heap of (total, unit)) and residual, and every unit's
    nearest visible proper ancestor, in one pass."""
    totals = tree.totals
    frontier: dict[int, list[tuple[int, int]]] = {u: [] for u, shown in visible.items() if shown}
    residual = {u: totals[u] for u in frontier}
    above = nearest_visible_above(tree, visible)
    for node, owner in above.items():
        if owner is not None and visible[node]:
            frontier[owner].append((totals[node], node))
            residual[owner] -= totals[node]
    for items in frontier.values():
        heapq.heapify(items)
    return frontier, residual, above


def nearest_visible_above(
    tree: tree_module.Tree, visible: Mapping[int, bool]
) -> dict[int, int | None]:
    """unit -> its nearest visible proper ancestor (None if none), in one pass down the tree."""
    above: dict[int, int | None] = {}
    for node in tree.order:
        parent = tree.parent[node]
        above[node] = None if parent is None else (parent if visible[parent] else above[parent])
    return above


def hide_for_viewer(
    parents: Mapping[int, int | None],
    released_totals: Mapping[int, int | None],
    k: int,
    viewer_unit_id: int,
) -> set[int]:
    """Which released figures to hide from a viewer who is a member of `viewer_unit_id`.

    Works from released figures only: `released_totals` maps every unit to its released
    respondent count, or None where the release hid it. Only hides; never shows more.
    """
    tree, visible = released_tree(parents, released_totals)
    reasons: dict[int, Reason | None] = {uid: None for uid in released_totals}
    before = dict(visible)
    _hide_for_viewer(tree, visible, reasons, k, viewer_unit_id)
    return {uid for uid in released_totals if before[uid] and not visible[uid]}


def released_tree(
    parents: Mapping[int, int | None], released_totals: Mapping[int, int | None]
) -> tuple[Tree, dict[int, bool]]:
    """A tree whose subtree totals equal the released ones for every visible unit (a visible
    unit's own share is its residual; hidden units contribute nothing of their own), and which
    units are visible."""
    visible = {uid: total is not None for uid, total in released_totals.items()}
    own = {uid: (total or 0) for uid, total in released_totals.items()}
    probe = tree_module.Tree({uid: parents.get(uid) for uid in released_totals})
    for node, owner in nearest_visible_above(probe, visible).items():
        if owner is not None and visible[node]:
            own[owner] -= released_totals[node] or 0
    tree = Tree(UnitCount(uid, probe.parent[uid], own[uid]) for uid in released_totals)
    return tree, visible


def residuals(units: Iterable[UnitCount], decisions: Mapping[int, Decision]) -> dict[int, int]:
    """For every visible unit, the size of the group its figure minus its frontier isolates."""
    tree = Tree(units)
    visible = {uid: d.visible for uid, d in decisions.items()}
    found = {uid: tree.totals[uid] for uid, shown in visible.items() if shown}
    for node, owner in nearest_visible_above(tree, visible).items():
        if owner is not None and visible[node]:
            found[owner] -= tree.totals[node]
    return found


def distributions_hidden_for_viewer(
    parents: Mapping[int, int | None],
    released_totals: Mapping[int, int | None],
    distributions: Iterable[int],
    distribution_k: int,
    viewer_unit_id: int,
) -> set[int]:
    """Which released distributions of one question to hide from a member of `viewer_unit_id`.

    `released_totals` are the question's respondents per unit as this viewer sees them (None
    where hidden, after `hide_for_viewer`); `distributions` the units whose distribution was
    released. A distribution is released only where every cell inside it (a visible figure's
    residual) holds 0 or at least the distribution threshold (pulse/anonymity/compute.py). The
    viewer knows their own answer, so the cell that holds them needs one more: where it holds
    fewer, the distributions of every unit above it are hidden, and so are those of units whose
    figure the viewer no longer sees. Two distributions the viewer still sees differ by cells,
    so this also gives the k + 1 rule between distributions.
    """
    tree = tree_module.Tree({uid: parents.get(uid) for uid in released_totals})
    visible = {uid: total is not None for uid, total in released_totals.items()}
    hidden = {uid for uid in distributions if uid in visible and not visible[uid]}
    if viewer_unit_id not in tree:
        return hidden
    owner = next((uid for uid in tree.chain(viewer_unit_id) if visible[uid]), None)
    if owner is None:
        return hidden
    cell = (released_totals[owner] or 0) - sum(
        released_totals[f] or 0
        for f, above in nearest_visible_above(tree, visible).items()
        if above == owner and visible[f]
    )
    if cell < distribution_k + 1:
        hidden |= set(tree.chain(owner)) & set(distributions)
    return hidden
