"""Releasing a round: figures computed once under the rules, then the raw data unlinked.

`release_round` runs in one transaction:
1. counts per team from participation (joined to the frozen team of each person),
2. compute_release (compute.py: the rules of rules.py per family of figures, participation,
   each question, distributions, comments) -> the `released_figure` table,
3. participation reduced to per-team counts; participation and frozen-member rows deleted,
4. answers and comments rewritten in a shuffled order with new random ids, so neither row
   order, row ids nor (on PostgreSQL) the transaction id links an answer to its author.
Nothing else in the product computes figures from raw answers.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, text

from pulse.anonymity.compute import QuestionSpec, ReleaseInput, compute_release
from pulse.extensions import db
from pulse.models import (
    Answer,
    Comment,
    NotificationLog,
    Organisation,
    Participation,
    ReleasedFigure,
    Round,
    RoundMember,
    RoundState,
    Unit,
)
from pulse.tree import Tree

_shuffle = secrets.SystemRandom().shuffle


def release_due_rounds(now: datetime) -> list[int]:
    """Release every closed round whose release delay has passed. Returns their ids.

    Safe when several hosts run it at once: each round is released under a row lock that other
    hosts skip (PostgreSQL), and its state is checked again under that lock.
    """
    released = []
    candidates = db.session.scalars(
        select(Round.id).where(Round.state == RoundState.CLOSED).order_by(Round.closes_at)
    ).all()
    for round_id in candidates:
        round_ = db.session.scalar(
            select(Round)
            .where(Round.id == round_id, Round.state == RoundState.CLOSED)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if round_ is None:  # another host has it, or has released it already
            db.session.rollback()
            continue
        if round_.closes_at + timedelta(hours=round_.release_delay_hours) <= now:
            release_round(round_, now)
            released.append(round_.id)
        else:
            db.session.rollback()
    return released


def release_round(round_: Round, now: datetime) -> None:
    """Compute and store the round's figures, unlink the raw data, and freeze the round."""
    if round_.state != RoundState.CLOSED:
        raise ValueError(f"round {round_.id} is {round_.state}; only a closed round is released")
    data = _release_input(round_)
    result = compute_release(data)
    if result.figures:
        db.session.execute(
            insert(ReleasedFigure),
            [{"round_id": round_.id, **asdict(row)} for row in result.figures],
        )
    # Comments are still rewritten as before (labelled like answers) until the released
    # comments table stores `result.comments`, the comments the comments rule released.
    shown = {
        row.unit_id: not row.suppressed for row in result.figures if row.kind == "participation"
    }
    _unlink(round_, data.participants, _safe_labels(data.parents, shown))
    round_.state = RoundState.RELEASED
    round_.released_at = now
    db.session.commit()
    _flush_sqlite_journal()


def _release_input(round_: Round) -> ReleaseInput:
    """Everything compute_release needs, read as counts: the tree, teams, answers, comments."""
    organisation = db.session.get(Organisation, round_.organisation_id)
    k = round_.min_group_size or organisation.min_group_size
    comment_k = round_.min_comment_group_size or organisation.min_comment_group_size
    parents = dict(
        db.session.execute(
            select(Unit.id, Unit.parent_id).where(Unit.organisation_id == organisation.id)
        ).all()
    )
    comments: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for unit_id, audience, body in db.session.execute(
        select(Comment.unit_id, Comment.audience, Comment.body).where(Comment.round_id == round_.id)
    ):
        comments[unit_id].append((str(audience), body))
    return ReleaseInput(
        parents=parents,
        invited={t.unit_id: t.invited for t in round_.teams},
        participants=_participants_per_team(round_.id),
        answers=_answer_counts(round_.id),
        comments=comments,
        questions=[
            QuestionSpec(
                id=q.id,
                dimension_id=q.dimension_id,
                scale_min=q.scale.min_value,
                scale_max=q.scale.max_value,
                reversed=q.reversed,
            )
            for q in (rq.question for rq in round_.questions)
        ],
        k=k,
        comment_k=comment_k,
        distribution_k=max(organisation.min_distribution_size, k),
    )


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


def _answer_counts(round_id: int) -> dict[str, dict[int, dict[int, int]]]:
    """question -> team -> value -> how many gave it."""
    result: dict[str, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = db.session.execute(
        select(Answer.question_id, Answer.unit_id, Answer.value, func.count())
        .where(Answer.round_id == round_id)
        .group_by(Answer.question_id, Answer.unit_id, Answer.value)
    ).all()
    for question_id, unit_id, value, count in rows:
        result[question_id][unit_id][value] = count
    return result


def _safe_labels(parents, shown: dict[int, bool]) -> dict[int, int]:
    """For every unit, the nearest unit at or above it whose participation figure is shown.

    Raw answers keep this label instead of their team: after release, a database reader finds
    no answer labelled with a group smaller than k. Where nothing is shown, the top unit.
    """
    tree = Tree({uid: parents.get(uid) for uid in shown})
    labels = tree.nearest(shown)
    top: dict[int, int] = {}
    for uid in tree.order:
        parent = tree.parent[uid]
        top[uid] = uid if parent is None else top[parent]
        if labels[uid] is None:
            labels[uid] = top[uid]
    return labels


def _flush_sqlite_journal() -> None:
    """SQLite keeps recently written pages in its -wal file: fold them into the database (where
    secure_delete has overwritten the deleted rows) and empty the journal."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()


def _unlink(round_: Round, participants: dict[int, int], labels: dict[int, int]) -> None:
    """Keep counts, drop who; rewrite answers and comments in a random order with new ids,
    labelled with a unit whose figure is shown (never a smaller group)."""
    for team in round_.teams:
        # Only counts a page may show are kept; a small team's count is not.
        team.participants = (
            participants.get(team.unit_id, 0) if labels.get(team.unit_id) == team.unit_id else None
        )
    db.session.execute(delete(Participation).where(Participation.round_id == round_.id))
    db.session.execute(delete(RoundMember).where(RoundMember.round_id == round_.id))
    db.session.execute(delete(NotificationLog).where(NotificationLog.round_id == round_.id))

    answers = [
        {"round_id": round_.id, "unit_id": labels.get(u, u), "question_id": q, "value": v}
        for u, q, v in db.session.execute(
            select(Answer.unit_id, Answer.question_id, Answer.value).where(
                Answer.round_id == round_.id
            )
        )
    ]
    comments = [
        {"round_id": round_.id, "unit_id": labels.get(u, u), "audience": a, "body": b}
        for u, a, b in db.session.execute(
            select(Comment.unit_id, Comment.audience, Comment.body).where(
                Comment.round_id == round_.id
            )
        )
    ]
    db.session.execute(delete(Answer).where(Answer.round_id == round_.id))
    db.session.execute(delete(Comment).where(Comment.round_id == round_.id))
    for rows, model in ((answers, Answer), (comments, Comment)):
        _shuffle(rows)
        for row in rows:
            row["id"] = uuid.uuid4()
        if rows:
            db.session.execute(insert(model), rows)
