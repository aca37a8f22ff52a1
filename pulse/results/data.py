"""The figures of a team page, gathered from released rounds only (pulse/figures.py)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from sqlalchemy import select

from pulse.extensions import db
from pulse.figures import (
    Figure,
    questions_by_dimension,
    released_figures,
    round_view,
    unit_path,
)
from pulse.member_rule import member_hidden
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
    """The unit's last HISTORY released rounds, oldest first (one query)."""
    rounds = db.session.scalars(
        select(Round)
        .join(ReleasedFigure, ReleasedFigure.round_id == Round.id)
        .where(
            Round.state == RoundState.RELEASED,
            ReleasedFigure.unit_id == unit.id,
            ReleasedFigure.kind == "participation",
        )
        .order_by(Round.closes_at.desc())
        .limit(HISTORY)
    ).all()
    return list(reversed(rounds))


#: What a team page can show; an htmx fragment asks only for its own part.
PARTS = frozenset({"trend", "participation", "heatmap"})


def team_data(
    unit: Unit,
    viewer_unit_id: int | None,
    parts: frozenset[str] = PARTS,
    dimension: str | None = None,
) -> TeamData:
    """The unit's figures for the parts asked: the unit's, its parent's and its children's in
    the shown rounds only, in a few queries (the member rule from the viewer's path).

    `dimension` limits the trend to one theme (the one the page shows); None: every theme.
    """
    rounds = released_rounds(unit)
    questions = questions_by_dimension([r.id for r in rounds])
    dimension_ids = list(dict.fromkeys(d for r in rounds for d in questions[r.id]))
    data = TeamData(unit=unit, rounds=rounds, dimension_ids=dimension_ids)
    if not rounds or not parts:
        return data
    asked = {d: [r for r in rounds if d in questions[r.id]] for d in dimension_ids}
    path = unit_path(viewer_unit_id) if viewer_unit_id is not None else []
    hidden = member_hidden(rounds, path)

    def read(unit_ids: list[int], chosen: list[Round], kinds: tuple[str, ...]) -> dict:
        return released_figures(
            chosen, unit_ids, None, kinds=kinds, hidden=hidden, questions=questions
        )

    def point(view: dict, r: Round, kind: str, ref: str, unit_id: int) -> Point:
        hidden_figure = Figure(kind, ref, unit_id, shown=False)
        return Point(r, view.get((r.id, kind, ref, unit_id), hidden_figure))

    own = [unit.id] if unit.parent_id is None else [unit.id, unit.parent_id]
    kinds = ("dimension", "participation") if "participation" in parts else ("dimension",)
    view = read(own, rounds, kinds) if parts & {"trend", "participation"} else {}
    if "trend" in parts:
        for dimension_id in [dimension] if dimension in asked else dimension_ids:
            data.trend[dimension_id] = [
                point(view, r, "dimension", dimension_id, unit.id) for r in asked[dimension_id]
            ]
            if unit.parent_id is not None:
                data.parent_trend[dimension_id] = [
                    point(view, r, "dimension", dimension_id, unit.parent_id)
                    for r in asked[dimension_id]
                ]
    if "participation" in parts:
        data.participation = [point(view, r, "participation", "", unit.id) for r in rounds]
    if "heatmap" in parts and unit.children:
        # Each child's figure in the latest round that asked the theme; None: the sub-unit
        # was not in that round (not asked), unlike a hidden figure.
        latest = {d: asked[d][-1] for d in dimension_ids if asked[d]}
        children = read(
            [c.id for c in unit.children],
            list({r.id: r for r in latest.values()}.values()),
            ("dimension",),
        )
        for child in unit.children:
            cells = {d: children.get((r.id, "dimension", d, child.id)) for d, r in latest.items()}
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
