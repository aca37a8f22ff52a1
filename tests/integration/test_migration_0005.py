"""Migration 0005 on a database with data: plaintext answers of open rounds are sealed, those of
released rounds are gone, released comments are bound to shown groups, used links deleted."""

from __future__ import annotations

import uuid
from datetime import datetime

import flask_migrate
import pytest
import sqlalchemy as sa

from pulse.content import load_question_bank
from pulse.extensions import db
from tests.conftest import dispose_engines, make_app, migration_environment
from tests.sealed import opened_boxes


@pytest.fixture
def old_app(database_backend, database_factory):
    app = make_app(database_factory.create(database_backend, migrated=False))
    with migration_environment(), app.app_context():
        flask_migrate.upgrade(revision="0004")
    yield app
    dispose_engines(app)


def run(statement: str, **values) -> None:
    db.session.execute(sa.text(statement), values)


def test_0005_seals_open_rounds_and_destroys_released_ones(old_app):
    with old_app.app_context():
        load_question_bank()
        run(
            "INSERT INTO organisation (id, name, default_locale, min_group_size,"
            " min_distribution_size, min_comment_group_size, comments_enabled)"
            " VALUES (1, 'K', 'da', 5, 10, 10, true)"
        )
        run(
            "INSERT INTO unit (id, organisation_id, parent_id, name, kind)"
            " VALUES (1, 1, NULL, 'W', 'workplace')"
        )
        run(
            "INSERT INTO unit (id, organisation_id, parent_id, name, kind)"
            " VALUES (2, 1, 1, 'A', 'team')"
        )
        run(
            "INSERT INTO person (id, organisation_id, name, active, session_version)"
            " VALUES (1, 1, 'P', true, 0)"
        )
        for round_id, state in ((1, "open"), (2, "released")):
            run(
                "INSERT INTO round (id, organisation_id, state, opens_at, closes_at,"
                " release_delay_hours, comments_enabled) VALUES (:r, 1, :s, :o, :c, 48, true)",
                r=round_id,
                s=state,
                o=datetime(2026, 1, 1),
                c=datetime(2026, 1, 8),
            )
            run(
                "INSERT INTO round_team (round_id, unit_id, invited, participants)"
                " VALUES (:r, 2, 6, 6)",
                r=round_id,
            )
            for value in (1, 2, 3):
                run(
                    "INSERT INTO answer (id, round_id, unit_id, question_id, value)"
                    " VALUES (:i, :r, 2, 'vt_trusted', :v)",
                    i=uuid.uuid4().hex,
                    r=round_id,
                    v=value,
                )
            run(
                "INSERT INTO comment (id, round_id, unit_id, audience, body)"
                " VALUES (:i, :r, 2, 'reps', 'Hej')",
                i=uuid.uuid4().hex,
                r=round_id,
            )
        run(
            "INSERT INTO released_figure (round_id, unit_id, kind, ref, suppressed, reason,"
            " respondents) VALUES (2, 1, 'comments', '', false, NULL, 11)"
        )
        run(
            "INSERT INTO released_figure (round_id, unit_id, kind, ref, suppressed, reason)"
            " VALUES (2, 2, 'comments', '', true, 'too_few')"
        )
        run(
            "INSERT INTO sign_in_token (person_id, token_hash, expires_at, used_at)"
            " VALUES (1, 'used', :t, :t)",
            t=datetime(2026, 1, 2),
        )
        run(
            "INSERT INTO sign_in_token (person_id, token_hash, expires_at) VALUES (1, 'new', :t)",
            t=datetime(2026, 1, 2),
        )
        db.session.commit()

    with migration_environment(), old_app.app_context():
        flask_migrate.upgrade()

    with old_app.app_context():
        boxes = opened_boxes(1)
        assert sorted(v for b in boxes for v in b.answers.values()) == [1, 2, 3]
        assert [(b.unit_id, b.audience, b.comment) for b in boxes if b.comment] == [
            (2, "reps", "Hej")
        ]
        assert opened_boxes(2) == []
        released = db.session.execute(
            sa.text("SELECT round_id, unit_id, path, body FROM released_comment")
        ).all()
        assert [tuple(r) for r in released] == [(2, 1, "/1/", "Hej")]
        teams = db.session.execute(sa.text("SELECT round_id FROM round_team")).scalars().all()
        assert teams == [1]
        tokens = db.session.execute(sa.text("SELECT token_hash FROM sign_in_token")).scalars().all()
        assert tokens == ["new"]
        paths = (
            db.session.execute(sa.text("SELECT path FROM released_figure ORDER BY unit_id"))
            .scalars()
            .all()
        )
        assert paths == ["/1/", "/1/2/"]
