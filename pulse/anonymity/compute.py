"""The release computation as a pure function: tree, counts and settings -> what to keep.

No Flask, no SQLAlchemy: anonymity/release.py reads the round, calls `compute_release`, writes
the result and destroys the raw data. (Thin version carried over from the former release code;
the rules themselves are in anonymity/rules.py.)
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pulse.anonymity.rules import Decision, UnitCount, suppress


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    dimension_id: str
    scale_min: int
    scale_max: int
    reversed: bool


@dataclass(frozen=True)
class ReleaseInput:
    parents: Mapping[int, int | None]  # unit -> parent, the tree at release time
    invited: Mapping[int, int]  # team (unit with direct members in the round) -> invited
    participants: Mapping[int, int]  # team -> people who answered (direct members only)
    answers: Mapping[str, Mapping[int, Mapping[int, int]]]  # question -> team -> value -> count
    comments: Mapping[int, Sequence[tuple[str, str]]]  # team -> [(audience, body), ...]
    questions: Sequence[QuestionSpec]  # in round order
    k: int
    comment_k: int
    distribution_k: int


@dataclass(frozen=True)
class FigureRow:
    unit_id: int
    kind: str
    ref: str
    suppressed: bool
    reason: str | None
    invited: int | None
    respondents: int | None
    mean: float | None
    distribution: dict[str, int] | None


@dataclass(frozen=True)
class ReleasedCommentRow:
    unit_id: int  # the group the comments rule released it for (its figure is shown)
    path: str  # that group's ancestor chain at release time, "/root/.../unit_id/"
    audience: str
    body: str


@dataclass(frozen=True)
class ReleaseResult:
    figures: list[FigureRow]
    comments: list[ReleasedCommentRow]  # shuffled; comments of hidden groups are absent


def compute_release(data: ReleaseInput) -> ReleaseResult:
    covered = _covered(data.parents, data.invited)
    figures: list[FigureRow] = []
    invited_totals = _sums_up(data.parents, data.invited, covered)
    for uid, decision in _decide(data.parents, covered, data.participants, data.k).items():
        figures.append(_figure(uid, "participation", "", decision, invited_totals[uid]))
    comment_rule = _decide(data.parents, covered, data.participants, data.comment_k)
    for uid, decision in comment_rule.items():
        figures.append(_figure(uid, "comments", "", decision))

    question_figures: dict[tuple[int, str], FigureRow] = {}
    for question in data.questions:
        per_team = data.answers.get(question.id, {})
        counts = {team: sum(values.values()) for team, values in per_team.items()}
        scores = _decide(data.parents, covered, counts, data.k)
        spreads = _decide(data.parents, covered, counts, data.distribution_k)
        values_of = _values_up(data.parents, per_team, covered)
        for uid, decision in scores.items():
            row = _figure(uid, "question", question.id, decision)
            if decision.visible:
                values = values_of[uid]
                total = sum(values.values())
                mean = round(sum(v * n for v, n in values.items()) / total, 1)
                distribution = None
                if spreads[uid].visible:
                    scale = range(question.scale_min, question.scale_max + 1)
                    distribution = {str(v): values.get(v, 0) for v in scale}
                row = _replace(row, mean=mean, distribution=distribution)
            question_figures[(uid, question.id)] = row
            figures.append(row)
    figures.extend(_dimension_figures(data.questions, question_figures, sorted(covered)))
    return ReleaseResult(figures, _released_comments(data, comment_rule))


def _released_comments(data: ReleaseInput, rule: dict[int, Decision]) -> list[ReleasedCommentRow]:
    """Each comment bound to the nearest group at or above its team whose comments figure is
    shown; where there is none, the comment is not kept."""
    rows = []
    for team, comments in data.comments.items():
        node = team
        while node is not None and node in rule and not rule[node].visible:
            node = data.parents.get(node)
        if node is None or node not in rule:
            continue
        path = _path(data.parents, node)
        rows.extend(ReleasedCommentRow(node, path, audience, body) for audience, body in comments)
    secrets.SystemRandom().shuffle(rows)
    return rows


def _path(parents: Mapping[int, int | None], unit_id: int) -> str:
    """ "/root/.../unit_id/": the unit's chain of ancestors."""
    chain, node, seen = [], unit_id, set()
    while node is not None and node not in seen:
        seen.add(node)
        chain.append(node)
        node = parents.get(node)
    return "/" + "/".join(str(u) for u in reversed(chain)) + "/"


def _covered(parents: Mapping[int, int | None], invited: Mapping[int, int]) -> set[int]:
    covered: set[int] = set()
    for uid in invited:
        node = uid
        while node is not None and node not in covered:
            covered.add(node)
            node = parents.get(node)
    return covered


def _decide(parents, covered, counts, k) -> dict[int, Decision]:
    return suppress([UnitCount(uid, parents.get(uid), counts.get(uid, 0)) for uid in covered], k)


def _sums_up(parents, values: Mapping[int, int], covered: set[int]) -> dict[int, int]:
    sums = dict.fromkeys(covered, 0)
    for uid, value in values.items():
        node = uid
        while node is not None and node in sums:
            sums[node] += value
            node = parents.get(node)
    return sums


def _values_up(parents, per_team, covered) -> dict[int, dict[int, int]]:
    """unit -> value -> count over the unit's subtree, one walk up per team."""
    totals: dict[int, dict[int, int]] = {uid: defaultdict(int) for uid in covered}
    for team, values in per_team.items():
        node = team
        while node is not None and node in totals:
            for value, count in values.items():
                totals[node][value] += count
            node = parents.get(node)
    return totals


def _figure(unit_id, kind, ref, decision: Decision, invited=None) -> FigureRow:
    visible = decision.visible
    # "No answers" and "too few" are stored alike: the difference would tell whether anyone
    # in a small group answered.
    reason = None if visible else str(decision.reason).replace("no_answers", "too_few")
    return FigureRow(
        unit_id=unit_id,
        kind=kind,
        ref=ref,
        suppressed=not visible,
        reason=reason,
        invited=invited if visible else None,
        respondents=decision.total if visible else None,
        mean=None,
        distribution=None,
    )


def _replace(row: FigureRow, **changes) -> FigureRow:
    from dataclasses import replace

    return replace(row, **changes)


def _dimension_figures(questions, question_figures, unit_ids) -> list[FigureRow]:
    """A dimension's index (0-100) per unit, only where every one of its questions is shown."""
    by_dimension: dict[str, list[QuestionSpec]] = defaultdict(list)
    for question in questions:
        by_dimension[question.dimension_id].append(question)
    rows = []
    for dimension_id, parts_of in by_dimension.items():
        for uid in unit_ids:
            parts = [question_figures[(uid, q.id)] for q in parts_of]
            if all(not p.suppressed for p in parts):
                mean = sum(_normalise(q, p.mean) for q, p in zip(parts_of, parts, strict=True))
                rows.append(
                    FigureRow(
                        uid,
                        "dimension",
                        dimension_id,
                        False,
                        None,
                        None,
                        max(p.respondents for p in parts),
                        round(mean / len(parts), 1),
                        None,
                    )
                )
            else:
                reason = next(p.reason for p in parts if p.suppressed)
                rows.append(
                    FigureRow(uid, "dimension", dimension_id, True, reason, None, None, None, None)
                )
    return rows


def _normalise(question: QuestionSpec, mean: float) -> float:
    share = (mean - question.scale_min) / (question.scale_max - question.scale_min)
    return 100 * (1 - share if question.reversed else share)
