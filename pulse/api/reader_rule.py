"""What the JSON API may hand over of a released round: the release's figures, less what a
reader who could sit in any group must not see.

A page knows its viewer and applies the member rule for them (pulse/member_rule.py). An API
token's figures end up in dashboards that anyone may read, so the API assumes the reader could
be a member of every group (`hide_for_any_reader`, `distributions_hidden_for_any_reader` in
pulse/anonymity/rules.py): whoever reads them and knows their own answer still sees an
aggregate of at least k others. Decided for the whole organisation, once per round, tree and
thresholds, and kept in the process: released figures never change, and the key holds the
rest.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from pulse.anonymity.rules import distributions_hidden_for_any_reader, hide_for_any_reader
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
            return any(("question", q, unit_id) in self.figures for q in questions.get(ref, []))
        return (kind, ref, unit_id) in self.figures


_kept: OrderedDict[tuple, ReaderHidden] = OrderedDict()


def reader_hidden(round_: Round) -> ReaderHidden:
    """The figures and distributions of this released round that the API hides."""
    organisation = db.session.get(Organisation, round_.organisation_id)
    settings = round_settings(round_, organisation)
    parents = dict(
        db.session.execute(
            select(Unit.id, Unit.parent_id).where(Unit.organisation_id == round_.organisation_id)
        ).all()
    )
    key = (
        round_.id,
        settings.k,
        settings.comment_k,
        settings.distribution_k,
        hash(frozenset(parents.items())),
    )
    if key in _kept:
        _kept.move_to_end(key)
        return _kept[key]
    decided = _decide(round_.id, parents, settings.k, settings.comment_k, settings.distribution_k)
    _kept[key] = decided
    while len(_kept) > KEPT:
        _kept.popitem(last=False)
    return decided


def _decide(
    round_id: int, parents: dict[int, int | None], k: int, comment_k: int, distribution_k: int
) -> ReaderHidden:
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
        ).where(ReleasedFigure.round_id == round_id, ReleasedFigure.kind.in_(RULE_KINDS))
    )
    for kind, ref, unit_id, suppressed, respondents, spread in rows.all():
        totals[(kind, ref)][unit_id] = None if suppressed else respondents
        if kind == "question" and spread and not suppressed:
            spreads[ref].add(unit_id)
    figures: set[tuple[str, str, int]] = set()
    distributions: set[tuple[str, int]] = set()
    # Families with the same counts (a round's questions, mostly) get the same answer.
    decided: dict[tuple, set[int]] = {}
    for (kind, ref), family in totals.items():
        threshold = comment_k if kind == "comments" else k
        same = (threshold, tuple(sorted(family.items())))
        if same not in decided:
            within = {uid: parents.get(uid) for uid in family}
            decided[same] = hide_for_any_reader(within, family, threshold)
        hidden = decided[same]
        figures.update((kind, ref, uid) for uid in hidden)
        if kind == "question" and spreads.get(ref):
            seen = {uid: None if uid in hidden else total for uid, total in family.items()}
            within = {uid: parents.get(uid) for uid in family}
            lost = distributions_hidden_for_any_reader(within, seen, spreads[ref], distribution_k)
            distributions.update((ref, uid) for uid in lost)
    return ReaderHidden(frozenset(figures), frozenset(distributions))
