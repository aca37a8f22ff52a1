"""The API's reads: released figures, the unit tree, content and actions, within a token's scope.

Each collection is read with one or two queries and cut to a page in SQL; the scope (a unit's
subtree, or the whole organisation) is one read of the organisation's unit ids and parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select

from pulse.api.reader_rule import ReaderHidden, reader_hidden
from pulse.extensions import db
from pulse.figures import questions_by_dimension
from pulse.models import (
    Action,
    ActionEvent,
    ApiToken,
    Dimension,
    Question,
    ReleasedFigure,
    Round,
    RoundQuestion,
    RoundState,
    Unit,
)

CLOSED_STATUSES = ("done", "dropped")


@dataclass(frozen=True)
class Page:
    items: list[dict]
    total: int


def scope_of(token: ApiToken) -> set[int]:
    """The unit ids the token may read: its unit's subtree, or every unit of the organisation."""
    rows = db.session.execute(
        select(Unit.id, Unit.parent_id).where(Unit.organisation_id == token.organisation_id)
    ).all()
    if token.unit_id is None:
        return {unit_id for unit_id, _parent in rows}
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in rows:
        children.setdefault(parent_id, []).append(unit_id)
    found, stack = set(), [token.unit_id]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, []))
    return found


def _page(statement: Select, page: int, per_page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total or 0


def units(scope: set[int], page: int, per_page: int) -> Page:
    statement = (
        select(Unit.id, Unit.parent_id, Unit.name, Unit.kind)
        .where(Unit.id.in_(scope))
        .order_by(Unit.id)
    )
    rows, total = _page(statement, page, per_page)
    # A parent outside the scope is not named: the subtree's top unit has no parent here.
    items = [
        {"id": i, "parent_id": p if p in scope else None, "name": n, "kind": k}
        for i, p, n, k in rows
    ]
    return Page(items, total)


def unit(scope: set[int], unit_id: int) -> dict | None:
    if unit_id not in scope:
        return None
    row = db.session.get(Unit, unit_id)
    parent = row.parent_id if row.parent_id in scope else None
    return {"id": row.id, "parent_id": parent, "name": row.name, "kind": row.kind}


def dimensions() -> list[dict]:
    result = []
    for dimension in db.session.scalars(select(Dimension).order_by(Dimension.position)):
        result.append(
            {
                "id": dimension.id,
                "names": {t.locale: t.name for t in dimension.texts},
                "questions": [_question(q) for q in dimension.questions if q.active],
            }
        )
    return result


def _question(question: Question) -> dict:
    return {
        "id": question.id,
        "texts": {t.locale: t.text for t in question.texts},
        "scale_min": question.scale.min_value,
        "scale_max": question.scale.max_value,
        "reversed": question.reversed,
        "source": question.source,
    }


def _released_rounds(token: ApiToken, scope: set[int]) -> Select:
    statement = select(Round).where(
        Round.organisation_id == token.organisation_id, Round.state == RoundState.RELEASED
    )
    if token.unit_id is not None:
        # Only rounds in which the token's unit has a released figure.
        statement = statement.where(
            select(ReleasedFigure.id)
            .where(ReleasedFigure.round_id == Round.id, ReleasedFigure.unit_id == token.unit_id)
            .exists()
        )
    return statement


def rounds(token: ApiToken, scope: set[int], page: int, per_page: int) -> Page:
    statement = _released_rounds(token, scope).order_by(Round.closes_at, Round.id)
    rows, total = _page(statement, page, per_page)
    round_ids = [r.id for (r,) in rows]
    questions: dict[int, list[str]] = {rid: [] for rid in round_ids}
    for round_id, question_id in db.session.execute(
        select(RoundQuestion.round_id, RoundQuestion.question_id)
        .where(RoundQuestion.round_id.in_(round_ids))
        .order_by(RoundQuestion.round_id, RoundQuestion.position)
    ):
        questions[round_id].append(question_id)
    items = [
        {
            "id": r.id,
            "opens_at": _utc(r.opens_at),
            "closes_at": _utc(r.closes_at),
            "released_at": _utc(r.released_at),
            "question_ids": questions[r.id],
        }
        for (r,) in rows
    ]
    return Page(items, total)


def _utc(moment: datetime | None) -> datetime | None:
    # Times are kept in UTC without a zone; RFC 3339 (and so OpenAPI) wants the offset said.
    return moment.replace(tzinfo=UTC) if moment else None


def released_round(token: ApiToken, scope: set[int], round_id: int) -> Round | None:
    return db.session.scalar(_released_rounds(token, scope).where(Round.id == round_id))


def figures(
    round_: Round,
    scope: set[int],
    page: int,
    per_page: int,
    unit_id: int | None = None,
    kind: str | None = None,
) -> Page:
    """The round's released figures of units in scope; a hidden one carries no number at all."""
    wanted: Sequence[int] = [unit_id] if unit_id is not None else sorted(scope)
    statement = (
        select(ReleasedFigure)
        .where(ReleasedFigure.round_id == round_.id, ReleasedFigure.unit_id.in_(wanted))
        .order_by(ReleasedFigure.unit_id, ReleasedFigure.kind, ReleasedFigure.ref)
    )
    if kind is not None:
        statement = statement.where(ReleasedFigure.kind == kind)
    rows, total = _page(statement, page, per_page)
    hidden = reader_hidden(round_)
    questions = questions_by_dimension([round_.id])[round_.id]
    return Page([_figure(f, hidden, questions) for (f,) in rows], total)


def _figure(f: ReleasedFigure, hidden: ReaderHidden, questions: dict[str, list[str]]) -> dict:
    # The release's figure, less what a reader who could be in any group must not see.
    shown = not f.suppressed and not hidden.hides(f.kind, f.ref, f.unit_id, questions)
    spread = f.distribution if (f.ref, f.unit_id) not in hidden.distributions else None
    return {
        "round_id": f.round_id,
        "unit_id": f.unit_id,
        "kind": f.kind,
        "ref": f.ref,
        # Why a figure is hidden is not said: "too few" covers every reason.
        "status": "shown" if shown else "too_few",
        "invited": f.invited if shown else None,
        "respondents": f.respondents if shown else None,
        "mean": f.mean if shown else None,
        "distribution": spread if shown else None,
    }


def actions(scope: set[int], page: int, per_page: int) -> Page:
    statement = select(Action).where(Action.unit_id.in_(scope)).order_by(Action.id)
    rows, total = _page(statement, page, per_page)
    ids = [a.id for (a,) in rows]
    opened: dict[int, object] = {}
    closed: dict[int, object] = {}
    for action_id, at, status in db.session.execute(
        select(ActionEvent.action_id, ActionEvent.at, ActionEvent.status)
        .where(ActionEvent.action_id.in_(ids))
        .order_by(ActionEvent.at)
    ):
        opened.setdefault(action_id, at.date())
        if status in CLOSED_STATUSES:
            closed[action_id] = at.date()
        else:
            closed.pop(action_id, None)  # reopened
    items = [
        {
            "id": a.id,
            "unit_id": a.unit_id,
            "dimension_id": a.dimension_id,
            "title": a.title,
            "owner": a.owner,
            "status": a.status,
            "follow_up_on": a.follow_up_on,
            "opened_on": opened.get(a.id),
            "closed_on": closed.get(a.id) if a.status in CLOSED_STATUSES else None,
        }
        for (a,) in rows
    ]
    return Page(items, total)
