"""The member rule (k + 1 for a viewer's own groups), decided from the viewer's path.

`anonymity/rules.py: hide_for_viewer` says which released figures to hide from a viewer who is a
member of a unit. It can only hide units on the viewer's path (the viewer's unit and its
ancestors) and units of the *frontier* of a path unit (its nearest visible descendants): every
other unit keeps the residual the release already made safe. So instead of the whole tree, this
module reads the released totals of the path, and of the units just below it only when a
family could change at all (a path total of exactly k, or a residual holding the viewer of
exactly k), and grows that region until the rule's answer no longer depends on what is outside
it. The cost follows the viewer's path, never the organisation's size.

Distributions follow `anonymity/rules.py: distributions_hidden_for_viewer` on the question's
figures as this viewer sees them: hidden where the viewer no longer sees the question's figure,
and on the viewer's path from the lowest unit they still see upwards when that unit's cell (its
total minus its nearest visible descendants') holds fewer than the distribution threshold + 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import select

from pulse.anonymity.rules import hide_for_viewer
from pulse.anonymity.settings import round_settings
from pulse.extensions import db
from pulse.models import Organisation, ReleasedFigure, Round, Unit

#: The figure kinds the rule decides itself; a dimension follows its questions.
RULE_KINDS = ("participation", "question", "comments")

Family = tuple[int, str, str]  # (round id, kind, ref)


@dataclass
class Hidden:
    """What to hide from one viewer: figures (round, kind, ref, unit) and distributions."""

    figures: set[tuple[int, str, str, int]] = field(default_factory=set)
    distributions: set[tuple[int, str, int]] = field(default_factory=set)


class _Region:
    """Released totals of the units around the viewer's path, read as the rule needs them:
    the path for every shown round, the units below it only for the rounds that need them."""

    def __init__(self, round_ids: list[int], path: list[int], distributions: bool) -> None:
        self.distributions = distributions
        self.parents: dict[int, int | None] = {}
        #: Children of the units whose children were read (units not in here: not read yet).
        self.children: dict[int, list[int]] = {}
        self.totals: dict[Family, dict[int, int | None]] = defaultdict(dict)
        #: (round id, question id) -> the read units whose distribution was released.
        self.spreads: dict[tuple[int, str], set[int]] = defaultdict(set)
        self.read: set[tuple[int, int]] = set()  # (unit, round) whose figures were read
        for unit_id, parent_id in zip(path, [*path[1:], None], strict=True):
            self.parents[unit_id] = parent_id
        self._load(path, sorted(round_ids))

    def _columns(self) -> list:
        columns = [
            ReleasedFigure.round_id,
            ReleasedFigure.kind,
            ReleasedFigure.ref,
            ReleasedFigure.suppressed,
            ReleasedFigure.respondents,
        ]
        if self.distributions:
            columns.append(ReleasedFigure.distribution.is_not(None))
        return columns

    def _take(self, unit_id: int, figure: Sequence) -> None:
        """One released figure's total (None: hidden) into its family."""
        round_id, kind, ref, suppressed, respondents = figure[:5]
        self.totals[(round_id, kind, ref)][unit_id] = None if suppressed else respondents
        if self.distributions and kind == "question" and figure[5]:
            self.spreads[(round_id, ref)].add(unit_id)

    def _load(self, unit_ids: list[int], round_ids: list[int]) -> None:
        self.read.update((u, r) for u in unit_ids for r in round_ids)
        rows = db.session.connection().execute(  # Core rows: no ORM loading per row
            select(ReleasedFigure.unit_id, *self._columns()).where(
                ReleasedFigure.round_id.in_(round_ids),
                ReleasedFigure.unit_id.in_(unit_ids),
                ReleasedFigure.kind.in_(RULE_KINDS),
            )
        )
        for row in rows.all():  # one fetch, not one per row
            self._take(row[0], row[1:])

    def expand(self, unit_ids: set[int], round_ids: set[int]) -> None:
        """Read the children of these units, and their released totals in these rounds.

        One statement: the children joined to their figures (a child without figures in
        these rounds still comes, once, so each parent's list of children is complete).
        """
        wanted_rounds = sorted(round_ids)
        done = all(
            u in self.children
            and all((c, r) in self.read for c in self.children[u] for r in wanted_rounds)
            for u in unit_ids
        )
        if done or not unit_ids:
            return
        new_parents = {u for u in unit_ids if u not in self.children}
        for unit_id in new_parents:
            self.children[unit_id] = []
        figure = ReleasedFigure.__table__
        rows = db.session.connection().execute(  # Core rows: no ORM loading per row
            select(Unit.id, Unit.parent_id, *self._columns())
            .outerjoin(
                figure,
                (ReleasedFigure.unit_id == Unit.id)
                & ReleasedFigure.round_id.in_(wanted_rounds)
                & ReleasedFigure.kind.in_(RULE_KINDS),
            )
            .where(Unit.parent_id.in_(sorted(unit_ids)))
            .order_by(Unit.id)
        )
        seen: set[int] = set()
        for row in rows.all():
            child_id, parent_id = row[0], row[1]
            if child_id not in seen:
                seen.add(child_id)
                self.parents[child_id] = parent_id
                if parent_id in new_parents:
                    self.children[parent_id].append(child_id)
                self.read.update((child_id, r) for r in wanted_rounds)
            if row[2] is not None:
                self._take(child_id, row[2:])

    def frontier(
        self, family: Family, unit_id: int, hidden: set[int] | frozenset[int] = frozenset()
    ) -> tuple[list[int], set[int]]:
        """The unit's nearest visible descendants (`hidden` counted as hidden too), and the
        units still to read to know them."""
        totals = self.totals[family]
        found: list[int] = []
        if unit_id not in self.children or any(
            (c, family[0]) not in self.read for c in self.children[unit_id]
        ):
            return found, {unit_id}
        missing = set()
        stack = list(self.children[unit_id])
        while stack:
            node = stack.pop()
            if node not in totals:
                continue  # not in this round: nor is anything below it
            if totals[node] is not None and node not in hidden:
                found.append(node)
            elif node in self.children and all(
                (c, family[0]) in self.read for c in self.children[node]
            ):
                stack.extend(self.children[node])
            else:
                missing.add(node)
        return found, missing


