"""Destroy at release, verified: nothing raw survives in tables, pages or the journal, and a
release whose clean-up could not complete says so and is retried."""

from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from sqlalchemy import select, text

from pulse.extensions import db
from pulse.models import Round, RoundState, Unit
from pulse.results.data import comments_for
from tests.factories import make_unit
from tests.integration.test_release import answer_round, close_and_release, raw_rows

DISTINCTIVE = "Ulrikkes-hemmelige-sætning-4711"


def backend(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def close(app, world) -> None:
    from pulse.rounds import close_round

    with app.app_context():
        close_round(db.session.get(Round, world.round_id))
        db.session.commit()


@pytest.mark.parametrize("answering", ["team_a", "everyone"])
def test_after_release_no_table_holds_raw_data_of_the_round(app, world, database, answering):
    people = world.team_a_ids if answering == "team_a" else [*world.team_a_ids, *world.team_b_ids]
    answer_round(app, world, dict.fromkeys(people, 3), comment=DISTINCTIVE)
    close_and_release(app, world)
    # No participation, frozen member or team, box, key or notification of the round.
    assert raw_rows(database, world.round_id) == {}
    with app.app_context():
        state, pending = db.session.execute(
            select(Round.state, Round.cleanup_pending).where(Round.id == world.round_id)
        ).one()
    assert (state, pending) == (RoundState.RELEASED, False)


def test_a_reader_holding_the_sqlite_file_fails_the_release_loudly_and_the_tick_retries(
    app, world, runner
):
    if backend(app) != "sqlite":
        pytest.skip("the journal checkpoint is SQLite's")
    with app.app_context():
        path = db.engine.url.database
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 3), comment=DISTINCTIVE)
    close(app, world)

    reader = sqlite3.connect(path)  # a backup, a report, an open sqlite3 shell
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM participation").fetchall()  # holds a snapshot
        result = runner.invoke(args=["pulse", "release", str(world.round_id)])
        assert result.exit_code != 0
        assert "could not be cleaned out of the database files" in result.output
        with app.app_context():
            round_ = db.session.get(Round, world.round_id)
            assert round_.state == RoundState.RELEASED and round_.cleanup_pending
        assert os.path.getsize(path + "-wal") > 0  # the journal still holds the old pages
        verify = runner.invoke(args=["pulse", "verify"])
        assert verify.exit_code != 0 and "FAIL" in verify.output
    finally:
        reader.rollback()
        reader.close()

    assert runner.invoke(args=["pulse", "tick"]).exit_code == 0
    with app.app_context():
        assert not db.session.get(Round, world.round_id).cleanup_pending
    assert os.path.getsize(path + "-wal") == 0
    with open(path, "rb") as database_file:
        assert DISTINCTIVE.encode() not in database_file.read()
    assert runner.invoke(args=["pulse", "verify"]).exit_code == 0


def test_a_postgres_clean_up_that_cannot_complete_fails_loudly_and_the_tick_retries(
    app, world, runner
):
    if backend(app) != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    import psycopg

    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 3))
    close(app, world)
    holder = psycopg.connect(url)  # someone else's long transaction holding a table lock
    try:
        holder.execute("LOCK TABLE sealed_answer IN SHARE UPDATE EXCLUSIVE MODE")
        result = runner.invoke(args=["pulse", "release", str(world.round_id)])
        assert result.exit_code != 0
        assert "could not be cleaned out of the database files" in result.output
        assert runner.invoke(args=["pulse", "verify"]).exit_code == 1
    finally:
        holder.rollback()
        holder.close()
    assert runner.invoke(args=["pulse", "tick"]).exit_code == 0
    with app.app_context():
        assert not db.session.get(Round, world.round_id).cleanup_pending
    assert runner.invoke(args=["pulse", "verify"]).exit_code == 0


def raw_pages(relation: str) -> bytes:
    """Every page of a table (and of its TOAST table) as PostgreSQL stores it, dead tuples and
    free space included (pageinspect)."""
    pages = []
    names = [relation]
    toast = db.session.scalar(
        text(
            "SELECT t.relname FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid"
            " WHERE c.relname = :r"
        ),
        {"r": relation},
    )
    if toast:
        names.append(f"pg_toast.{toast}")
    for name in names:
        size = db.session.scalar(text("SELECT pg_relation_size(CAST(:r AS regclass))"), {"r": name})
        for block in range(size // 8192):
            pages.append(
                db.session.scalar(text("SELECT get_raw_page(:r, :b)"), {"r": name, "b": block})
            )
    return b"".join(pages)


def all_tables() -> list[str]:
    return list(
        db.session.scalars(
            text(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        )
    )


def test_postgres_raw_pages_hold_no_plaintext_answer_or_comment_open_or_released(app, world):
    if backend(app) != "postgresql":
        pytest.skip("pageinspect is PostgreSQL's")
    with app.app_context():
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db.session.commit()
    # Six answer: the comment is below comment k and must never be readable, open or released.
    # (Unique to this run: other tests' rows, deleted since, still lie in the pages.)
    distinctive = f"{DISTINCTIVE}-{uuid.uuid4().hex}"
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 3), comment=distinctive)
    secrets = [distinctive.encode(), b"vt_trusted", b"vt_information"]
    with app.app_context():
        db.session.execute(text("CHECKPOINT"))
        while_open = raw_pages("sealed_answer")
        assert while_open  # the boxes are there...
        assert not [s for s in secrets if s in while_open]  # ...but nothing in clear
    close_and_release(app, world)
    with app.app_context():
        db.session.execute(text("CHECKPOINT"))
        for table in all_tables():
            content = raw_pages(table)
            assert distinctive.encode() not in content, table


def test_moving_a_unit_after_release_changes_no_comment_list(app, world):
    answer_round(
        app, world, dict.fromkeys([*world.team_a_ids, *world.team_b_ids], 3), comment="Fint"
    )
    close_and_release(app, world)
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        workplace = db.session.get(Unit, world.workplace_id)
        before = sorted(comments_for(round_, workplace, None, representatives=True))
        # Team A moves to a new workplace; the released list of the old one stays as released,
        # and the new one, which had no figure in that round, lists nothing.
        elsewhere = make_unit(workplace.organisation, "Nyt sted", kind="workplace")
        db.session.get(Unit, world.team_a_id).parent_id = elsewhere.id
        db.session.commit()
        after = sorted(comments_for(round_, workplace, None, representatives=True))
        moved_to = comments_for(round_, elsewhere, None, representatives=True)
    assert before == after == ["Fint"] * 11
    assert moved_to is None
