"""`flask pulse verify`: passes on an honest database, fails with a clear line on a damaged one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from pulse.extensions import db
from pulse.models import (
    Participation,
    ReleasedComment,
    ReleasedFigure,
    Round,
    SealedAnswer,
)
from tests.integration.test_release import answer_round, close_and_release


def verify(app):
    return app.test_cli_runner().invoke(args=["pulse", "verify"])


def test_verify_passes_on_the_demo(demo_app):
    result = verify(demo_app)
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert "7 of 7 promises hold." in result.output


def released_world(app, world):
    everyone = [*world.team_a_ids, *world.team_b_ids]
    answer_round(app, world, dict.fromkeys(everyone, 4), comment="Godt")
    close_and_release(app, world)


def keep_a_participation(world):
    db.session.add(Participation(round_id=world.round_id, person_id=world.alice, key_hash="x"))


def show_a_small_figure(world):
    db.session.execute(
        update(ReleasedFigure)
        .where(
            ReleasedFigure.round_id == world.round_id,
            ReleasedFigure.unit_id == world.workplace_id,
            ReleasedFigure.kind == "participation",
        )
        .values(respondents=3)
    )


def keep_a_comment_of_a_hidden_group(world):
    db.session.add(
        ReleasedComment(
            round_id=world.round_id,
            unit_id=world.team_b_id,
            path=f"/{world.workplace_id}/{world.team_b_id}/",
            audience="trio",
            body="Fra team B alene",
        )
    )


def reveal_a_hidden_sibling(world):
    """Team B's figure hidden, team A's shown for 6 and the workplace's for 9: the workplace
    minus team A isolates 3 people."""
    db.session.execute(
        update(ReleasedFigure)
        .where(
            ReleasedFigure.round_id == world.round_id,
            ReleasedFigure.unit_id == world.team_b_id,
            ReleasedFigure.kind == "question",
            ReleasedFigure.ref == "vt_trusted",
        )
        .values(suppressed=True, reason="too_few", respondents=None, mean=None, invited=None)
    )
    db.session.execute(
        update(ReleasedFigure)
        .where(
            ReleasedFigure.round_id == world.round_id,
            ReleasedFigure.unit_id == world.workplace_id,
            ReleasedFigure.kind == "question",
            ReleasedFigure.ref == "vt_trusted",
        )
        .values(respondents=9, distribution=None)
    )


DAMAGES = {
    "participation": (keep_a_participation, "participation: 1 row(s) of released round"),
    "small figure": (show_a_small_figure, "shown for 3 (< 5)"),
    "comment of a hidden group": (keep_a_comment_of_a_hidden_group, "whose comments are hidden"),
    "subtraction": (reveal_a_hidden_sibling, "minus its shown sub-units it isolates 3 (< 5)"),
}


@pytest.mark.parametrize("damage, line", DAMAGES.values(), ids=DAMAGES.keys())
def test_verify_fails_with_a_clear_line_on_a_damaged_database(app, world, damage, line):
    released_world(app, world)
    assert verify(app).exit_code == 0, verify(app).output
    with app.app_context():
        damage(world)
        db.session.commit()

    result = verify(app)

    assert result.exit_code == 1
    assert line in result.output, result.output
    assert "FAIL" in result.output


def test_verify_finds_a_plaintext_answer_in_an_open_round(app, world):
    answer_round(app, world, dict.fromkeys(world.team_a_ids[:2], 4))
    assert verify(app).exit_code == 0, verify(app).output
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        db.session.add(
            SealedAnswer(id=uuid.uuid4(), round_id=round_.id, box=b'{"u":1,"a":{"vt_trusted":4}}')
        )
        db.session.commit()
        assert db.session.scalar(select(SealedAnswer.id).limit(1))

    result = verify(app)

    assert result.exit_code == 1
    assert "FAIL  No plaintext raw answer or comment of an open round" in result.output
    assert "1 raw answer row(s) of 28 bytes, not sealed boxes" in result.output
