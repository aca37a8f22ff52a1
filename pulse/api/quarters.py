"""Quarterly figures for the API: the MED summary's arithmetic over the token's scope.

The same rules as the MED committees' summary (pulse/med/summary.py): a quarter's index is the
respondent-weighted mean of the released round figures it covers, its response rate answered
over invited of the shown participation figures; a hidden figure is counted, never estimated.
"""

from __future__ import annotations

import re
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pulse.api.data import Page
from pulse.api.reader_rule import reader_hidden
from pulse.extensions import db
from pulse.figures import questions_by_dimension
from pulse.med.summary import Quarter, SeenFigure, local_day, quarter_index, quarter_rate
from pulse.models import ApiToken, FigureKind, ReleasedFigure, Round, RoundState

QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text: str) -> Quarter | None:
    match = QUARTER_PATTERN.match(text)
    if not match or not 2000 <= int(match.group(1)) <= 2200:
        return None
    return Quarter(int(match.group(1)), int(match.group(2)))


def _scope_root_rounds(token: ApiToken, zone: ZoneInfo, since=None, until=None):
    """Released rounds with a figure in scope (of the token's unit, or any), by closing time."""
    statement = select(Round.id, Round.closes_at).where(
        Round.organisation_id == token.organisation_id, Round.state == RoundState.RELEASED
    )
    if token.unit_id is not None:
        statement = statement.where(
            select(ReleasedFigure.id)
            .where(ReleasedFigure.round_id == Round.id, ReleasedFigure.unit_id == token.unit_id)
            .exists()
        )
    if since is not None:
        statement = statement.where(Round.closes_at >= since, Round.closes_at < until)
    return [
        (round_id, Quarter.of(local_day(closes_at, zone)))
        for round_id, closes_at in db.session.execute(statement.order_by(Round.closes_at))
    ]


def quarters(token: ApiToken, zone: ZoneInfo) -> list[dict]:
    counts: dict[Quarter, int] = defaultdict(int)
    for _round_id, quarter in _scope_root_rounds(token, zone):
        counts[quarter] += 1
    return [{"quarter": q.slug, "rounds": n} for q, n in sorted(counts.items())]


def quarter_figures(
    token: ApiToken, scope: set[int], quarter: Quarter, zone: ZoneInfo, page: int, per_page: int
) -> Page:
    """One row per unit (a page of the scope's units) x measure: the response rate
    ("participation") and each dimension's index, with the change from the quarter before."""
    start, _ = quarter.previous().utc_bounds(zone)
    _, end = quarter.utc_bounds(zone)
    rounds = dict(_scope_root_rounds(token, zone, start, end))
    unit_ids = sorted(scope)[(page - 1) * per_page : page * per_page]
    grouped: dict[tuple[int, str, int], list[SeenFigure]] = defaultdict(list)
    if rounds and unit_ids:
        rows = db.session.execute(
            select(
                ReleasedFigure.round_id,
                ReleasedFigure.unit_id,
                ReleasedFigure.kind,
                ReleasedFigure.ref,
                ReleasedFigure.suppressed,
                ReleasedFigure.respondents,
                ReleasedFigure.invited,
                ReleasedFigure.mean,
            ).where(
                ReleasedFigure.round_id.in_(list(rounds)),
                ReleasedFigure.unit_id.in_(unit_ids),
                ReleasedFigure.kind.in_([FigureKind.PARTICIPATION, FigureKind.DIMENSION]),
            )
        )
        # Each round's figures less what a reader who could be in any group must not see.
        hidden = {
            r.id: reader_hidden(r)
            for r in db.session.scalars(select(Round).where(Round.id.in_(list(rounds))))
        }
        questions = questions_by_dimension(list(rounds))
        for round_id, unit_id, kind, ref, suppressed, respondents, invited, mean in rows:
            when = 0 if rounds[round_id] == quarter else 1
            measure = "participation" if kind == FigureKind.PARTICIPATION else ref
            shown = not suppressed and not hidden[round_id].hides(
                kind, ref, unit_id, questions[round_id]
            )
            numbers = (respondents, invited, mean) if shown else (None, None, None)
            grouped[(unit_id, measure, when)].append(
                SeenFigure(round_id, unit_id, kind, ref, shown, *numbers)
            )
    items = []
    for unit_id in unit_ids:
        measures = sorted(
            {m for (u, m, _w) in grouped if u == unit_id}, key=lambda m: (m != "participation", m)
        )
        for measure in measures:
            value_of = quarter_rate if measure == "participation" else quarter_index
            now = value_of(grouped.get((unit_id, measure, 0), []))
            before = value_of(grouped.get((unit_id, measure, 1), []))
            change = (
                round(now.value - before.value, 1)
                if now.value is not None and before.value is not None
                else None
            )
            items.append(
                {
                    "unit_id": unit_id,
                    "quarter": quarter.slug,
                    "measure": measure,
                    "value": now.value,
                    "respondents": now.respondents if now.value is not None else None,
                    "rounds_shown": now.released,
                    "rounds_hidden": now.hidden,
                    "change": change,
                }
            )
    return Page(items, len(scope))
