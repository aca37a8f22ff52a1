"""Plans and rotation as plain functions: opening times and which dimensions each round asks."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pulse.scheduling.rotation import (
    DimensionItems,
    Schedule,
    dimensions_for_round,
    latest_opening,
    openings_after,
    plan_rounds,
    rotation_cycle,
)

CPH = ZoneInfo("Europe/Copenhagen")


def dims(*sizes: int) -> list[DimensionItems]:
    return [
        DimensionItems(f"d{i}", tuple(f"d{i}_q{j}" for j in range(size)))
        for i, size in enumerate(sizes)
    ]


def local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(CPH)


def test_whole_dimensions_are_packed_in_order_within_the_limit():
    cycle = rotation_cycle(dims(3, 3, 3, 3, 3, 3, 3, 5), 6)
    assert [[d.id for d in group] for group in cycle] == [
        ["d0", "d1"],
        ["d2", "d3"],
        ["d4", "d5"],
        ["d6"],
        ["d7"],
    ]


def test_a_dimension_larger_than_the_limit_gets_a_round_of_its_own_whole():
    cycle = rotation_cycle(dims(3, 5, 3), 3)
    assert [[len(d.question_ids) for d in group] for group in cycle] == [[3], [5], [3]]


@pytest.mark.parametrize("per_round", [3, 4, 5, 6, 7])
@pytest.mark.parametrize("sizes", [(3,) * 8 + (5,), (3, 2, 4, 1, 3), (5, 3, 3)])
def test_every_dimension_is_measured_at_a_steady_interval(per_round, sizes):
    plan = dims(*sizes)
    seen: dict[str, list[int]] = defaultdict(list)
    for index in range(40):
        chosen = dimensions_for_round(plan, per_round, index)
        asked = sum(len(d.question_ids) for d in chosen)
        assert asked <= per_round or len(chosen) == 1
        for dimension in chosen:
            seen[dimension.id].append(index)
    assert set(seen) == {d.id for d in plan}
    intervals = {b - a for rounds in seen.values() for a, b in itertools.pairwise(rounds)}
    assert len(intervals) == 1  # the same for every dimension, every time


def test_an_empty_plan_asks_nothing():
    assert dimensions_for_round([], 5, 3) == ()
    assert dimensions_for_round(dims(0, 0), 5, 0) == ()


def test_weekly_openings_keep_the_local_hour_across_daylight_saving():
    schedule = Schedule("weekly", weekday=0, hour=9, round_days=7)
    # 2026: summer time ends on 25 October.
    openings = openings_after(schedule, datetime(2026, 10, 14, 12), 3)
    assert [local(o).strftime("%Y-%m-%d %H:%M %a") for o in openings] == [
        "2026-10-19 09:00 Mon",
        "2026-10-26 09:00 Mon",
        "2026-11-02 09:00 Mon",
    ]
    assert openings[0].hour == 7 and openings[1].hour == 8  # UTC+2, then UTC+1


def test_an_opening_exactly_now_is_not_after_now():
    schedule = Schedule("weekly", weekday=2, hour=8, round_days=5)
    (first,) = openings_after(schedule, datetime(2026, 11, 18, 7), 1)  # 08:00 in Copenhagen
    assert local(first).strftime("%Y-%m-%d %H:%M") == "2026-11-25 08:00"
    assert latest_opening(schedule, datetime(2026, 11, 18, 7)) == datetime(2026, 11, 18, 7)


def test_biweekly_openings_are_fixed_weeks_whoever_asks():
    schedule = Schedule("biweekly", weekday=3, hour=10, round_days=7)
    from_monday = openings_after(schedule, datetime(2026, 11, 2), 4)
    from_later = openings_after(schedule, datetime(2026, 11, 9), 3)
    assert all((b - a).days == 14 for a, b in itertools.pairwise(from_monday))
    assert from_later[0] in from_monday
    assert all(local(o).weekday() == 3 and local(o).hour == 10 for o in from_monday)


def test_monthly_openings_are_the_first_weekday_of_each_month():
    schedule = Schedule("monthly", weekday=1, hour=13, round_days=10)
    openings = openings_after(schedule, datetime(2026, 11, 20), 3)
    assert [local(o).strftime("%Y-%m-%d %H:%M") for o in openings] == [
        "2026-12-01 13:00",
        "2027-01-05 13:00",
        "2027-02-02 13:00",
    ]
    assert latest_opening(schedule, datetime(2026, 11, 20)) == datetime(2026, 11, 3, 12)


def test_unknown_cadence_is_refused():
    with pytest.raises(ValueError):
        openings_after(Schedule("daily", 0, 9, 1), datetime(2026, 1, 1), 1)


def test_plan_rounds_preview_continues_the_rotation_and_sets_closing():
    schedule = Schedule("weekly", weekday=0, hour=8, round_days=5)
    rounds = plan_rounds(
        schedule, dims(3, 3, 5), 6, first_index=1, after=datetime(2026, 1, 1), count=3
    )
    assert [r.index for r in rounds] == [1, 2, 3]
    assert [r.dimension_ids for r in rounds] == [("d2",), ("d0", "d1"), ("d2",)]
    assert rounds[0].question_ids == ("d2_q0", "d2_q1", "d2_q2", "d2_q3", "d2_q4")
    assert all((r.closes_at - r.opens_at).days == 5 for r in rounds)
