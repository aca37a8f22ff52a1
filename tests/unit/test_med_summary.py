"""The MED quarterly summary's plain functions: quarters, the weighted index, the attention
rule, actions in a quarter, and which levels of a large area the page shows."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from pulse.med.summary import (
    ActionFacts,
    AreaUnit,
    Quarter,
    RoundInfo,
    SeenFigure,
    count_actions,
    quarter_index,
    quarter_rate,
    shown_depth,
    summarise,
)

Q4 = Quarter(2026, 4)


def test_quarters_follow_the_calendar_in_the_organisations_time_zone():
    assert Quarter.of(date(2026, 10, 1)) == Q4
    assert Q4.previous() == Quarter(2026, 3) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Q4.end == date(2027, 1, 1)
    start, end = Q4.utc_bounds(ZoneInfo("Europe/Copenhagen"))
    assert start == datetime(2026, 9, 30, 22) and end == datetime(2026, 12, 31, 23)


figures = st.lists(
    st.one_of(
        st.builds(
            lambda n, mean: SeenFigure(1, 1, "dimension", "d", True, respondents=n, mean=mean),
            st.integers(5, 400),
            st.floats(0, 100).map(lambda v: round(v, 1)),
        ),
        st.just(SeenFigure(1, 1, "dimension", "d", False)),
    ),
    max_size=12,
)


@given(figures)
def test_the_quarter_index_is_the_weighted_mean_of_the_shown_figures_only(found):
    shown = [f for f in found if f.shown]
    result = quarter_index(found)
    assert result.hidden == len(found) - len(shown)
    assert result.released == len(shown)
    if not shown:
        assert result.value is None
    else:
        total = sum(f.respondents for f in shown)
        expected = sum(f.mean * f.respondents for f in shown) / total
        assert abs(result.value - expected) <= 0.05 + 1e-9
        assert (
            min(f.mean for f in shown) - 0.05 <= result.value <= max(f.mean for f in shown) + 0.05
        )


def test_the_response_rate_ignores_hidden_rounds():
    result = quarter_rate(
        [
            SeenFigure(1, 1, "participation", "", True, 9, 12),
            SeenFigure(2, 1, "participation", "", False),
            SeenFigure(3, 1, "participation", "", True, 3, 12),
        ]
    )
    assert result.value == 50.0 and result.hidden == 1 and result.invited == 24


def test_attention_by_the_written_rule_and_changes_from_the_previous_quarter():
    units = [AreaUnit(1, None, "Område", 0), AreaUnit(2, 1, "Team", 1)]
    rounds = [
        RoundInfo(10, datetime(2026, 8, 1), Quarter(2026, 3)),
        RoundInfo(20, datetime(2026, 11, 1), Q4),
    ]
    seen = [
        SeenFigure(10, 1, "dimension", "d", True, respondents=20, mean=70.0),
        SeenFigure(20, 1, "dimension", "d", True, respondents=20, mean=68.0),
        SeenFigure(10, 2, "dimension", "d", True, respondents=10, mean=66.0),
        SeenFigure(20, 2, "dimension", "d", True, respondents=10, mean=48.0),
        SeenFigure(10, 2, "participation", "", True, 10, 12),
        SeenFigure(20, 2, "participation", "", True, 5, 12),
    ]
    summary = summarise(Q4, units, rounds, seen, ["d"], [], date(2026, 11, 20))
    assert summary.area.change("d") == -2.0
    (attention,) = summary.attention
    assert attention.unit.id == 2
    assert {r[0] for r in attention.reasons} == {"index_below", "fall", "rate_below"}


def test_actions_opened_closed_and_overdue_in_the_quarter():
    unit = AreaUnit(1, None, "Team", 0)
    actions = [
        ActionFacts(1, date(2026, 11, 1), ((date(2026, 10, 5), "open"),)),  # opened, overdue
        ActionFacts(1, None, ((date(2026, 9, 1), "open"), (date(2026, 10, 9), "done"))),  # closed
        ActionFacts(1, date(2026, 12, 24), ((date(2026, 12, 1), "open"),)),  # not due yet
        ActionFacts(
            1, date(2026, 8, 1), ((date(2026, 7, 1), "open"), (date(2026, 8, 20), "dropped"))
        ),  # closed before the quarter: nothing
    ]
    (counts,) = count_actions([unit], actions, Q4, today=date(2026, 12, 10))
    assert (counts.opened, counts.closed, counts.overdue) == (2, 1, 1)


def test_a_large_area_shows_its_top_units_and_their_children():
    units = [AreaUnit(0, None, "root", 0)]
    units += [AreaUnit(i, 0, f"area {i}", 1) for i in range(1, 11)]
    units += [AreaUnit(100 + i, 1 + i % 10, f"team {i}", 2) for i in range(300)]
    assert shown_depth(units) == 1
    assert shown_depth(units[:30]) == 2
