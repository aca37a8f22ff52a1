"""MED summaries at scale: 3,000 units render as a page or a PDF within 5 seconds.

The figures are written straight into the release table (as pulse/anonymity/release.py leaves
it): ten areas of thirty workplaces of nine teams, six released rounds over two quarters.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import insert

from pulse.extensions import db
from pulse.models import ReleasedFigure, Round, RoundState, Unit
from tests.factories import (
    load_questions,
    make_committee,
    make_organisation,
    make_person,
    make_unit,
    sign_in,
)

DIMENSIONS = ("vertical_trust", "autonomy")


def test_a_summary_of_3000_units_renders_in_under_5_seconds(app, client):
    """10 areas x 30 workplaces x 9 teams, six released rounds over two quarters."""
    with app.app_context():
        load_questions()
        organisation = make_organisation("Storkommune")
        root = make_unit(organisation, "Storkommune", kind="organisation")
        member = make_person(organisation, name="Mads Medlem")
        committee = make_committee(organisation, [root], [member], "Hoved-MED Storkommune")
        ids, parents = [root.id], [root.id]
        for level, fan_out in (("area", 10), ("workplace", 30), ("team", 9)):
            rows = [
                {
                    "organisation_id": organisation.id,
                    "parent_id": p,
                    "name": f"{level} {p}-{i}",
                    "kind": level,
                }
                for p in parents
                for i in range(fan_out)
            ]
            db.session.execute(insert(Unit), rows)
            parents = list(
                db.session.scalars(
                    db.select(Unit.id).where(
                        Unit.organisation_id == organisation.id, Unit.kind == level
                    )
                )
            )
            ids += parents
        assert len(ids) >= 3000, len(ids)
        figures = []
        for number, month in enumerate((7, 8, 9, 10, 11, 12)):
            round_ = Round(
                organisation_id=organisation.id,
                state=RoundState.RELEASED,
                opens_at=datetime(2026, month, 3),
                closes_at=datetime(2026, month, 10),
                min_group_size=5,
            )
            db.session.add(round_)
            db.session.flush()
            for position, unit_id in enumerate(ids):
                hidden = (position + number) % 7 == 0
                base = {
                    "round_id": round_.id,
                    "unit_id": unit_id,
                    "reason": "too_few" if hidden else None,
                }
                numbers = {} if hidden else {"invited": 12, "respondents": 9}
                figures.append(
                    {
                        **base,
                        "kind": "participation",
                        "ref": "",
                        "suppressed": hidden,
                        **numbers,
                        "mean": None,
                    }
                )
                for dimension_id in DIMENSIONS:
                    value = (
                        {}
                        if hidden
                        else {"respondents": 9, "mean": 40.0 + (position * 7 + number) % 50}
                    )
                    figures.append(
                        {
                            **base,
                            "kind": "dimension",
                            "ref": dimension_id,
                            "suppressed": hidden,
                            "invited": None,
                            **value,
                        }
                    )
        for start in range(0, len(figures), 5000):
            db.session.execute(insert(ReleasedFigure), figures[start : start + 5000])
        db.session.commit()
        committee_id, member_id = committee.id, member.id
    sign_in(client, member_id)
    for suffix in ("", ".pdf", ".xlsx", ".csv"):
        started = time.perf_counter()
        response = client.get(f"/med/{committee_id}/2026-Q4{suffix}")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        # The page and the PDF within 5 s; the files hold ~15,000 rows and get twice that.
        assert elapsed < (5 if suffix in ("", ".pdf") else 10), (suffix, elapsed)
        print(suffix or "page", f"{elapsed:.2f} s")
