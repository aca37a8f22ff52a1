"""The figures of a team page, gathered from released rounds only (pulse/figures.py)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from sqlalchemy import select

from pulse.extensions import db
from pulse.figures import Figure, round_view
from pulse.models import ReleasedComment, ReleasedFigure, Round, RoundState, Unit

#: How many released rounds a page looks back over.
HISTORY = 26


@dataclass(frozen=True)
class Point:
    round: Round
    figure: Figure


@dataclass
class TeamData:
    unit: Unit
    rounds: list[Round]
    dimension_ids: list[str]
    trend: dict[str, list[Point]] = field(default_factory=dict)
    parent_trend: dict[str, list[Point]] = field(default_factory=dict)
    participation: list[Point] = field(default_factory=list)
    #: child unit -> dimension -> the child's figure in the latest round that asked it
    #: (None when the child was not in that round).
    heatmap: list[tuple[Unit, dict[str, Figure | None]]] = field(default_factory=list)

    def latest(self, dimension_id: str) -> Figure | None:
        shown = [p.figure for p in self.trend.get(dimension_id, []) if p.figure.shown]
        return shown[-1] if shown else None

    def change(self, dimension_id: str) -> float | None:
        """Change between the last two shown figures of a dimension."""
        shown = [p.figure for p in self.trend.get(dimension_id, []) if p.figure.shown]
        return round(shown[-1].mean - shown[-2].mean, 1) if len(shown) >= 2 else None


def released_rounds(unit: Unit) -> list[Round]:
    rounds = db.session.scalars(
        select(Round)
        .where(
            Round.state == RoundState.RELEASED,
            Round.id.in_(select(ReleasedFigure.round_id).where(ReleasedFigure.unit_id == unit.id)),
        )
        .order_by(Round.closes_at.desc())
        .limit(HISTORY)
    ).all()
    return list(reversed(rounds))


def _dimensions_of(round_: Round) -> list[str]:
    return list(dict.fromkeys(rq.question.dimension_id for rq in round_.questions))


def team_data(unit: Unit, viewer_unit_id: int | None) -> TeamData:
    rounds = released_rounds(unit)
    views = {r.id: round_view(r, viewer_unit_id) for r in rounds}
    dimension_ids = list(dict.fromkeys(d for r in rounds for d in _dimensions_of(r)))
    data = TeamData(unit=unit, rounds=rounds, dimension_ids=dimension_ids)

    def point(r: Round, kind: str, ref: str, unit_id: int) -> Point:
        hidden = Figure(kind, ref, unit_id, shown=False)
        return Point(r, views[r.id].get((kind, ref, unit_id), hidden))

    for dimension_id in dimension_ids:
        asked = [r for r in rounds if dimension_id in _dimensions_of(r)]
        data.trend[dimension_id] = [point(r, "dimension", dimension_id, unit.id) for r in asked]
        if unit.parent_id is not None:
            data.parent_trend[dimension_id] = [
                point(r, "dimension", dimension_id, unit.parent_id) for r in asked
            ]
    data.participation = [point(r, "participation", "", unit.id) for r in rounds]
    for child in unit.children:
        cells = {}
        for dimension_id in dimension_ids:
            asked = [r for r in rounds if dimension_id in _dimensions_of(r)]
            # None: the sub-unit was not in that round (not asked), unlike a hidden figure.
            if asked:
                cells[dimension_id] = views[asked[-1].id].get(("dimension", dimension_id, child.id))
        data.heatmap.append((child, cells))
    return data


def comments_for(round_: Round, unit: Unit, viewer_unit_id: int | None, representatives: bool):
    """The comments released for the unit's group, or None when the rules hide them.

    Exactly the comments the release bound to this unit or to a group inside it *as the tree
    was at release* (their stored path): today's tree plays no part, so moving a unit later
    changes no list. Shuffled, undated.
    """
    figure = round_view(round_, viewer_unit_id).get(("comments", "", unit.id))
    if figure is None or not figure.shown:
        return None
    audiences = ["trio", "reps"] if representatives else ["trio"]
    bodies = list(
        db.session.scalars(
            select(ReleasedComment.body).where(
                ReleasedComment.round_id == round_.id,
                ReleasedComment.path.contains(f"/{unit.id}/", autoescape=True),
                ReleasedComment.audience.in_(audiences),
            )
        )
    )
    secrets.SystemRandom().shuffle(bodies)
    return bodies


@cache
def _cards() -> dict:
    text = resources.files("pulse.content").joinpath("dialogue_cards.json").read_text("utf-8")
    return json.loads(text)


def dialogue_cards(data: TeamData, locale: str) -> dict:
    """The seven Randers cards, and prompts for the weakest and the most fallen dimension."""
    cards = _cards()
    latest = {d: data.latest(d) for d in data.dimension_ids if d != "partnership"}
    latest = {d: f for d, f in latest.items() if f is not None}
    weakest = min(latest, key=lambda d: latest[d].mean) if latest else None
    changes = {d: data.change(d) for d in latest}
    falls = {d: c for d, c in changes.items() if c is not None and c < 0}
    fallen = min(falls, key=lambda d: falls[d]) if falls else None
    focus = [d for d in dict.fromkeys([weakest, fallen]) if d and d in cards["dimensions"]]

    def pick(card: dict) -> str:
        return card.get(locale) or card["da"]

    return {
        "weakest": weakest,
        "fallen": fallen,
        "focus": [(d, [pick(c) for c in cards["dimensions"][d]]) for d in focus],
        "randers": [pick(c) for c in cards["randers"]],
        "randers_source": cards["source_randers"],
    }
