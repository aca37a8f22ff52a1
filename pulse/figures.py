"""Reading released figures: the only way any page, chart or export gets a number.

Figures come from the release table alone (pulse/anonymity/release.py). For a viewer who is a
member of a group, one more group may be hidden (the k + 1 rule, pulse/member_rule.py).
A page reads only the figures of the units and rounds it shows, in a few queries, so its cost
follows what it shows and never the organisation's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select

from pulse.extensions import db
from pulse.member_rule import Hidden, member_hidden
from pulse.models import Question, ReleasedFigure, Round, RoundQuestion, RoundState, Unit


@dataclass(frozen=True)
class Figure:
    """A released figure as a page may show it; `shown` False means: show no number at all."""

    kind: str
    ref: str
    unit_id: int
    shown: bool
    respondents: int | None = None
    invited: int | None = None
    mean: float | None = None
    distribution: dict | None = None


def unit_path(unit_id: int) -> list[int]:
    """The unit and its ancestors up to the root, the unit first (one query, once a request)."""
    kept = g.setdefault("pulse_unit_paths", {}) if has_request_context() else {}
    if unit_id not in kept:
        kept[unit_id] = _read_unit_path(unit_id)
    return list(kept[unit_id])


def _read_unit_path(unit_id: int) -> list[int]:
    up = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("path", recursive=True)
    up = up.union_all(select(Unit.id, Unit.parent_id).join(up, Unit.id == up.c.parent_id))
    parents = dict(db.session.execute(select(up.c.id, up.c.parent_id)).all())
    path: list[int] = []
    node = unit_id if unit_id in parents else None
    while node is not None and node not in path:
        path.append(node)
        node = parents.get(node)
    return path


def questions_by_dimension(round_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """round id -> dimension id -> its question ids, in round order (one query)."""
    result: dict[int, dict[str, list[str]]] = {r: {} for r in round_ids}
    if not round_ids:
        return result
    rows = db.session.execute(
        select(RoundQuestion.round_id, Question.dimension_id, Question.id)
        .join(Question, Question.id == RoundQuestion.question_id)
        .where(RoundQuestion.round_id.in_(round_ids))
        .order_by(RoundQuestion.round_id, RoundQuestion.position)
    )
    for round_id, dimension_id, question_id in rows:
        result[round_id].setdefault(dimension_id, []).append(question_id)
    return result


def released_figures(
    rounds: Sequence[Round],
    unit_ids: Iterable[int] | None,
    viewer_unit_id: int | None,
    *,
    kinds: Sequence[str] | None = None,
    hidden: Hidden | None = None,
    questions: Mapping[int, Mapping[str, list[str]]] | None = None,
) -> dict[tuple[int, str, str, int], Figure]:
    """The released figures of these units (None: all) in these rounds, as this viewer may see
    them, keyed (round id, kind, ref, unit id).

    `hidden` and `questions` may be passed in when a page reads several sets of figures for the
    same viewer and rounds, so the member rule runs once.
    """
    if not rounds:
        return {}
    round_ids = [r.id for r in rounds]
    query = select(ReleasedFigure).where(ReleasedFigure.round_id.in_(round_ids))
    if unit_ids is not None:
        query = query.where(ReleasedFigure.unit_id.in_(sorted(set(unit_ids))))
    if kinds is not None:
        query = query.where(ReleasedFigure.kind.in_(kinds))
    rows = db.session.execute(
        query.with_only_columns(
            ReleasedFigure.round_id,
            ReleasedFigure.kind,
            ReleasedFigure.ref,
            ReleasedFigure.unit_id,
            ReleasedFigure.suppressed,
            ReleasedFigure.respondents,
            ReleasedFigure.invited,
            ReleasedFigure.mean,
            ReleasedFigure.distribution,
        )
    ).all()
    if hidden is None and viewer_unit_id is not None:
        hidden = member_hidden(rounds, unit_path(viewer_unit_id), distributions=True)
    hidden = hidden or Hidden()
    if hidden.figures and questions is None:
        questions = questions_by_dimension(round_ids)

    view = {}
    for round_id, kind, ref, unit_id, suppressed, respondents, invited, mean, spread in rows:
        key = (round_id, kind, ref, unit_id)
        if not suppressed and kind == "dimension" and hidden.figures:
            # A dimension's index follows its questions: hidden if any of them is.
            suppressed = any(
                (round_id, "question", q, unit_id) in hidden.figures
                for q in questions.get(round_id, {}).get(ref, [])
            )
        if suppressed or key in hidden.figures:
            view[key] = Figure(kind, ref, unit_id, shown=False)
        else:
            view[key] = Figure(
                kind,
                ref,
                unit_id,
                shown=True,
                respondents=respondents,
                invited=invited,
                mean=mean,
                distribution=None if (round_id, ref, unit_id) in hidden.distributions else spread,
            )
    return view


class RoundView(Mapping):
    """Every released figure of a round as a viewer may see it, keyed (kind, ref, unit).

    Read lazily, unit by unit: looking up one unit's figures reads only that unit's rows (and
    the viewer's path for the member rule), never the whole organisation's.
    """

    def __init__(self, round_: Round, viewer_unit_id: int | None) -> None:
        self._round = round_
        self._viewer_unit_id = viewer_unit_id
        self._hidden: Hidden | None = None
        self._distributions = False
        self._figures: dict[tuple[str, str, int], Figure] = {}
        self._read: set[int] = set()
        self._complete = False

    def _read_units(self, unit_ids: list[int] | None, distributions: bool) -> None:
        if self._hidden is None or (distributions and not self._distributions):
            # Distributions have their own member rule; decided only when a question is read
            # (a page asking for one unit's comments reuses the decision its figures made).
            path = unit_path(self._viewer_unit_id) if self._viewer_unit_id is not None else []
            self._hidden = member_hidden([self._round], path, distributions=distributions)
            self._distributions = distributions
            self._figures, self._read = {}, set()
        figures = released_figures([self._round], unit_ids, None, hidden=self._hidden)
        for (_round_id, kind, ref, unit_id), figure in figures.items():
            self._figures[(kind, ref, unit_id)] = figure

    def __getitem__(self, key: tuple[str, str, int]) -> Figure:
        kind, _ref, unit_id = key
        upgrade = kind == "question" and not self._distributions
        if not self._complete and (unit_id not in self._read or upgrade):
            self._read_units([unit_id], distributions=kind == "question")
            self._read.add(unit_id)
        return self._figures[key]

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        if not self._complete:
            self._read_units(None, distributions=True)
            self._complete = True
        return iter(self._figures)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def round_view(round_: Round, viewer_unit_id: int | None) -> RoundView:
    """Every released figure of a round as this viewer may see it, keyed (kind, ref, unit).

    Within a request the view reads lazily (a page looks up a few units); elsewhere (the CLI,
    exports, tests) it reads the whole round at once, so it stays usable after its session.
    """
    view = RoundView(round_, viewer_unit_id)
    if not has_request_context():
        len(view)
    return view


def latest_released_round(unit_id: int) -> Round | None:
    """The most recently released round in which this unit (or its subtree) took part."""
    return db.session.scalar(
        select(Round)
        .join(ReleasedFigure, ReleasedFigure.round_id == Round.id)
        .where(
            Round.state == RoundState.RELEASED,
            ReleasedFigure.unit_id == unit_id,
            ReleasedFigure.kind == "participation",
        )
        .order_by(Round.closes_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class TeamSummary:
    """What an employee sees of their team's last released round."""

    round: Round
    unit: Unit
    participation: Figure
    dimensions: list[tuple[str, Figure]]  # (dimension id, figure)


def team_summary(unit: Unit, viewer_unit_id: int | None) -> TeamSummary | None:
    round_ = latest_released_round(unit.id)
    if round_ is None:
        return None
    path = unit_path(viewer_unit_id) if viewer_unit_id is not None else []
    hidden = member_hidden([round_], path)
    questions = questions_by_dimension([round_.id])
    view = released_figures(
        [round_],
        [unit.id],
        None,
        kinds=("participation", "dimension"),
        hidden=hidden,
        questions=questions,
    )

    def figure(kind: str, ref: str) -> Figure:
        return view.get((round_.id, kind, ref, unit.id), Figure(kind, ref, unit.id, False))

    return TeamSummary(
        round=round_,
        unit=unit,
        participation=figure("participation", ""),
        dimensions=[(d, figure("dimension", d)) for d in questions[round_.id]],
    )
