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
from pulse.figures import Figure, questions_by_dimension, released_figures, unit_path
from pulse.member_rule import member_hidden
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
    if not rounds:
        return []
    # The team's path in one query, and every figure of it in those rounds in one more, with
    # the member rule decided once for all of them (pulse/member_rule.py): a handful of
    # statements, not a few per round.
    path = unit_path(team.id)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(path)))}
    chain = [units[uid] for uid in path if uid in units]
    viewer_path = unit_path(viewer_unit_id) if viewer_unit_id is not None else []
    questions = questions_by_dimension([r.id for r in rounds])
    view = released_figures(
        rounds,
        path,
        None,
        kinds=(FigureKind.PARTICIPATION, FigureKind.DIMENSION),
        hidden=member_hidden(rounds, viewer_path),
        questions=questions,
    )
    entries: list[HistoryEntry] = []
    for round_ in rounds:
        entry = _entry(round_, chain, view, list(questions[round_.id]))
        if entry is not None:
            entries.append(entry)
            if len(entries) == SHOWN_ROUNDS:
                break
    return entries


def _entry(
    round_: Round,
    chain: list[Unit],
    view: dict[tuple[int, str, str, int], Figure],
    dimension_ids: list[str],
) -> HistoryEntry | None:
    for unit in chain:
        shown = [
            (d, figure)
            for d in dimension_ids
            if (figure := view.get((round_.id, FigureKind.DIMENSION, d, unit.id))) is not None
            and figure.shown
        ]
        if shown:
            participation = view.get((round_.id, FigureKind.PARTICIPATION, "", unit.id))
            return HistoryEntry(
                round=round_,
                unit=unit,
                own_team=unit.id == chain[0].id,
                participation=participation if participation and participation.shown else None,
                dimensions=shown,
            )
    return None
