"""The database side of a release: open the boxes once, compute, keep the result, destroy the rest.

`release_data` runs inside the caller's transaction (pulse/rounds.py owns the round's state):
1. the round key is unwrapped and every box of the round opened, once, in memory;
2. `compute_release` (anonymity/compute.py, pure) turns counts into figures and the comments
   the comments rule releases, each bound to its group;
3. figures go to `released_figure`, comments to `released_comment`;
4. the boxes, the round key, participation, the frozen members and teams, and the notification
   log of the round are deleted.
Nothing kept states a count, a label or a group the rules did not show.

`clean_up` then makes sure the deleted rows are gone from the files too, and says whether it
could: SQLite must empty its journal (another reader can prevent that), PostgreSQL must vacuum
the raw tables. A release whose clean-up failed is not done (docs/anonymity.md).
"""

from __future__ import annotations

import gc
import itertools
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import closing, contextmanager

from flask import current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from pulse.anonymity.compute import QuestionSpec, ReleaseInput, ReleaseResult, compute_release
from pulse.anonymity.sealed import Contents, key_encryption_key, open_boxes, unwrap_round_key
from pulse.anonymity.settings import round_settings
from pulse.bulk import insert_rows
from pulse.extensions import db
from pulse.models import (
    NotificationLog,
    Organisation,
    Participation,
    ReleasedComment,
    ReleasedFigure,
    Round,
    RoundKey,
    RoundMember,
    RoundTeam,
    SealedAnswer,
    Unit,
)
from pulse.tree import Tree

log = logging.getLogger(__name__)

#: Tables that hold a round's raw data until release, and are vacuumed after it.
RAW_TABLES = (
    "sealed_answer",
    "round_key",
    "participation",
    "round_member",
    "round_team",
    "notification_log",
)


def release_data(round_: Round) -> ReleaseResult:
    """Compute and store the round's figures and comments, then delete its raw data."""
    with _collector_paused():
        return _release_data(round_)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a release makes its hundreds of thousands of small,
    acyclic objects (box contents, counters, figure rows): otherwise it keeps walking the whole
    heap and takes a third of the computation. Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _release_data(round_: Round) -> ReleaseResult:
    data = read_round(round_)
    result = compute_release(data)
    tree = Tree(data.parents)
    paths = {unit_id: tree.path(unit_id) for unit_id in data.parents}
    insert_rows(
        ReleasedFigure.__table__,
        FIGURE_COLUMNS,
        [
            (
                round_.id,
                f.unit_id,
                f.kind,
                f.ref,
                f.suppressed,
                f.reason,
                f.invited,
                f.respondents,
                f.mean,
                f.distribution,
                paths.get(f.unit_id),
            )
            for f in result.figures
        ],
    )
    insert_rows(
        ReleasedComment.__table__,
        COMMENT_COLUMNS,
        [(uuid.uuid4(), round_.id, c.unit_id, c.path, c.audience, c.body) for c in result.comments],
    )
    destroy_raw_data(round_.id)
    return result


FIGURE_COLUMNS = (
    "round_id",
    "unit_id",
    "kind",
    "ref",
    "suppressed",
    "reason",
    "invited",
    "respondents",
    "mean",
    "distribution",
    "path",
)
COMMENT_COLUMNS = ("id", "round_id", "unit_id", "path", "audience", "body")


