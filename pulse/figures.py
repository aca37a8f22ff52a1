"""Reading released figures: the only way any page, chart or export gets a number.

Figures come from the release table alone (pulse/anonymity/release.py). For a viewer who is a
member of a group, one more group may be hidden (the k + 1 rule, anonymity/rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from pulse.anonymity.rules import distributions_hidden_for_viewer, hide_for_viewer
from pulse.anonymity.settings import round_settings
from pulse.extensions import db
from pulse.models import FigureKind, Organisation, ReleasedFigure, Round, RoundState, Unit


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


def latest_released_round(unit_id: int) -> Round | None:
    """The most recently released round in which this unit (or its subtree) took part."""
    return db.session.scalar(
        select(Round)
        .join(ReleasedFigure, ReleasedFigure.round_id == Round.id)
        .where(Round.state == RoundState.RELEASED, ReleasedFigure.unit_id == unit_id)
        .order_by(Round.closes_at.desc())
        .limit(1)
    )


def round_view(round_: Round, viewer_unit_id: int | None) -> dict[tuple[str, str, int], Figure]:
    """Every released figure of a round as this viewer may see it, keyed (kind, ref, unit)."""
    rows = db.session.scalars(select(ReleasedFigure).where(ReleasedFigure.round_id == round_.id))
    families: dict[tuple[str, str], list[ReleasedFigure]] = defaultdict(list)
    for row in rows:
        families[(row.kind, row.ref)].append(row)

    hidden: set[tuple[str, str, int]] = set()
    hidden_distributions: set[tuple[str, int]] = set()
    if viewer_unit_id is not None:
        parents = dict(
            db.session.execute(
                select(Unit.id, Unit.parent_id).where(
                    Unit.organisation_id == round_.organisation_id
                )
            ).all()
        )
        settings = round_settings(round_, db.session.get(Organisation, round_.organisation_id))
        for (kind, ref), family in families.items():
            if kind == FigureKind.DIMENSION:
                continue  # follows its questions, below
            totals = {f.unit_id: None if f.suppressed else f.respondents for f in family}
            family_k = settings.comment_k if kind == FigureKind.COMMENTS else settings.k
            for uid in hide_for_viewer(parents, totals, family_k, viewer_unit_id):
                hidden.add((kind, ref, uid))
            if kind == FigureKind.QUESTION:
                # Distributions need their own threshold, + 1 for the cell holding the viewer.
                seen = {u: None if (kind, ref, u) in hidden else t for u, t in totals.items()}
                spreads = [f.unit_id for f in family if f.distribution is not None]
                distribution_k = settings.distribution_k
                for uid in distributions_hidden_for_viewer(
                    parents, seen, spreads, distribution_k, viewer_unit_id
                ):
                    hidden_distributions.add((ref, uid))
        questions_of = _questions_by_dimension(round_)
        for (kind, ref), family in families.items():
            if kind == FigureKind.DIMENSION:
                for f in family:
                    if any(
                        (FigureKind.QUESTION, q, f.unit_id) in hidden for q in questions_of[ref]
                    ):
                        hidden.add((kind, ref, f.unit_id))

    view = {}
    for (kind, ref), family in families.items():
        for f in family:
            key = (kind, ref, f.unit_id)
            if f.suppressed or key in hidden:
                view[key] = Figure(kind, ref, f.unit_id, shown=False)
            else:
                view[key] = Figure(
                    kind,
                    ref,
                    f.unit_id,
                    shown=True,
                    respondents=f.respondents,
                    invited=f.invited,
                    mean=f.mean,
                    distribution=None
                    if (ref, f.unit_id) in hidden_distributions
                    else f.distribution,
                )
    return view


def _questions_by_dimension(round_: Round) -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for round_question in round_.questions:
        result[round_question.question.dimension_id].append(round_question.question_id)
    return result


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
    view = round_view(round_, viewer_unit_id)
    dimension_ids = list(dict.fromkeys(rq.question.dimension_id for rq in round_.questions))
    return TeamSummary(
        round=round_,
        unit=unit,
        participation=view.get(
            (FigureKind.PARTICIPATION, "", unit.id),
            Figure(FigureKind.PARTICIPATION, "", unit.id, False),
        ),
        dimensions=[
            (
                d,
                view.get(
                    (FigureKind.DIMENSION, d, unit.id),
                    Figure(FigureKind.DIMENSION, d, unit.id, False),
                ),
            )
            for d in dimension_ids
        ],
    )
