"""Releasing a round: figures computed once under the rules, then the raw data unlinked.

`release_round` runs in one transaction:
1. counts per team from participation (joined to the frozen team of each person),
2. the rules of rules.py per family of figures (participation, each question, distributions,
   comments) -> the `released_figure` table,
3. participation reduced to per-team counts; participation and frozen-member rows deleted,
4. answers and comments rewritten in a shuffled order with new random ids, so neither row
   order, row ids nor (on PostgreSQL) the transaction id links an answer to its author.
Nothing else in the product computes figures from raw answers.
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, text

from pulse.anonymity.rules import Decision, UnitCount, suppress
from pulse.extensions import db
from pulse.models import (
    Answer,
    Comment,
    NotificationLog,
    Organisation,
    Participation,
    Question,
    ReleasedFigure,
    Round,
    RoundMember,
    RoundState,
    Unit,
)

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
    organisation = db.session.get(Organisation, round_.organisation_id)
    k = round_.min_group_size or organisation.min_group_size
    comment_k = round_.min_comment_group_size or organisation.min_comment_group_size
    distribution_k = max(organisation.min_distribution_size, k)

    units = db.session.scalars(select(Unit).where(Unit.organisation_id == organisation.id)).all()
    parents = {u.id: u.parent_id for u in units}
    invited = {t.unit_id: t.invited for t in round_.teams}
    covered = _units_with_invited(parents, invited)
    participants = _participants_per_team(round_.id)

    figures: list[dict] = []
    invited_totals = _subtree_sums(parents, invited, covered)
    participation = _decide(parents, covered, participants, k)
    for uid, decision in participation.items():
        figures.append(
            _figure(round_.id, uid, "participation", "", decision, invited=invited_totals[uid])
        )
    for uid, decision in _decide(parents, covered, participants, comment_k).items():
        figures.append(_figure(round_.id, uid, "comments", "", decision))

    answers = _answer_counts(round_.id)
    for round_question in round_.questions:
        question = round_question.question
        per_value = answers.get(question.id, {})
        counts = {uid: sum(values.values()) for uid, values in per_value.items()}
        scores = _decide(parents, covered, counts, k)
        spreads = _decide(parents, covered, counts, distribution_k)
        for uid, decision in scores.items():
            values = _subtree_values(parents, per_value, uid, covered)
            figure = _figure(round_.id, uid, "question", question.id, decision)
            if decision.visible:
                total = sum(values.values())
                figure["mean"] = round(sum(v * n for v, n in values.items()) / total, 1)
                if spreads[uid].visible:
                    figure["distribution"] = {str(v): values.get(v, 0) for v in _scale(question)}
            figures.append(figure)
    figures.extend(_dimension_figures(round_, figures))
    if figures:
        db.session.execute(insert(ReleasedFigure), figures)

    _unlink(round_, participants, _safe_labels(parents, covered, participation))
    round_.state = RoundState.RELEASED
    round_.released_at = now
    db.session.commit()
    _flush_sqlite_journal()


def _decide(parents, covered, counts, k) -> dict[int, Decision]:
    units = [UnitCount(uid, parents[uid], counts.get(uid, 0)) for uid in covered]
    return suppress(units, k)


def _figure(round_id, unit_id, kind, ref, decision: Decision, invited=None) -> dict:
    visible = decision.visible
    # "No answers" and "too few" are stored alike: the difference would tell whether anyone
    # in a small group answered.
    reason = None if visible else str(decision.reason).replace("no_answers", "too_few")
    return {
        "round_id": round_id,
        "unit_id": unit_id,
        "kind": kind,
        "ref": ref,
        "suppressed": not visible,
        "reason": reason,
        "invited": invited if visible else None,
        "respondents": decision.total if visible else None,
        "mean": None,
        "distribution": None,
    }


def _dimension_figures(round_: Round, figures: list[dict]) -> list[dict]:
    """A dimension's index (0-100) per unit, only where every one of its questions is shown.

    Built from the released question figures alone, so it reveals nothing they don't.
    """
    by_dimension: dict[str, list[Question]] = defaultdict(list)
    for round_question in round_.questions:
        by_dimension[round_question.question.dimension_id].append(round_question.question)
    question_figures = {(f["unit_id"], f["ref"]): f for f in figures if f["kind"] == "question"}
    unit_ids = sorted({f["unit_id"] for f in figures if f["kind"] == "participation"})
    result = []
    for dimension_id, questions in by_dimension.items():
        for uid in unit_ids:
            parts = [question_figures[(uid, q.id)] for q in questions]
            shown = all(not p["suppressed"] for p in parts)
            row = {
                "round_id": round_.id,
                "unit_id": uid,
                "kind": "dimension",
                "ref": dimension_id,
                "suppressed": not shown,
                "reason": None,
                "invited": None,
                "respondents": None,
                "mean": None,
                "distribution": None,
            }
            if shown:
                row["respondents"] = max(p["respondents"] for p in parts)
                row["mean"] = round(
                    sum(_normalise(q, p["mean"]) for q, p in zip(questions, parts, strict=True))
                    / len(parts),
                    1,
                )
            else:
                hidden = next(p for p in parts if p["suppressed"])
                row["reason"] = hidden["reason"]
            result.append(row)
    return result


def _normalise(question: Question, mean: float) -> float:
    """A mean on the question's scale as 0-100, flipped for reversed questions."""
    scale = question.scale
    share = (mean - scale.min_value) / (scale.max_value - scale.min_value)
    return 100 * (1 - share if question.reversed else share)


def _scale(question: Question) -> range:
    return range(question.scale.min_value, question.scale.max_value + 1)


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


def _units_with_invited(parents, invited) -> list[int]:
    """The teams in the round and all their ancestors: the units that get figures."""
    covered: set[int] = set()
    for uid in invited:
        node = uid
        while node is not None and node not in covered:
            covered.add(node)
            node = parents.get(node)
    return sorted(covered)


def _subtree_sums(parents, values: dict[int, int], covered: list[int]) -> dict[int, int]:
    sums = dict.fromkeys(covered, 0)
    for uid, value in values.items():
        node = uid
        while node is not None and node in sums:
            sums[node] += value
            node = parents.get(node)
    return sums


def _subtree_values(parents, per_value, unit_id, covered) -> dict[int, int]:
    """value -> count over the unit's subtree."""
    totals: dict[int, int] = defaultdict(int)
    for team_id, values in per_value.items():
        node = team_id
        while node is not None:
            if node == unit_id:
                for value, count in values.items():
                    totals[value] += count
                break
            node = parents.get(node)
    return totals


def _safe_labels(parents, covered, participation: dict[int, Decision]) -> dict[int, int]:
    """For every unit, the nearest unit at or above it whose participation figure is shown.

    Raw answers keep this label instead of their team: after release, a database reader finds
    no answer labelled with a group smaller than k. Where nothing is shown, the top unit.
    """
    labels = {}
    for uid in covered:
        node, label = uid, None
        while node is not None and node in participation:
            if participation[node].visible:
                label = node
                break
            label = node  # the highest unit seen so far, used when nothing above is shown
            node = parents.get(node)
        labels[uid] = label
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
