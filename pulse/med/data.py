"""Reading what a MED summary needs: the committee's area, its released rounds and figures, and
its actions. A handful of queries whose cost grows with the area and the quarter: the area is
one recursive query from the committee's units, and every other query joins it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import literal, select

from pulse.anonymity.rules import hide_for_viewer
from pulse.extensions import db
from pulse.med.summary import (
    ActionFacts,
    AreaUnit,
    Quarter,
    RoundInfo,
    SeenFigure,
    Summary,
    local_day,
    summarise,
)
from pulse.models import (
    Action,
    ActionEvent,
    Committee,
    CommitteeMember,
    CommitteeUnit,
    Dimension,
    Organisation,
    Person,
    Question,
    ReleasedFigure,
    Role,
    Round,
    RoundQuestion,
    RoundState,
    Unit,
)


def committee_for(person: Person, committee_id: int) -> Committee | None:
    """The committee if the person is one of its members or an administrator of its
    organisation; None otherwise (the page answers 404 either way)."""
    committee = db.session.get(Committee, committee_id)
    if committee is None or committee.organisation_id != person.organisation_id:
        return None
    member = db.session.scalar(
        select(CommitteeMember.person_id).where(
            CommitteeMember.committee_id == committee.id, CommitteeMember.person_id == person.id
        )
    )
    is_admin = any(r.role == Role.ADMIN and r.unit_id is None for r in person.roles)
    return committee if member is not None or is_admin else None


def is_member(person: Person, committee: Committee) -> bool:
    return (
        db.session.scalar(
            select(CommitteeMember.person_id).where(
                CommitteeMember.committee_id == committee.id,
                CommitteeMember.person_id == person.id,
            )
        )
        is not None
    )


def _area_cte(committee_id: int):
    """The committee's units and everything below them, with the depth below a committee unit."""
    top = (
        select(Unit.id, Unit.parent_id, Unit.name, literal(0).label("depth"))
        .join(CommitteeUnit, CommitteeUnit.unit_id == Unit.id)
        .where(CommitteeUnit.committee_id == committee_id)
        .cte("area", recursive=True)
    )
    below = select(Unit.id, Unit.parent_id, Unit.name, top.c.depth + 1).join(
        top, Unit.parent_id == top.c.id
    )
    return top.union_all(below)


def area_units(committee_id: int) -> list[AreaUnit]:
    area = _area_cte(committee_id)
    best: dict[int, AreaUnit] = {}
    for uid, parent_id, name, depth in db.session.execute(select(area)).all():
        # A committee unit inside another committee unit: keep it once, at its real depth.
        if uid not in best or depth > best[uid].depth:
            best[uid] = AreaUnit(uid, parent_id, name, depth)
    ids = set(best)
    return [
        AreaUnit(u.id, u.parent_id, u.name, 0) if u.parent_id not in ids else u
        for u in best.values()
    ]


def _root_ids(units: list[AreaUnit]) -> list[int]:
    ids = {u.id for u in units}
    return [u.id for u in units if u.parent_id not in ids]


def released_rounds(
    root_ids: list[int],
    zone: ZoneInfo,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RoundInfo]:
    """Released rounds that hold a figure for the committee's units, by closing time."""
    query = select(Round.id, Round.closes_at).where(
        Round.state == RoundState.RELEASED,
        Round.id.in_(
            select(ReleasedFigure.round_id).where(
                ReleasedFigure.unit_id.in_(root_ids), ReleasedFigure.kind == "participation"
            )
        ),
    )
    if since is not None:
        query = query.where(Round.closes_at >= since)
    if until is not None:
        query = query.where(Round.closes_at < until)
    return [
        RoundInfo(rid, closes_at, Quarter.of(local_day(closes_at, zone)))
        for rid, closes_at in db.session.execute(query.order_by(Round.closes_at)).all()
    ]


def quarters(committee: Committee, zone: ZoneInfo) -> list[tuple[Quarter, int]]:
    """The quarters with released rounds for the committee's area, newest first, with counts."""
    roots = [
        cu
        for (cu,) in db.session.execute(
            select(CommitteeUnit.unit_id).where(CommitteeUnit.committee_id == committee.id)
        ).all()
    ]
    counts: dict[Quarter, int] = defaultdict(int)
    for round_ in released_rounds(roots, zone):
        counts[round_.quarter] += 1
    return sorted(counts.items(), reverse=True)


def load_summary(
    committee: Committee,
    quarter: Quarter,
    viewer_unit_id: int | None,
    zone: ZoneInfo,
    now: datetime,
) -> Summary:
    units = area_units(committee.id)
    start, _ = quarter.previous().utc_bounds(zone)
    _, end = quarter.utc_bounds(zone)
    rounds = released_rounds(_root_ids(units), zone, start, end) if units else []
    figures = _seen_figures(committee, units, rounds, viewer_unit_id)
    dimension_ids = list(db.session.scalars(select(Dimension.id).order_by(Dimension.position)))
    return summarise(
        quarter,
        units,
        rounds,
        figures,
        dimension_ids,
        _actions(committee.id, zone),
        local_day(now, zone),
    )