def _chain(totals: dict[int, int | None], path: list[int]) -> list[int]:
    """The path units that took part in the family, from the viewer's unit up (as Tree.chain)."""
    chain = []
    for unit_id in path:
        if unit_id not in totals:
            break
        chain.append(unit_id)
    return chain


def _may_change(region: _Region, family: Family, path: list[int], k: int) -> bool | set[int]:
    """Whether the rule could hide anything in this family; or the units to read to know.

    The release left every visible total >= k and every residual 0 or >= k. The member rule
    asks k + 1 of the path's totals and of the one residual that holds the viewer (that of the
    lowest visible path unit); nothing else changes unless one of those fails first.
    """
    totals = region.totals[family]
    visible = [u for u in _chain(totals, path) if totals[u] is not None]
    if not visible:
        return False
    if any(totals[u] < k + 1 for u in visible):
        return True
    lowest = visible[0]
    frontier, missing = region.frontier(family, lowest)
    if missing:
        return missing
    residual = totals[lowest] - sum(totals[f] for f in frontier)
    return 0 < residual < k + 1


def _decide(region: _Region, family: Family, path: list[int], k: int) -> set[int]:
    """Run the rule on the region, growing it until every unit it could touch is read."""
    round_id = family[0]

    def unread(units) -> set[int]:
        return {
            u
            for u in units
            if u not in region.children
            or any((c, round_id) not in region.read for c in region.children[u])
        }

    while True:
        totals = region.totals[family]
        # Every path unit's children, and every hidden unit's children in reach, must be known.
        missing = unread(_chain(totals, path)) | unread(u for u, t in totals.items() if t is None)
        if missing:
            region.expand(missing, {round_id})
            continue
        parents = {u: region.parents.get(u) for u in totals}
        hidden = hide_for_viewer(parents, totals, k, path[0])
        missing = unread(hidden)
        if not missing:
            return hidden
        region.expand(missing, {round_id})


def member_hidden(
    rounds: Sequence[Round], viewer_path: list[int], *, distributions: bool = False
) -> Hidden:
    """What the member rule hides, for a viewer whose unit's path (unit first) is given.

    Within a request the answer is kept, so the parts of one page that ask about the same
    rounds (the figures, then the comments of one of those rounds) decide it once.
    """
    if not rounds or not viewer_path:
        return Hidden()
    if not has_request_context():
        return _member_hidden(rounds, viewer_path, distributions)
    wanted = {r.id for r in rounds}
    kept = g.setdefault("pulse_member_hidden", [])
    for round_ids, path, spreads, hidden in kept:
        if path == viewer_path and spreads >= distributions and wanted <= round_ids:
            return Hidden(
                {f for f in hidden.figures if f[0] in wanted},
                {d for d in hidden.distributions if d[0] in wanted} if distributions else set(),
            )
    hidden = _member_hidden(rounds, viewer_path, distributions)
    kept.append((wanted, list(viewer_path), distributions, hidden))
    return hidden


