"""When a plan's rounds open, and which dimensions each round asks: plain functions, no database.

Opening times are a pure function of the plan's cadence, weekday and hour (in the
organisation's time zone), so every host running the tick computes the same times:

- weekly: every week on the weekday at the hour;
- biweekly: the same, in every second week (weeks counted from 5 January 1970, a Monday, so
  the weeks do not depend on when the plan was made or which host asks);
- monthly: the first such weekday of every month.

The rotation asks *whole* dimensions, never single items, so each dimension's index stays
comparable over time. The plan's dimensions are packed, in the plan's order, into a fixed cycle
of rounds of at most `questions_per_round` questions; round n asks cycle[n % len(cycle)]. Every
dimension is therefore measured exactly once per cycle, at a steady interval. A dimension with
more items than `questions_per_round` (WHO-5 has five) gets a round of its own with all of its
items: its score is only meaningful whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CADENCES = ("weekly", "biweekly", "monthly")
_EPOCH_MONDAY = date(1970, 1, 5)


@dataclass(frozen=True)
class DimensionItems:
    """A dimension of a plan and its active question ids, in order."""

    id: str
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    cadence: str
    weekday: int  # Monday = 0
    hour: int
    round_days: int
    timezone: str = "Europe/Copenhagen"


@dataclass(frozen=True)
class PlannedRound:
    """One round of a plan as the preview and the tick see it (times are naive UTC)."""

    index: int
    opens_at: datetime
    closes_at: datetime
    dimension_ids: tuple[str, ...]
    question_ids: tuple[str, ...]


def rotation_cycle(
    dimensions: list[DimensionItems], questions_per_round: int
) -> list[tuple[DimensionItems, ...]]:
    """The plan's dimensions packed in order into rounds of at most `questions_per_round`."""
    cycle: list[tuple[DimensionItems, ...]] = []
    current: list[DimensionItems] = []
    size = 0
    for dimension in dimensions:
        count = len(dimension.question_ids)
        if count == 0:
            continue
        if current and size + count > questions_per_round:
            cycle.append(tuple(current))
            current, size = [], 0
        current.append(dimension)
        size += count
    if current:
        cycle.append(tuple(current))
    return cycle


def dimensions_for_round(
    dimensions: list[DimensionItems], questions_per_round: int, index: int
) -> tuple[DimensionItems, ...]:
    """The dimensions the plan's round number `index` (0-based) asks."""
    cycle = rotation_cycle(dimensions, questions_per_round)
    if not cycle:
        return ()
    return cycle[index % len(cycle)]


def _local_to_utc(day: date, hour: int, zone: ZoneInfo) -> datetime:
    local = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _first_weekday_of_month(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def _opening_days_from(schedule: Schedule, start: date):
    """Every opening day on or after `start`, in order (an endless generator)."""
    if schedule.cadence == "monthly":
        year, month = start.year, start.month
        while True:
            day = _first_weekday_of_month(year, month, schedule.weekday)
            if day >= start:
                yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = 7 if schedule.cadence == "weekly" else 14
    day = start + timedelta(days=(schedule.weekday - start.weekday()) % 7)
    if schedule.cadence == "biweekly" and ((day - _EPOCH_MONDAY).days // 7) % 2:
        day += timedelta(days=7)
    while True:
        yield day
        day += timedelta(days=step)


def openings_after(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The next `count` opening times strictly after `after` (naive UTC in and out)."""
    if schedule.cadence not in CADENCES:
        raise ValueError(f"unknown cadence: {schedule.cadence}")
    zone = ZoneInfo(schedule.timezone)
    local_day = after.replace(tzinfo=UTC).astimezone(zone).date()
    result: list[datetime] = []
    for day in _opening_days_from(schedule, local_day - timedelta(days=1)):
        opens_at = _local_to_utc(day, schedule.hour, zone)
        if opens_at > after:
            result.append(opens_at)
            if len(result) == count:
                return result
    return result  # pragma: no cover - the generator never ends


def latest_opening(schedule: Schedule, now: datetime) -> datetime:
    """The most recent opening time at or before `now`."""
    lookback = {"weekly": 8, "biweekly": 15, "monthly": 40}[schedule.cadence]
    candidates = openings_after(schedule, now - timedelta(days=lookback), 8)
    return max(t for t in candidates if t <= now)


def plan_rounds(
    schedule: Schedule,
    dimensions: list[DimensionItems],
    questions_per_round: int,
    first_index: int,
    after: datetime,
    count: int,
) -> list[PlannedRound]:
    """The next `count` rounds of a plan opening after `after`; the first is number
    `first_index` of the plan (how many rounds it has made so far)."""
    result = []
    for offset, opens_at in enumerate(openings_after(schedule, after, count)):
        chosen = dimensions_for_round(dimensions, questions_per_round, first_index + offset)
        result.append(
            PlannedRound(
                index=first_index + offset,
                opens_at=opens_at,
                closes_at=opens_at + timedelta(days=schedule.round_days),
                dimension_ids=tuple(d.id for d in chosen),
                question_ids=tuple(q for d in chosen for q in d.question_ids),
            )
        )
    return result
