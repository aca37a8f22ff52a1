"""The demo municipality is released through the same path as real rounds.

`demo_app` (tests/conftest.py): the demo, made once per backend per session.
"""

from __future__ import annotations

from sqlalchemy import func, select

from pulse.extensions import db
from pulse.models import (
    Membership,
    Participation,
    ReleasedFigure,
    Round,
    RoundMember,
    RoundState,
    Unit,
)


def test_demo_rounds_are_released_and_unlinked(demo_app):
    with demo_app.app_context():
        released = db.session.scalars(
            select(Round.id).where(Round.state == RoundState.RELEASED)
        ).all()
        assert len(released) >= 10
        for round_id in released:
            assert not db.session.scalar(
                select(func.count())
                .select_from(Participation)
                .where(Participation.round_id == round_id)
            )
            assert not db.session.scalar(
                select(func.count())
                .select_from(RoundMember)
                .where(RoundMember.round_id == round_id)
            )


def test_demo_small_teams_show_as_suppressed(demo_app):
    with demo_app.app_context():
        sizes = dict(
            db.session.execute(
                select(Membership.unit_id, func.count()).group_by(Membership.unit_id)
            ).all()
        )
        small = [unit_id for unit_id, size in sizes.items() if size < 5]
        assert small, "the demo has teams under k"
        figures = db.session.scalars(
            select(ReleasedFigure).where(ReleasedFigure.unit_id.in_(small))
        ).all()
        assert figures
        assert all(f.suppressed and f.mean is None and f.respondents is None for f in figures)
        names = db.session.scalars(select(Unit.name).where(Unit.id.in_(small))).all()
        assert "Nattevagten" in names