def _member_hidden(rounds: Sequence[Round], viewer_path: list[int], distributions: bool) -> Hidden:
    result = Hidden()
    region = _Region([r.id for r in rounds], viewer_path, distributions)
    organisation = db.session.get(Organisation, rounds[0].organisation_id)
    thresholds: dict[int, dict[str, int]] = {}
    for round_ in rounds:
        settings = round_settings(round_, organisation)
        thresholds[round_.id] = {
            "participation": settings.k,
            "question": settings.k,
            "comments": settings.comment_k,
            "distribution": settings.distribution_k,
        }

    pending = list(region.totals)
    triggered: list[tuple[Family, int]] = []
    while pending:
        missing: set[int] = set()
        missing_rounds: set[int] = set()
        undecided = []
        for family in pending:
            k = thresholds[family[0]][family[1]]
            verdict = _may_change(region, family, viewer_path, k)
            if isinstance(verdict, set):
                missing |= verdict
                missing_rounds.add(family[0])
                undecided.append(family)
            elif verdict:
                triggered.append((family, k))
        region.expand(missing, missing_rounds)
        pending = undecided

    hidden_in: dict[Family, set[int]] = {}
    if triggered:
        # Read what the rule will need for all those rounds at once: the children of the path,
        # then of the hidden units among them (usually all there is to read).
        rounds_needed = {family[0] for family, _k in triggered}
        region.expand(set(viewer_path), rounds_needed)
        region.expand(
            {u for family, _k in triggered for u, t in region.totals[family].items() if t is None},
            rounds_needed,
        )
        # Families with the same counts (a round's questions, mostly) get the same answer.
        decided: dict[tuple, set[int]] = {}
        for family, k in triggered:
            key = (family[0], k, tuple(sorted(region.totals[family].items())))
            if key not in decided:
                decided[key] = _decide(region, family, viewer_path, k)
            hidden_in[family] = decided[key]
            for unit_id in decided[key]:
                result.figures.add((*family, unit_id))
    if distributions:
        _hide_distributions(region, viewer_path, thresholds, hidden_in, result)
    return result


def _hide_distributions(
    region: _Region,
    path: list[int],
    thresholds: dict[int, dict[str, int]],
    hidden_in: dict[Family, set[int]],
    result: Hidden,
) -> None:
    """`rules.distributions_hidden_for_viewer` for every question, on the figures as this
    viewer sees them (after the member rule above)."""
    pending: list[tuple[Family, int, list[int]]] = []
    for family, totals in list(region.totals.items()):
        round_id, kind, ref = family
        if kind != "question":
            continue
        spreads = region.spreads.get((round_id, ref), set())
        hidden = hidden_in.get(family, set())
        for unit_id in spreads:
            if totals.get(unit_id) is None or unit_id in hidden:
                result.distributions.add((round_id, ref, unit_id))
        chain = _chain(totals, path)
        owner = next(
            (i for i, u in enumerate(chain) if totals[u] is not None and u not in hidden), None
        )
        if owner is None:
            continue
        above = chain[owner:]
        if not spreads.intersection(above):
            continue  # nothing on the path to hide: the cell needs no reading
        pending.append((family, chain[owner], above))

    while pending:
        missing: set[int] = set()
        missing_rounds: set[int] = set()
        undecided = []
        for family, owner, above in pending:
            round_id, _kind, ref = family
            totals = region.totals[family]
            frontier, unread = region.frontier(family, owner, hidden_in.get(family, set()))
            if unread:
                missing |= unread
                missing_rounds.add(round_id)
                undecided.append((family, owner, above))
                continue
            cell = totals[owner] - sum(totals[f] for f in frontier)
            if cell < thresholds[round_id]["distribution"] + 1:
                spreads = region.spreads.get((round_id, ref), set())
                result.distributions.update((round_id, ref, u) for u in above if u in spreads)
        region.expand(missing, missing_rounds)
        pending = undecided
