"""The quarterly summary of a MED committee's area, as plain functions over released figures.

Nothing here reads raw answers: the inputs are rows of the release table (as the viewer may see
them) and action histories. A quarter's index for a unit is the respondent-weighted mean of the
unit's released dimension figures in the quarter's rounds; a figure the release hid stays out
(docs/anonymity.md). Every number below is a function of figures the viewer can already see, so
the summary reveals nothing the released rounds don't.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: The rule for "needs attention", written on the page and in the PDF.
INDEX_BELOW = 50.0
FALL_AT_LEAST = 10.0
RATE_BELOW = 50.0
#: Units shown on the page: levels below the committee's units while at most this many fit.
PAGE_UNITS = 40
CLOSED_STATUSES = ("done", "dropped")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, moment: date) -> Quarter:
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next().start

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The quarter in the organisation's time zone, as naive UTC (how times are stored)."""

        def utc(day: date) -> datetime:
            local = datetime(day.year, day.month, day.day, tzinfo=zone)
            return local.astimezone(UTC).replace(tzinfo=None)

        return utc(self.start), utc(self.end)

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.number}"


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """A stored (naive UTC) time as a day in the organisation's time zone."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


@dataclass(frozen=True)
class AreaUnit:
    id: int
    parent_id: int | None
    name: str
    #: 0 for the committee's own units, 1 for their children, ...
    depth: int


@dataclass(frozen=True)
class RoundInfo:
    id: int
    closes_at: datetime
    quarter: Quarter


@dataclass(frozen=True, slots=True)
class SeenFigure:
    """A released figure as this viewer may see it; `shown` False carries no number."""

    round_id: int
    unit_id: int
    kind: str  # "participation" or "dimension"
    ref: str
    shown: bool
    respondents: int | None = None
    invited: int | None = None
    mean: float | None = None


@dataclass(frozen=True)
class ActionFacts:
    unit_id: int
    follow_up_on: date | None
    #: (day, status) in order: the first is when it was opened.
    events: tuple[tuple[date, str], ...]


@dataclass(frozen=True)
class QuarterValue:
    """A quarter's figure for one unit: None when every round's figure was hidden or absent."""

    value: float | None
    respondents: int = 0
    invited: int = 0
    released: int = 0  # rounds whose figure was shown
    hidden: int = 0  # rounds whose figure the release hid (too few answered)


@dataclass
class UnitSummary:
    unit: AreaUnit
    rate: QuarterValue
    rate_before: QuarterValue
    index: dict[str, QuarterValue] = field(default_factory=dict)
    index_before: dict[str, QuarterValue] = field(default_factory=dict)

    def rate_change(self) -> float | None:
        return _change(self.rate, self.rate_before)

    def change(self, dimension_id: str) -> float | None:
        return _change(self.index.get(dimension_id), self.index_before.get(dimension_id))

    #: This quarter's rounds with any figure of the unit, and those where one was hidden.
    rounds_with_figures: int = 0
    rounds_with_hidden: int = 0


@dataclass(frozen=True)
class Attention:
    unit: AreaUnit
    #: ("index_below", dimension id, value), ("fall", dimension id, change), ("rate_below", "", %)
    reasons: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class ActionCounts:
    unit: AreaUnit
    opened: int
    closed: int
    overdue: int


@dataclass
class Summary:
    quarter: Quarter
    rounds: list[RoundInfo]
    rounds_before: list[RoundInfo]
    dimension_ids: list[str]
    area: UnitSummary
    #: Every unit of the area, in tree order (parents before their children).
    units: list[UnitSummary]
    #: The units the page shows (the exports have all of them).
    shown_depth: int
    attention: list[Attention]
    actions: list[ActionCounts]

    @property
    def page_units(self) -> list[UnitSummary]:
        return [u for u in self.units if u.unit.depth <= self.shown_depth]

    @property
    def with_hidden_figures(self) -> list[UnitSummary]:
        return [u for u in self.units if u.rounds_with_hidden]


def _change(now: QuarterValue | None, before: QuarterValue | None) -> float | None:
    if now is None or before is None or now.value is None or before.value is None:
        return None
    return round(now.value - before.value, 1)


def quarter_index(figures: Iterable[SeenFigure]) -> QuarterValue:
    """The respondent-weighted mean of the shown figures; hidden ones are counted, not used."""
    weighted = respondents = released = hidden = 0
    for figure in figures:
        if figure.shown and figure.mean is not None and figure.respondents:
            weighted += figure.mean * figure.respondents
            respondents += figure.respondents
            released += 1
        elif not figure.shown:
            hidden += 1
    value = round(weighted / respondents, 1) if respondents else None
    return QuarterValue(value, respondents=respondents, released=released, hidden=hidden)


def quarter_rate(figures: Iterable[SeenFigure]) -> QuarterValue:
    """Answered out of invited over the shown participation figures, in per cent."""
    answered = invited = released = hidden = 0
    for figure in figures:
        if figure.shown and figure.invited:
            answered += figure.respondents or 0
            invited += figure.invited
            released += 1
        elif not figure.shown:
            hidden += 1
    value = round(100 * answered / invited, 1) if invited else None
    return QuarterValue(
        value, respondents=answered, invited=invited, released=released, hidden=hidden
    )


def tree_order(units: Sequence[AreaUnit]) -> list[AreaUnit]:
    """Parents before children, siblings by name: the order of every table."""
    children: dict[int | None, list[AreaUnit]] = defaultdict(list)
    ids = {u.id for u in units}
    for unit in units:
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    ordered: list[AreaUnit] = []
    stack = sorted(children[None], key=lambda u: u.name, reverse=True)
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(sorted(children[unit.id], key=lambda u: u.name, reverse=True))
    return ordered


def shown_depth(units: Sequence[AreaUnit], limit: int = PAGE_UNITS) -> int:
    """The deepest level the page can show with at most `limit` units (at least one level
    below the committee's own units): a large area shows its top units and their children."""
    per_depth: dict[int, int] = defaultdict(int)
    for unit in units:
        per_depth[unit.depth] += 1
    depth, total = 1, per_depth[0] + per_depth[1]
    while depth + 1 in per_depth and total + per_depth[depth + 1] <= limit:
        depth += 1
        total += per_depth[depth]
    return depth


def summarise(
    quarter: Quarter,
    units: Sequence[AreaUnit],
    rounds: Sequence[RoundInfo],
    figures: Iterable[SeenFigure],
    dimension_ids: Sequence[str],
    actions: Sequence[ActionFacts],
    today: date,
) -> Summary:
    """The quarter and the one before it, for the area (the committee's units together) and
    every unit in it."""
    previous = quarter.previous()
    # 0: this quarter, 1: the one before. Plain ints as keys: a large area has many figures.
    period_of = {
        r.id: 0 if r.quarter == quarter else 1 for r in rounds if r.quarter in (quarter, previous)
    }
    grouped: dict[tuple[int, str, str, int], list[SeenFigure]] = defaultdict(list)
    for figure in figures:
        when = period_of.get(figure.round_id)
        if when is not None:
            grouped[(when, figure.kind, figure.ref, figure.unit_id)].append(figure)
    present = {k[2] for k in grouped if k[1] == "dimension"}
    # In the bank's order; a theme the bank no longer lists goes last, never lost.
    asked = [d for d in dimension_ids if d in present] + sorted(present - set(dimension_ids))
    empty: list[SeenFigure] = []
    seen_in: dict[int, set[int]] = defaultdict(set)
    hidden_in: dict[int, set[int]] = defaultdict(set)
    for (when, _kind, _ref, unit_id), found in grouped.items():
        if when == 0:
            for figure in found:
                seen_in[unit_id].add(figure.round_id)
                if not figure.shown:
                    hidden_in[unit_id].add(figure.round_id)

    def summary_of(unit: AreaUnit, unit_ids: Sequence[int]) -> UnitSummary:
        def pick(when: int, kind: str, ref: str) -> list[SeenFigure]:
            if len(unit_ids) == 1:
                return grouped.get((when, kind, ref, unit_ids[0]), empty)
            return [f for uid in unit_ids for f in grouped.get((when, kind, ref, uid), empty)]

        result = UnitSummary(
            unit=unit,
            rate=quarter_rate(pick(0, "participation", "")),
            rate_before=quarter_rate(pick(1, "participation", "")),
            rounds_with_figures=len(set().union(*(seen_in[u] for u in unit_ids))),
            rounds_with_hidden=len(set().union(*(hidden_in[u] for u in unit_ids))),
        )
        for dimension_id in asked:
            result.index[dimension_id] = quarter_index(pick(0, "dimension", dimension_id))
            result.index_before[dimension_id] = quarter_index(pick(1, "dimension", dimension_id))
        return result

    ordered = tree_order(units)
    roots = [u for u in ordered if u.depth == 0]
    area_unit = (
        roots[0] if len(roots) == 1 else AreaUnit(0, None, " + ".join(u.name for u in roots), -1)
    )
    unit_summaries = [summary_of(u, [u.id]) for u in ordered]
    return Summary(
        quarter=quarter,
        rounds=sorted((r for r in rounds if r.quarter == quarter), key=lambda r: r.closes_at),
        rounds_before=sorted(
            (r for r in rounds if r.quarter == previous), key=lambda r: r.closes_at
        ),
        dimension_ids=asked,
        area=summary_of(area_unit, [u.id for u in roots]),
        units=unit_summaries,
        shown_depth=shown_depth(units),
        attention=needs_attention(unit_summaries, asked),
        actions=count_actions(ordered, actions, quarter, today),
    )


def needs_attention(units: Sequence[UnitSummary], dimension_ids: Sequence[str]) -> list[Attention]:
    """Units with an index below INDEX_BELOW, a fall of FALL_AT_LEAST points or more since the
    previous quarter, or a response rate below RATE_BELOW %; from released figures only."""
    found = []
    for summary in units:
        reasons: list[tuple[str, str, float]] = []
        for dimension_id in dimension_ids:
            value = summary.index[dimension_id].value
            if value is not None and value < INDEX_BELOW:
                reasons.append(("index_below", dimension_id, value))
            change = summary.change(dimension_id)
            if change is not None and change <= -FALL_AT_LEAST:
                reasons.append(("fall", dimension_id, change))
        if summary.rate.value is not None and summary.rate.value < RATE_BELOW:
            reasons.append(("rate_below", "", summary.rate.value))
        if reasons:
            found.append(Attention(summary.unit, tuple(reasons)))
    return found


def count_actions(
    units: Sequence[AreaUnit], actions: Sequence[ActionFacts], quarter: Quarter, today: date
) -> list[ActionCounts]:
    """Per unit with any: actions opened and closed (done or dropped) during the quarter, and
    those overdue at its end (or today, while it runs): open then, follow-up date passed."""
    start, end = quarter.start, quarter.end
    cutoff = min(end - timedelta(days=1), today)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for action in actions:
        if not action.events:
            continue
        opened_on = action.events[0][0]
        if start <= opened_on < end:
            counts[action.unit_id][0] += 1
        if any(start <= day < end and s in CLOSED_STATUSES for day, s in action.events):
            counts[action.unit_id][1] += 1
        status_then = None
        for day, status in action.events:
            if day <= cutoff:
                status_then = status
        if (
            status_then is not None
            and status_then not in CLOSED_STATUSES
            and action.follow_up_on is not None
            and action.follow_up_on < cutoff
        ):
            counts[action.unit_id][2] += 1
    return [ActionCounts(u, *counts[u.id]) for u in units if u.id in counts]
