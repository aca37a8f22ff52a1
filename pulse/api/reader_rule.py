"""What the JSON API may hand over of a released round: the release's figures, less what a
reader who is not known must not see (pulse/anonymity/reader.py: everything any member's page
hides, then k + 1 for every figure and residual that is left; distributions need the threshold
+ 1 in every cell).

Decided for the whole organisation on the tree as it was at release (the figures' stored paths:
a unit moved since must not turn a hidden residual into a shown one), once per round and
thresholds, and kept in the process: released figures never change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from pulse.anonymity.reader import distributions_hidden_for_any_reader, hidden_for_api
from pulse.anonymity.settings import round_settings
from pulse.extensions import db
from pulse.models import Organisation, ReleasedFigure, Round, Unit

#: The figure kinds the rule decides itself; a dimension follows its questions.
RULE_KINDS = ("participation", "question", "comments")
#: Rounds whose decision a process keeps (each a few sets of unit ids).
KEPT = 64


@dataclass(frozen=True)
class ReaderHidden:
    """What the API hides beyond the release, for one round."""

    figures: frozenset[tuple[str, str, int]]  # (kind, ref, unit id)
    distributions: frozenset[tuple[str, int]]  # (question id, unit id)

    def hides(self, kind: str, ref: str, unit_id: int, questions: Mapping[str, list[str]]) -> bool:
        """Whether the figure is hidden; `questions`: the round's questions per dimension."""
        if kind == "dimension":
            # Follows its questions; one whose questions are not known is hidden (fail closed).
            asked = questions.get(ref, [])
            return not asked or any(("question", q, unit_id) in self.figures for q in asked)
        return (kind, ref, unit_id) in self.figures


_kept: OrderedDict[tuple, ReaderHidden] = OrderedDict()
_lock = threading.Lock()


def reader_hidden(round_: Round) -> ReaderHidden:
    """The figures and distributions of this released round that the API hides."""
    organisation = db.session.get(Organisation, round_.organisation_id)
    settings = round_settings(round_, organisation)
    # The database and the moment of release too: one process may serve (or test) several
    # databases, and one database may be restored or rebuilt with other rounds under the same ids.
    key = (
        db.engine.url.render_as_string(hide_password=True),
        round_.id,
        round_.released_at,
        settings.k,
        settings.comment_k,
        settings.distribution_k,
    )
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept
    decided = _decide(round_, settings.k, settings.comment_k, settings.distribution_k)
    with _lock:
        _kept[key] = decided
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return decided


def _decide(round_: Round, k: int, comment_k: int, distribution_k: int) -> ReaderHidden:
    totals: dict[tuple[str, str], dict[int, int | None]] = defaultdict(dict)
    spreads: dict[str, set[int]] = defaultdict(set)
    rows = db.session.connection().execute(
        select(
            ReleasedFigure.kind,
            ReleasedFigure.ref,
            ReleasedFigure.unit_id,
            ReleasedFigure.suppressed,
            ReleasedFigure.respondents,
            ReleasedFigure.distribution.is_not(None),
        ).where(ReleasedFigure.round_id == round_.id, ReleasedFigure.kind.in_(RULE_KINDS))
    )
    for kind, ref, unit_id, suppressed, respondents, spread in rows.all():
        totals[(kind, ref)][unit_id] = None if suppressed else respondents
        if kind == "question" and spread and not suppressed:
            spreads[ref].add(unit_id)
    # Every unit of the round has its participation figure, all with the same path.
    paths: dict[int, str | None] = dict(
        db.session.connection()
        .execute(
            select(ReleasedFigure.unit_id, ReleasedFigure.path).where(
                ReleasedFigure.round_id == round_.id,
                ReleasedFigure.kind == "participation",
            )
        )
        .all()
    )
    for family in totals.values():
        for unit_id in family.keys() - paths.keys():
            paths[unit_id] = None
    chains = _chains_at_release(round_.organisation_id, paths)
    figures: set[tuple[str, str, int]] = set()
    distributions: set[tuple[str, int]] = set()
    # Families with the same counts (a round's questions, mostly) get the same answer.
    decided: dict[tuple, set[int]] = {}
    for (kind, ref), family in totals.items():
        threshold = comment_k if kind == "comments" else k
        parents = _parents_within(family, chains)
        same = (threshold, tuple(sorted(family.items())))
        if same not in decided:
            decided[same] = hidden_for_api(parents, family, threshold)
        hidden = decided[same]
        figures.update((kind, ref, uid) for uid in hidden)
        if kind == "question" and spreads.get(ref):
            seen = {uid: None if uid in hidden else total for uid, total in family.items()}
            lost = distributions_hidden_for_any_reader(parents, seen, spreads[ref], distribution_k)
            distributions.update((ref, uid) for uid in lost)
    return ReaderHidden(frozenset(figures), frozenset(distributions))


def _chains_at_release(organisation_id: int, paths: dict[int, str | None]) -> dict[int, list[int]]:
    """Each unit's ancestors, nearest first, as the tree was at release (the figures' stored
    paths, "/root/.../unit/"); today's tree only for figures stored without one."""
    chains = {}
    for unit_id, path in paths.items():
        if path:
            ids = [int(part) for part in path.strip("/").split("/")]
            chains[unit_id] = list(reversed(ids[:-1]))
    if len(chains) < len(paths):
        today = dict(
            db.session.execute(
                select(Unit.id, Unit.parent_id).where(Unit.organisation_id == organisation_id)
            ).all()
        )
        for unit_id in paths.keys() - chains.keys():
            chain, node = [], today.get(unit_id)
            while node is not None and node not in chain:
                chain.append(node)
                node = today.get(node)
            chains[unit_id] = chain
    return chains


def _parents_within(
    family: Mapping[int, int | None], chains: Mapping[int, list[int]]
) -> dict[int, int | None]:
    """Each unit's nearest ancestor at release that has a figure in the family."""
    return {uid: next((a for a in chains.get(uid, []) if a in family), None) for uid in family}
