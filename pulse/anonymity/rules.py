"""The anonymity rules of DESIGN.md §3, as pure functions over an organisation tree and counts.

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
that contain the viewer, the thresholds are k + 1 (DESIGN.md §3.5).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


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


class Tree:
    """Parent/child structure and subtree totals, computed once."""

    def __init__(self, units: Iterable[UnitCount]):
        self.units = {u.id: u for u in units}
        self.children: dict[int, list[int]] = {uid: [] for uid in self.units}
        for unit in self.units.values():
            if unit.parent_id is not None and unit.parent_id in self.units:
                self.children[unit.parent_id].append(unit.id)
        for kids in self.children.values():
            kids.sort()
        self.totals: dict[int, int] = {}
        for root in self.roots():
            self._total(root)

    def roots(self) -> list[int]:
        return sorted(
            u.id
            for u in self.units.values()
            if u.parent_id is None or u.parent_id not in self.units
        )

    def _total(self, root: int) -> None:
        # Iterative post-order: deep trees must not hit the recursion limit.
        stack, order = [root], []
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(self.children[node])
        for node in reversed(order):
            self.totals[node] = self.units[node].direct + sum(
                self.totals[c] for c in self.children[node]
            )

    def chain(self, unit_id: int) -> set[int]:
        """The unit and all its ancestors: every unit whose figure includes its members."""
        found = set()
        node: int | None = unit_id
        while node is not None and node in self.units:
            found.add(node)
            node = self.units[node].parent_id
        return found

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
       hide the smallest unit of its frontier (ties: the lowest id) and look again. Each pass
       hides one more unit, so it ends.
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
    _hide_until_safe(tree, visible, reasons, k, viewer_chain=set())

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
    viewer_chain = tree.chain(viewer_unit_id)
    for uid in viewer_chain:
        if visible[uid] and tree.totals[uid] < k + 1:
            visible[uid] = False
            reasons[uid] = Reason.VIEWER_MEMBER
    _hide_until_safe(tree, visible, reasons, k, viewer_chain)


def _hide_until_safe(
    tree: Tree,
    visible: dict[int, bool],
    reasons: dict[int, Reason | None],
    k: int,
    viewer_chain: set[int],
) -> None:
    changed = True
    while changed:
        changed = False
        for uid in sorted(u for u, shown in visible.items() if shown):
            frontier = tree.frontier(uid, visible)
            residual = tree.totals[uid] - sum(tree.totals[f] for f in frontier)
            viewer_in_residual = uid in viewer_chain and not any(
                f in viewer_chain for f in frontier
            )
            limit = k + 1 if viewer_in_residual else k
            if 0 < residual < limit:
                # The frontier is never empty here: with no frontier the residual is the
                # unit's own total, which is at least the limit since the unit is visible.
                smallest = min(frontier, key=lambda f: (tree.totals[f], f))
                visible[smallest] = False
                reasons[smallest] = (
                    Reason.VIEWER_MEMBER if residual >= k else Reason.PROTECTS_OTHERS
                )
                changed = True
                break


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
    visible = {uid: total is not None for uid, total in released_totals.items()}
    # Rebuild a tree whose subtree totals equal the released ones for every visible unit: a
    # visible unit's own share is its residual; hidden units contribute nothing of their own.
    probe = Tree(UnitCount(uid, parents.get(uid), 0) for uid in released_totals)
    units = []
    for uid in released_totals:
        own = 0
        if visible[uid]:
            frontier = probe.frontier(uid, visible)
            own = released_totals[uid] - sum(released_totals[f] for f in frontier)
        units.append(UnitCount(uid, parents.get(uid), own))
    tree = Tree(units)
    reasons: dict[int, Reason | None] = {uid: None for uid in released_totals}
    before = dict(visible)
    _hide_for_viewer(tree, visible, reasons, k, viewer_unit_id)
    return {uid for uid in released_totals if before[uid] and not visible[uid]}


def residuals(units: Iterable[UnitCount], decisions: Mapping[int, Decision]) -> dict[int, int]:
    """For every visible unit, the size of the group its figure minus its frontier isolates."""
    tree = Tree(units)
    visible = {uid: d.visible for uid, d in decisions.items()}
    return {
        uid: tree.totals[uid] - sum(tree.totals[f] for f in tree.frontier(uid, visible))
        for uid, shown in visible.items()
        if shown
    }
