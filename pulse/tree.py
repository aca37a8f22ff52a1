"""The organisation tree, walked once: the only tree walk of the product.

Built from a parent map (unit -> parent, None at the top). A unit whose parent is not in the map
is a root too, so a map restricted to part of an organisation is still a forest. Every walk is
iterative (a deep tree must not hit the recursion limit) and linear in the number of units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


class Tree:
    """Children, pre-order, subtree sums, ancestor chains and paths of a parent map."""

    def __init__(self, parents: Mapping[int, int | None]):
        self.parent: dict[int, int | None] = {
            uid: (parent if parent in parents else None) for uid, parent in parents.items()
        }
        self.children: dict[int, list[int]] = {uid: [] for uid in self.parent}
        for uid in sorted(self.parent):
            parent = self.parent[uid]
            if parent is not None:
                self.children[parent].append(uid)
        self.roots: list[int] = sorted(uid for uid, p in self.parent.items() if p is None)
        #: Every unit after its parent (depth first, lowest id first).
        self.order: list[int] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            self.order.append(node)
            stack.extend(reversed(self.children[node]))
        if len(self.order) != len(self.parent):
            raise ValueError("the parent map has a cycle")

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.parent

    def subtree_sums(self, values: Mapping[int, int]) -> dict[int, int]:
        """unit -> the sum of `values` over its subtree, in one pass up the tree."""
        return self.fold(values, lambda total, child_total: total + child_total, 0)

    def fold(self, values: Mapping[int, T], add: Callable[[T, T], T], zero: T) -> dict[int, T]:
        """unit -> `add` of `values` over its subtree, children first (one post-order pass).

        `add(total, child_total)` may update `total` in place and return it; it is never handed
        a value of `values` as `total`, only the copy made for the unit.
        """
        totals: dict[int, T] = {}
        for node in reversed(self.order):
            total = add(_copy(zero), values[node]) if node in values else _copy(zero)
            for child in self.children[node]:
                total = add(total, totals[child])
            totals[node] = total
        return totals

    def subtree_ids(self, root_ids: Iterable[int]) -> set[int]:
        """The given units and everything below them."""
        found: set[int] = set()
        stack = [uid for uid in root_ids if uid in self.parent]
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(self.children[node])
        return found

    def chain(self, unit_id: int) -> list[int]:
        """The unit and its ancestors, nearest first."""
        found = []
        node: int | None = unit_id if unit_id in self.parent else None
        while node is not None:
            found.append(node)
            node = self.parent[node]
        return found

    def path(self, unit_id: int) -> str:
        """The ancestor chain from the top as "/root/.../unit_id/"."""
        return "/" + "".join(f"{uid}/" for uid in reversed(self.chain(unit_id)))

    def nearest(self, marked: Mapping[int, bool]) -> dict[int, int | None]:
        """unit -> the nearest unit at or above it that is marked, None if none is (one pass)."""
        found: dict[int, int | None] = {}
        for node in self.order:
            parent = self.parent[node]
            found[node] = node if marked.get(node) else (None if parent is None else found[parent])
        return found


def _copy(value: T) -> T:
    # Mutable accumulators (dicts, lists) are copied so a fold never shares them between units.
    copy = getattr(value, "copy", None)
    return copy() if callable(copy) else value


def subtree_ids(root_ids: Iterable[int], parents: Mapping[int, int | None]) -> set[int]:
    """The given units and everything below them, from a parent map."""
    return Tree(parents).subtree_ids(root_ids)
