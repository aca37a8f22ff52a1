"""A MED committee's world for the summary tests: rounds written straight into the release
table (as pulse/anonymity/release.py leaves it), so a test knows every released and every
hidden figure and can compute the quarter's figures independently (the `scene` fixture;
tests/integration/conftest.py makes it available)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from pulse.extensions import db
from pulse.models import ReleasedFigure, Role, Round, RoundState
from tests.factories import (
    assign_role,
    load_questions,
    make_committee,
    make_organisation,
    make_person,
    make_unit,
)

#: (closes_at, quarter): two rounds in Q3 2026 and two in Q4 2026 (mid-month: no zone edge).
ROUNDS = [
    (datetime(2026, 8, 12, 10), "Q3"),
    (datetime(2026, 9, 16, 10), "Q3"),
    (datetime(2026, 10, 14, 10), "Q4"),
    (datetime(2026, 11, 18, 10), "Q4"),
]
DIMENSIONS = ("vertical_trust", "autonomy")
#: unit -> per round: (invited, respondents) or None where the release hid the unit.
PARTICIPATION = {
    "area": [(40, 30), (40, 26), (41, 33), (41, 29)],
    "a": [(20, 16), (20, 14), (21, 18), (21, 15)],
    "b": [(14, 10), (14, 8), None, (14, 10)],
    "c": [None, None, None, None],
}
#: unit -> dimension -> per round: (respondents, mean) or None (hidden).
INDEX = {
    "area": {"vertical_trust": [(30, 61.2), (26, 58.4), (33, 66.0), (29, 48.3)],
             "autonomy": [(30, 70.0), (26, 71.5), (33, 69.9), (29, 72.2)]},
    "a": {"vertical_trust": [(16, 64.0), (14, 60.1), (18, 70.2), (15, 45.5)],
          "autonomy": [(16, 75.0), (14, 73.0), (18, 71.0), (15, 70.0)]},
    "b": {"vertical_trust": [(10, 57.5), (8, 55.0), None, (10, 52.0)],
          "autonomy": [(10, 66.0), (8, 69.0), None, (10, 74.0)]},
    "c": {"vertical_trust": [None] * 4, "autonomy": [None] * 4},
}  # fmt: skip


@dataclass(frozen=True)
class Scene:
    committee_id: int
    other_committee_id: int
    units: dict[str, int]
    member_id: int
    admin_id: int
    other_member_id: int
    trio_id: int
    employee_id: int


@pytest.fixture
def scene(app) -> Scene:
    with app.app_context():
        load_questions()
        organisation = make_organisation("Testkommune")
        root = make_unit(organisation, "Testkommune", kind="organisation")
        area = make_unit(organisation, "Ældreområdet", parent=root, kind="area")
        a = make_unit(organisation, "Hjemmeplejen Syd", parent=area)
        b = make_unit(organisation, "Plejehjemmet Lyngen", parent=area)
        c = make_unit(organisation, "Natholdet", parent=area)
        other = make_unit(organisation, "Skoleområdet", parent=root, kind="area")
        units = {"root": root.id, "area": area.id, "a": a.id, "b": b.id, "c": c.id}
        member = make_person(organisation, name="Mette Medlem")  # no team, no TRIO role
        other_member = make_person(organisation, name="Otto Andetudvalg")
        trio = make_person(organisation, name="Lis Leder")
        assign_role(trio, Role.LEADER, area)
        employee = make_person(organisation, a, name="Erik Ansat")
        admin = make_person(organisation, name="Ada Admin")
        assign_role(admin, Role.ADMIN)
        committee = make_committee(organisation, [area], [member], "Område-MED Ældre")
        other_committee = make_committee(organisation, [other], [other_member], "Område-MED Skole")
        for number, (closes_at, _quarter) in enumerate(ROUNDS):
            round_ = Round(
                organisation_id=organisation.id,
                state=RoundState.RELEASED,
                opens_at=closes_at.replace(day=closes_at.day - 7),
                closes_at=closes_at,
                released_at=closes_at,
                min_group_size=5,
            )
            db.session.add(round_)
            db.session.flush()
            for key, figures in PARTICIPATION.items():
                db.session.add(_figure(round_.id, units[key], "participation", "", figures[number]))
            for key, dimensions in INDEX.items():
                for dimension_id, figures in dimensions.items():
                    value = figures[number]
                    db.session.add(
                        _figure(round_.id, units[key], "dimension", dimension_id, value, index=True)
                    )
        db.session.commit()
        return Scene(
            committee.id,
            other_committee.id,
            units,
            member.id,
            admin.id,
            other_member.id,
            trio.id,
            employee.id,
        )


def _figure(round_id, unit_id, kind, ref, value, index=False) -> ReleasedFigure:
    if value is None:
        return ReleasedFigure(
            round_id=round_id,
            unit_id=unit_id,
            kind=kind,
            ref=ref,
            suppressed=True,
            reason="too_few",
        )
    if index:
        respondents, mean = value
        return ReleasedFigure(
            round_id=round_id,
            unit_id=unit_id,
            kind=kind,
            ref=ref,
            suppressed=False,
            respondents=respondents,
            mean=mean,
        )
    invited, respondents = value
    return ReleasedFigure(
        round_id=round_id,
        unit_id=unit_id,
        kind=kind,
        ref=ref,
        suppressed=False,
        invited=invited,
        respondents=respondents,
    )


def expected_index(unit: str, dimension: str, quarter: str) -> float | None:
    """The independent computation: respondent-weighted mean of the quarter's shown figures."""
    pairs = [
        value
        for (_closes, q), value in zip(ROUNDS, INDEX[unit][dimension], strict=True)
        if q == quarter and value is not None
    ]
    total = sum(n for n, _mean in pairs)
    return round(sum(n * mean for n, mean in pairs) / total, 1) if total else None


def da(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


SUMMARY = "/med/{id}/2026-Q4"
EXPORTS = ("", ".pdf", ".csv", ".xlsx")
