"""An employee's results over time: the last few released rounds with a figure they may see.

For each round the team's own figures are shown when the rules let them be; otherwise the
figures of the nearest unit above that has some (the workplace, the area ...), and the page
says so plainly. Only released figures, as this viewer may see them (pulse/figures.py applies
the k + 1 rule for a member), so nothing here shows a group smaller than the rules allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pulse.extensions import db
from pulse.figures import Figure, round_view
from pulse.models import FigureKind, ReleasedFigure, Round, RoundState, Unit

#: How many rounds with something to show the home page lists, and how far back it looks.
SHOWN_ROUNDS = 4
LOOK_BACK = 10


@dataclass(frozen=True)
class HistoryEntry:
    """One released round as an employee sees it."""

    round: Round
    unit: Unit  # whose figures these are: the team, or the nearest unit above it
    own_team: bool
    participation: Figure | None  # of `unit`, when shown
    dimensions: list[tuple[str, Figure]]  # (dimension id, figure): only shown figures


def results_history(team: Unit, viewer_unit_id: int | None) -> list[HistoryEntry]:
    """Newest first: up to SHOWN_ROUNDS of the last LOOK_BACK released rounds the team took
    part in that have a figure to show for the team or a unit above it."""
    rounds = db.session.scalars(
        select(Round)
        .where(
            Round.state == RoundState.RELEASED,
            Round.id.in_(select(ReleasedFigure.round_id).where(ReleasedFigure.unit_id == team.id)),
        )
        .order_by(Round.closes_at.desc())
        .limit(LOOK_BACK)
    ).all()
    chain = [team, *team.ancestors()] if rounds else []
    entries: list[HistoryEntry] = []
    for round_ in rounds:
        entry = _entry(round_, chain, viewer_unit_id)
        if entry is not None:
            entries.append(entry)
            if len(entries) == SHOWN_ROUNDS:
                break
    return entries


def _entry(round_: Round, chain: list[Unit], viewer_unit_id: int | None) -> HistoryEntry | None:
    view = round_view(round_, viewer_unit_id)
    dimension_ids = list(dict.fromkeys(rq.question.dimension_id for rq in round_.questions))
    for unit in chain:
        shown = [
            (d, figure)
            for d in dimension_ids
            if (figure := view.get((FigureKind.DIMENSION, d, unit.id))) is not None and figure.shown
        ]
        if shown:
            participation = view.get((FigureKind.PARTICIPATION, "", unit.id))
            return HistoryEntry(
                round=round_,
                unit=unit,
                own_team=unit.id == chain[0].id,
                participation=participation if participation and participation.shown else None,
                dimensions=shown,
            )
    return None
