"""Release: figures under the rules, comments bound to their group, raw data destroyed."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from pulse.anonymity.sealed import SealError
from pulse.extensions import db
from pulse.figures import round_view
from pulse.models import (
    NotificationLog,
    Organisation,
    Participation,
    Person,
    ReleasedComment,
    ReleasedFigure,
    Round,
    RoundKey,
    RoundMember,
    RoundState,
    RoundTeam,
    SealedAnswer,
    Unit,
)
from pulse.rounds import close_round, release_due, release_round
from pulse.survey.service import Outcome, Submission, submit
from pulse.timeutil import utcnow
from tests.factories import sign_in

#: Tables whose rows name a person: no answer may share a transaction id with any of them.
PERSON_TABLES = (
    "person",
    "membership",
    "role_assignment",
    "committee_member",
    "sign_in_token",
    "participation",
    "round_member",
    "push_subscription",
    "audit_event",
    "privacy_change",
    "action_event",
)


def answer_round(app, world, respondents: dict[int, int], comment: str = "") -> list[int]:
    """Each person in `respondents` answers every question with the given value, in order."""
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        for person_id, value in respondents.items():
            person = db.session.get(Person, person_id)
            answers = {q: value for q in world.question_ids if q != "who5_1"}
            outcome = submit(
                round_,
                person,
                Submission(key=uuid.uuid4().hex, answers=answers, comment=comment),
                utcnow(),
            )
            assert outcome == Outcome.STORED
    return list(respondents.values())


def close_and_release(app, world) -> None:
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        close_round(round_)
        db.session.commit()
        release_round(round_, utcnow())


def figure(app, round_id, kind, ref, unit_id) -> ReleasedFigure:
    with app.app_context():
        row = db.session.scalar(
            select(ReleasedFigure).where(
                ReleasedFigure.round_id == round_id,
                ReleasedFigure.kind == kind,
                ReleasedFigure.ref == ref,
                ReleasedFigure.unit_id == unit_id,
            )
        )
        db.session.expunge(row)
        return row


#: Every table that holds a round's raw data until its release.
RAW_MODELS = (SealedAnswer, RoundKey, Participation, RoundMember, RoundTeam, NotificationLog)


def raw_rows(database, round_id) -> dict[str, int]:
    counts = {m.__tablename__: database.count(m, m.round_id == round_id) for m in RAW_MODELS}
    return {table: count for table, count in counts.items() if count}


def test_release_destroys_the_raw_data_and_keeps_figures_and_comments(app, world, database):
    everyone = [*world.team_a_ids, *world.team_b_ids]
    answer_round(app, world, dict.fromkeys(everyone, 4), comment="Godt arbejde")
    assert set(raw_rows(database, world.round_id)) >= {"sealed_answer", "round_key"}

    close_and_release(app, world)

    assert raw_rows(database, world.round_id) == {}
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        assert round_.state == RoundState.RELEASED and not round_.cleanup_pending
        released = db.session.scalars(select(ReleasedComment)).all()
    # 11 answered: only the workplace reaches comment k = 10, so every comment is bound to it.
    assert [c.body for c in released] == ["Godt arbejde"] * 11
    assert {(c.unit_id, c.path) for c in released} == {
        (world.workplace_id, f"/{world.workplace_id}/")
    }


def test_no_answer_shares_a_transaction_with_a_row_that_names_a_person(app, world):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("xmin exists on PostgreSQL only")

    def xmins(table_names):
        with app.app_context():
            found = set()
            for name in table_names:
                found |= set(db.session.scalars(text(f"SELECT xmin::text FROM {name}")))
            return found

    answer_round(app, world, dict.fromkeys(world.team_a_ids, 4), comment="Fint")
    # Before release the link exists (only to a sealed box): release removes both sides.
    assert xmins(["sealed_answer"]) & xmins(["participation"])
    close_and_release(app, world)
    assert not xmins(["sealed_answer"])
    assert not (xmins(["released_figure", "released_comment"]) & xmins(PERSON_TABLES))


def test_small_groups_are_hidden_with_their_complement(app, world):
    """Team A: 6 answer; team B: 4 answer. B is too few; A is hidden too, or the workplace
    figure minus A would reveal B."""
    answer_round(
        app, world, {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids[:4], 2)}
    )
    close_and_release(app, world)
    b = figure(app, world.round_id, "question", "vt_trusted", world.team_b_id)
    a = figure(app, world.round_id, "question", "vt_trusted", world.team_a_id)
    whole = figure(app, world.round_id, "question", "vt_trusted", world.workplace_id)
    assert b.suppressed and b.reason == "too_few"
    assert b.respondents is None and b.mean is None and b.distribution is None
    assert a.suppressed and a.reason == "protects_others" and a.mean is None
    assert not whole.suppressed and whole.respondents == 10 and whole.mean == 3.2
    assert whole.distribution == {"1": 0, "2": 4, "3": 0, "4": 6, "5": 0}
    dimension = figure(app, world.round_id, "dimension", "vertical_trust", world.workplace_id)
    assert dimension.mean == pytest.approx(55.0)  # 3.2 on 1-5 is 55 on 0-100


def test_distribution_needs_ten_and_comments_need_ten(app, world):
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 3), comment="Godt hold")
    close_and_release(app, world)
    question = figure(app, world.round_id, "question", "vt_trusted", world.team_a_id)
    assert not question.suppressed and question.respondents == 6
    assert question.distribution is None  # 6 < 10
    comments = figure(app, world.round_id, "comments", "", world.team_a_id)
    assert comments.suppressed and comments.reason == "too_few"


def test_a_viewer_in_a_group_of_exactly_k_sees_it_hidden(app, world):
    answer_round(app, world, dict.fromkeys(world.team_a_ids[:5], 4))
    close_and_release(app, world)
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        outsider_view = round_view(round_, viewer_unit_id=None)
        member_view = round_view(round_, viewer_unit_id=world.team_a_id)
    key = ("question", "vt_trusted", world.team_a_id)
    assert outsider_view[key].shown and outsider_view[key].respondents == 5
    assert not member_view[key].shown and member_view[key].mean is None


def test_suppressed_team_shows_no_number_in_the_html(app, world, client):
    answer_round(
        app, world, {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids[:4], 2)}
    )
    close_and_release(app, world)
    sign_in(client, world.bob)  # a member of team B (4 respondents)
    html = client.get("/").get_data(as_text=True)
    section = re.search(
        rf'<section[^>]*data-results-unit="{world.team_b_id}".*?</section>', html, re.S
    )
    assert section, "the home page shows the team's latest results section"
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", section.group(0))), section.group(0)
    assert "<meter" not in section.group(0)


def test_visible_team_results_show_on_the_home_page(app, world, client):
    answer_round(
        app, world, {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids, 2)}
    )
    close_and_release(app, world)
    sign_in(client, world.bob)  # team B: 5 answered, but Bob is one of them -> needs 6
    html = client.get("/").get_data(as_text=True)
    own = re.search(rf'<section[^>]*data-results-unit="{world.team_b_id}".*?</section>', html, re.S)
    assert own and "<meter" not in own.group(0)  # (his history may show the workplace's)
    sign_in(client, world.alice)  # team A: 6 answered, Alice among them -> 6 >= k + 1
    html = client.get("/").get_data(as_text=True)
    assert 'value="75.0"' in html  # 4 on 1-5 is 75 on 0-100


def test_release_is_frozen_and_only_for_closed_rounds(app, world):
    answer_round(app, world, dict.fromkeys(world.team_a_ids[:5], 4))
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        with pytest.raises(ValueError, match="only a closed round"):
            release_round(round_, utcnow())
    close_and_release(app, world)
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        with pytest.raises(ValueError):
            release_round(round_, utcnow())
        late = db.session.get(Person, world.team_a_ids[5])
        outcome = submit(round_, late, Submission(key=uuid.uuid4().hex), utcnow())
    assert outcome in {Outcome.CLOSED, Outcome.NOT_INVITED}
    assert database_count(app, SealedAnswer) == 0


def database_count(app, model) -> int:
    with app.app_context():
        return len(db.session.scalars(select(model)).all())


def test_release_happens_after_the_delay_by_tick(app, world, runner):
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 4))
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        round_.opens_at = utcnow() - timedelta(days=8)
        round_.closes_at = utcnow() - timedelta(hours=47)
        db.session.commit()
    assert runner.invoke(args=["pulse", "tick"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Round, world.round_id).state == RoundState.CLOSED  # 47 h < 48 h
        assert release_due(utcnow() + timedelta(hours=2)) == [world.round_id]


def test_release_command(app, world, runner):
    result = runner.invoke(args=["pulse", "release", str(world.round_id)])
    assert result.exit_code != 0 and "still open" in result.output
    assert runner.invoke(args=["pulse", "release", "999999"]).exit_code != 0
    with app.app_context():
        close_round(db.session.get(Round, world.round_id))
        db.session.commit()
    result = runner.invoke(args=["pulse", "release", str(world.round_id)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Round, world.round_id).state == RoundState.RELEASED


def test_retention_deletes_released_comments_but_keeps_figures(app, world, runner):
    everyone = [*world.team_a_ids, *world.team_b_ids]
    answer_round(app, world, dict.fromkeys(everyone, 4), comment="Hej")
    close_and_release(app, world)
    assert runner.invoke(args=["pulse", "retention"]).exit_code == 0
    assert database_count(app, ReleasedComment) == 11  # released just now: kept
    with app.app_context():
        db.session.get(Round, world.round_id).released_at = utcnow() - timedelta(days=30 * 25)
        db.session.commit()
    assert runner.invoke(args=["pulse", "retention"]).exit_code == 0
    assert database_count(app, ReleasedComment) == 0
    assert database_count(app, ReleasedFigure) > 0


def test_comments_of_a_group_below_comment_k_are_destroyed(app, world, database):
    """8 answer (6 in A, 2 in B): no group reaches 10, so no comment is kept anywhere."""
    answer_round(
        app,
        world,
        {**dict.fromkeys(world.team_a_ids, 4), **dict.fromkeys(world.team_b_ids[:2], 2)},
        comment="Travlt",
    )
    close_and_release(app, world)
    assert database.count(ReleasedComment) == 0
    assert raw_rows(database, world.round_id) == {}


def test_sqlite_journal_holds_no_deleted_rows_after_release(app, world):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the -wal journal is SQLite's")
        path = db.engine.url.database
    answer_round(app, world, dict.fromkeys(world.team_a_ids, 4), comment="Særlig-sætning-42")
    with app.app_context():
        hashes = list(db.session.scalars(select(Participation.key_hash)))
    assert len(hashes) == 6
    close_and_release(app, world)
    import os

    wal = path + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0
    with open(path, "rb") as database_file:
        content = database_file.read()
    # Six answered: the comment was below comment k, so it was destroyed (never in clear
    # anyway); secure_delete zeroes freed space, so no deleted participation row survives.
    assert "Særlig-sætning-42".encode() not in content
    for key_hash in hashes:
        assert key_hash.encode() not in content


def test_a_member_of_a_group_of_exactly_ten_sees_no_distribution(app, world):
    with app.app_context():
        from tests.factories import make_people

        team_a = db.session.get(Unit, world.team_a_id)
        organisation = db.session.get(Organisation, world.organisation_id)
        extra = make_people(organisation, team_a, 4)
        db.session.commit()
        extra_ids = [p.id for p in extra]
    # Team A now has 10 members; the world's round froze 6 at opening, so open a new one.
    with app.app_context():
        from pulse.rounds import create_round, open_round

        organisation = db.session.get(Organisation, world.organisation_id)
        round_ = create_round(
            organisation,
            ["vt_trusted"],
            utcnow() - timedelta(hours=1),
            utcnow() + timedelta(days=1),
        )
        open_round(round_, [world.team_a_id])
        db.session.commit()
        new_round_id = round_.id
        for person_id in [*world.team_a_ids, *extra_ids]:
            submit(
                round_,
                db.session.get(Person, person_id),
                Submission(key=uuid.uuid4().hex, answers={"vt_trusted": 3}),
                utcnow(),
            )
        round_ = db.session.get(Round, new_round_id)
        close_round(round_)
        db.session.commit()
        release_round(round_, utcnow())
        round_ = db.session.get(Round, new_round_id)
        outsider = round_view(round_, None)[("question", "vt_trusted", world.team_a_id)]
        member = round_view(round_, world.team_a_id)[("question", "vt_trusted", world.team_a_id)]
    assert outsider.distribution == {"1": 0, "2": 0, "3": 10, "4": 0, "5": 0}
    assert member.shown and member.mean == 3.0  # 10 >= k + 1: the score is shown
    assert member.distribution is None  # 10 < 10 + 1: not the distribution


def test_a_release_refused_for_a_wrong_key_leaves_the_connection_usable(app, world, database):
    """A wrong PULSE_ANSWER_KEY refuses the release loudly and changes nothing; the box cursor
    it opened is closed at once, not later inside someone else's transaction."""
    import gc

    answer_round(app, world, dict.fromkeys(world.team_a_ids, 4))
    with app.app_context():
        round_ = db.session.get(Round, world.round_id)
        close_round(round_)
        db.session.commit()
        right_key = app.config["PULSE_ANSWER_KEY"]
        app.config["PULSE_ANSWER_KEY"] = "not-the-key-the-round-was-sealed-with"
        try:
            with pytest.raises(SealError) as refused:
                release_round(round_, utcnow())
            db.session.rollback()
            state = db.session.scalar(select(Round.state).where(Round.id == world.round_id))
            assert state == RoundState.CLOSED
            del refused
            gc.collect()  # whatever the failed release left behind is collected here
            assert db.session.scalar(text("SELECT 1")) == 1
            db.session.commit()
        finally:
            app.config["PULSE_ANSWER_KEY"] = right_key
    assert raw_rows(database, world.round_id)["sealed_answer"] == len(world.team_a_ids)