def _seen_figures(
    committee: Committee, units: list[AreaUnit], rounds: list[RoundInfo], viewer_unit_id: int | None
) -> list[SeenFigure]:
    if not rounds:
        return []
    area = _area_cte(committee.id)
    viewer_inside = viewer_unit_id is not None and any(u.id == viewer_unit_id for u in units)
    kinds = ["participation", "dimension", *(["question"] if viewer_inside else [])]
    # Core, not ORM rows: a large area has tens of thousands of figures to read.
    rows = (
        db.session.connection()
        .execute(
            select(
                ReleasedFigure.round_id,
                ReleasedFigure.unit_id,
                ReleasedFigure.kind,
                ReleasedFigure.ref,
                ReleasedFigure.suppressed,
                ReleasedFigure.respondents,
                ReleasedFigure.invited,
                ReleasedFigure.mean,
            ).where(
                ReleasedFigure.round_id.in_([r.id for r in rounds]),
                ReleasedFigure.unit_id.in_(select(area.c.id)),
                ReleasedFigure.kind.in_(kinds),
            )
        )
        .all()
    )
    hidden = (
        _hidden_for_member(committee, units, rounds, rows, viewer_unit_id)
        if viewer_inside
        else set()
    )
    figures = []
    for round_id, unit_id, kind, ref, suppressed, respondents, invited, mean in rows:
        if kind == "question":
            continue
        if suppressed or (round_id, kind, ref, unit_id) in hidden:
            figures.append(SeenFigure(round_id, unit_id, kind, ref, shown=False))
        else:
            figures.append(
                SeenFigure(round_id, unit_id, kind, ref, True, respondents, invited, mean)
            )
    return figures


def _hidden_for_member(committee, units, rounds, rows, viewer_unit_id: int) -> set[tuple]:
    """A viewer who belongs to a group in the area sees it under k + 1 (anonymity/rules.py), as
    on the team page. Within the area's own tree: the page shows nothing outside it."""
    organisation = db.session.get(Organisation, committee.organisation_id)
    parents = {u.id: (u.parent_id if u.depth > 0 else None) for u in units}
    k_of = dict(
        db.session.execute(
            select(Round.id, Round.min_group_size).where(Round.id.in_([r.id for r in rounds]))
        ).all()
    )
    questions_of: dict[tuple[int, str], list[str]] = defaultdict(list)
    for round_id, question_id, dimension_id in db.session.execute(
        select(RoundQuestion.round_id, Question.id, Question.dimension_id)
        .join(Question, Question.id == RoundQuestion.question_id)
        .where(RoundQuestion.round_id.in_([r.id for r in rounds]))
    ).all():
        questions_of[(round_id, dimension_id)].append(question_id)
    families: dict[tuple[int, str, str], dict[int, int | None]] = defaultdict(dict)
    for round_id, unit_id, kind, ref, suppressed, respondents, _inv, _mean in rows:
        # Dimensions too, by their own counts: the rule only ever hides more.
        families[(round_id, kind, ref)][unit_id] = None if suppressed else respondents
    hidden: set[tuple] = set()
    for (round_id, kind, ref), totals in families.items():
        k = k_of.get(round_id) or organisation.min_group_size
        for unit_id in hide_for_viewer(parents, totals, k, viewer_unit_id):
            hidden.add((round_id, kind, ref, unit_id))
    for round_id, unit_id, kind, ref, *_rest in rows:
        if kind == "dimension" and any(
            (round_id, "question", q, unit_id) in hidden for q in questions_of[(round_id, ref)]
        ):
            hidden.add((round_id, kind, ref, unit_id))
    return hidden


def _actions(committee_id: int, zone: ZoneInfo) -> list[ActionFacts]:
    area = _area_cte(committee_id)
    rows = db.session.execute(
        select(Action.id, Action.unit_id, Action.follow_up_on, ActionEvent.at, ActionEvent.status)
        .join(ActionEvent, ActionEvent.action_id == Action.id)
        .where(Action.unit_id.in_(select(area.c.id)))
        .order_by(Action.id, ActionEvent.at, ActionEvent.id)
    ).all()
    by_action: dict[int, tuple[int, object, list]] = {}
    for action_id, unit_id, follow_up_on, at, status in rows:
        by_action.setdefault(action_id, (unit_id, follow_up_on, []))[2].append(
            (local_day(at, zone), status)
        )
    return [
        ActionFacts(unit_id, follow_up_on, tuple(events))
        for unit_id, follow_up_on, events in by_action.values()
    ]