def read_round(round_: Round) -> ReleaseInput:
    """Everything `compute_release` needs, with the boxes opened (the only time they are)."""
    organisation = db.session.get(Organisation, round_.organisation_id)
    settings = round_settings(round_, organisation)
    parents = dict(
        db.session.execute(
            select(Unit.id, Unit.parent_id).where(Unit.organisation_id == organisation.id)
        ).all()
    )
    invited = dict(
        db.session.execute(
            select(RoundTeam.unit_id, RoundTeam.invited).where(RoundTeam.round_id == round_.id)
        ).all()
    )
    answers: dict[str, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    comments: dict[int, list[tuple[str, str]]] = defaultdict(list)
    with closing(_opened_boxes(round_.id)) as opened:
        for contents in opened:
            for question_id, value in contents.answers.items():
                answers[question_id][contents.unit_id][value] += 1
            if contents.comment and round_.comments_enabled:
                comments[contents.unit_id].append((contents.audience or "trio", contents.comment))
    questions = [
        QuestionSpec(
            id=rq.question.id,
            dimension_id=rq.question.dimension_id,
            scale_min=rq.question.scale.min_value,
            scale_max=rq.question.scale.max_value,
            reversed=rq.question.reversed,
        )
        for rq in round_.questions
    ]
    return ReleaseInput(
        parents=parents,
        invited=invited,
        participants=_participants_per_team(round_.id),
        answers=answers,
        comments=comments,
        questions=questions,
        k=settings.k,
        comment_k=settings.comment_k,
        distribution_k=settings.distribution_k,
    )


def _opened_boxes(round_id: int) -> Iterator[Contents]:
    """The round's boxes, opened. The box cursor is closed when this ends, however it ends (a
    wrong key, a damaged box, an error of the caller's loop): left to the garbage collector,
    its CLOSE would run later, inside whatever transaction the connection is in by then."""
    wrapped = db.session.scalar(select(RoundKey.wrapped).where(RoundKey.round_id == round_id))
    boxes = _boxes(round_id)
    try:
        first = next(boxes, None)
        if first is None:  # a round nobody answered needs no key
            return
        if wrapped is None:
            raise RuntimeError(f"round {round_id} has answers but no key")
        kek = key_encryption_key(current_app.config["PULSE_ANSWER_KEY"])
        key = unwrap_round_key(round_id, wrapped, kek)
        yield from open_boxes(key, round_id, itertools.chain([first], boxes))
    finally:
        boxes.close()


def _boxes(round_id: int) -> Iterator[bytes]:
    """The round's boxes, streamed. On PostgreSQL in binary from a server-side cursor: the
    default text format sends every byte of 30,000 padded boxes as two hex digits."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        query = select(SealedAnswer.box).where(SealedAnswer.round_id == round_id)
        yield from connection.execute(query.execution_options(yield_per=2000)).scalars()
        return
    driver = connection.connection.driver_connection
    with driver.cursor(name="release_boxes", binary=True) as cursor:
        cursor.execute("SELECT box FROM sealed_answer WHERE round_id = %s", (round_id,))
        while rows := cursor.fetchmany(2000):
            yield from (box for (box,) in rows)


def _participants_per_team(round_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(RoundMember.unit_id, func.count())
        .select_from(Participation)
        .join(
            RoundMember,
            (RoundMember.round_id == Participation.round_id)
            & (RoundMember.person_id == Participation.person_id),
        )
        .where(Participation.round_id == round_id)
        .group_by(RoundMember.unit_id)
    ).all()
    return {unit_id: count for unit_id, count in rows}


def destroy_raw_data(round_id: int) -> None:
    """Delete everything of the round that names a person or holds a raw answer."""
    for model in (SealedAnswer, RoundKey, Participation, RoundMember, RoundTeam, NotificationLog):
        db.session.execute(delete(model).where(model.round_id == round_id))


def clean_up() -> bool:
    """Make deleted rows unreadable from the database files; False if that could not be done.

    SQLite: deleted rows are zeroed in the main file (secure_delete), but the write-ahead
    journal keeps copies of the pages until a checkpoint folds it in; `TRUNCATE` empties it,
    and reports busy when another connection's read transaction prevents that.
    PostgreSQL: VACUUM turns the deleted tuples of the raw tables into free space.
    """
    db.session.commit()
    try:
        if db.engine.dialect.name == "sqlite":
            busy, _log_frames, _done = db.session.execute(
                text("PRAGMA wal_checkpoint(TRUNCATE)")
            ).one()
            db.session.commit()
            return busy == 0
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # Fail rather than wait behind someone's lock; the tick will try again.
                conn.execute(text("SET lock_timeout = '5s'"))
                for table in RAW_TABLES:
                    conn.execute(text(f"VACUUM {table}"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("Clean-up after release failed; it will be retried.", exc_info=True)
        return False
