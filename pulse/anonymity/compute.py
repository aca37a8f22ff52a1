"""What a round releases, computed from counts alone: a pure function, no Flask, no database.

`compute_release` takes the tree at release time and per-team counts, applies the rules of
rules.py to each family of figures, and returns the rows of the release table and the comments
to keep. pulse/anonymity/release.py reads the counts, calls it and writes the result.

Families and their thresholds (docs/anonymity.md):
- participation (k): invited and respondents per unit's subtree;
- comments (comment k): whether a unit's comments are shown, decided on respondents;
- each question (k): respondents and mean on the question's scale, and its distribution where
  the inference rule below allows it (distribution k);
- each dimension: the 0-100 index, only where every one of its questions is shown, built from the
  released question figures alone, so it reveals nothing they don't.

The inference rule (no inference across families). A question's released figures split its
respondents into *cells*: each visible figure's residual (the figure minus its nearest visible
sub-figures; rules.py). Means tell a reader each cell's sum, and nothing finer, because they are
sums of whole cells. A distribution of a unit is the multiset of all the cells inside it. If one
of those cells were small, the distribution together with the other cells' sums would tell
which values sit in the small cell (a parent's distribution with a single 1, and children whose
means show no 1, put the 1 in the small rest). So:

    a question's distribution for a unit is released only where its figure is shown and every
    cell inside the unit's subtree holds 0 or at least the distribution threshold.

Then every released figure of the question depends on the answers only through the sum of each
cell (the means) and the multiset of cells of at least the distribution threshold: a reader can
learn no more about a group under the threshold than its cell's sum, or the multiset of a cell
big enough to have its own distribution, already tells (tests/unit/test_inference.py checks this
with an exact solver). It also implies what the distribution threshold used to be enforced by on
its own: two released distributions differ by a union of cells, so by 0 or at least the
threshold. Other families cannot add to it: participation and comments carry counts, not
values; answers to different questions are not linked after release; a dimension index is a
function of released question means.

The comments rule. Comments are decided per group by the comments threshold with complementary
suppression, as scores are. Each comment is bound to the nearest group at or above its team
whose comments figure is shown, with that group's ancestor path at release time; comments of
teams with no shown group above them are not kept. A page for unit U shows comments only where
U's comments figure is shown to the viewer, and lists those whose path contains U
(`comments_on_page`): the comments of U's whole subtree at release time, never regrouped by
today's tree. Every such list, and every difference of two, covers the respondents of whole
comment residuals: 0 or at least comment k (tests/unit/test_release_compute.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from pulse.anonymity.rules import Decision, UnitCount, suppress
from pulse.tree import Tree

_shuffle = secrets.SystemRandom().shuffle


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
    """One row of the release table (the columns of models.ReleasedFigure)."""

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
    """The release table's rows and the comments to keep, linear in units, teams and answers."""
    tree = _covered_tree(data)
    units = sorted(tree.order)

    def decide(counts: Mapping[int, int], k: int) -> dict[int, Decision]:
        return suppress((UnitCount(u, tree.parent[u], counts.get(u, 0)) for u in tree.order), k)

    figures: list[FigureRow] = []
    invited = tree.subtree_sums(data.invited)
    participation = decide(data.participants, data.k)
    for uid in units:
        figures.append(_row(uid, "participation", "", participation[uid], invited=invited[uid]))
    comments_shown = decide(data.participants, data.comment_k)
    for uid in units:
        figures.append(_row(uid, "comments", "", comments_shown[uid]))

    question_rows: dict[str, dict[int, FigureRow]] = {}
    for question in data.questions:
        rows = _question_rows(tree, data, question, decide)
        question_rows[question.id] = rows
        figures.extend(rows[uid] for uid in units)
    figures.extend(_dimension_rows(data.questions, question_rows, units))
    return ReleaseResult(figures, _released_comments(tree, data.comments, comments_shown))


def comments_on_page(
    comments: Iterable[ReleasedCommentRow], unit_id: int
) -> list[ReleasedCommentRow]:
    """The released comments a page for `unit_id` lists (where its comments figure is shown)."""
    marker = f"/{unit_id}/"
    return [c for c in comments if marker in c.path]


def _covered_tree(data: ReleaseInput) -> Tree:
    """The teams in the round and all their ancestors: the units that get figures."""
    teams = set(data.invited) | set(data.participants) | set(data.comments)
    for per_team in data.answers.values():
        teams |= set(per_team)
    covered: dict[int, int | None] = {}
    for team in teams:
        node: int | None = team
        while node is not None and node not in covered:
            parent = data.parents.get(node)
            covered[node] = parent
            node = parent
    return Tree(covered)


def _row(
    uid: int, kind: str, ref: str, decision: Decision, invited: int | None = None
) -> FigureRow:
    visible = decision.visible
    # "No answers" and "too few" are stored alike: the difference would tell whether anyone
    # in a small group answered.
    reason = None if visible else str(decision.reason).replace("no_answers", "too_few")
    return FigureRow(
        unit_id=uid,
        kind=kind,
        ref=ref,
        suppressed=not visible,
        reason=reason,
        invited=invited if visible else None,
        respondents=decision.total if visible else None,
        mean=None,
        distribution=None,
    )


def _add_counts(total: dict[int, int], values: Mapping[int, int]) -> dict[int, int]:
    for value, count in values.items():
        total[value] = total.get(value, 0) + count
    return total


Decide = Callable[[Mapping[int, int], int], dict[int, Decision]]


def _question_rows(
    tree: Tree, data: ReleaseInput, question: QuestionSpec, decide: Decide
) -> dict[int, FigureRow]:
    per_team = data.answers.get(question.id, {})
    counts = {team: sum(values.values()) for team, values in per_team.items()}
    scores = decide(counts, data.k)
    values = tree.fold(per_team, _add_counts, {})  # unit -> value -> count over its subtree
    spread = _distribution_allowed(tree, counts, scores, data.distribution_k)
    scale = range(question.scale_min, question.scale_max + 1)
    rows = {}
    for uid in tree.order:
        decision = scores[uid]
        row = _row(uid, "question", question.id, decision)
        if decision.visible:
            subtree = values[uid]
            mean = round(sum(v * n for v, n in subtree.items()) / sum(subtree.values()), 1)
            distribution = None
            if spread[uid]:
                distribution = {str(v): subtree.get(v, 0) for v in scale}
            row = replace(row, mean=mean, distribution=distribution)
        rows[uid] = row
    return rows


def _distribution_allowed(
    tree: Tree, counts: Mapping[int, int], scores: Mapping[int, Decision], distribution_k: int
) -> dict[int, bool]:
    """unit -> may its distribution be released: its figure is shown and every cell (visible
    figure's residual) inside its subtree holds 0 or at least `distribution_k` (module doc)."""
    owner = tree.nearest({uid: d.visible for uid, d in scores.items()})
    cells: dict[int, int] = {}
    for uid, cell in owner.items():
        if cell is not None:
            cells[cell] = cells.get(cell, 0) + counts.get(uid, 0)
    small = {uid: int(0 < size < distribution_k) for uid, size in cells.items()}
    small_below = tree.subtree_sums(small)
    return {
        uid: d.visible and d.total >= distribution_k and small_below[uid] == 0
        for uid, d in scores.items()
    }


def _dimension_rows(
    questions: Sequence[QuestionSpec],
    question_rows: Mapping[str, Mapping[int, FigureRow]],
    units: list[int],
) -> list[FigureRow]:
    """A dimension's index (0-100) per unit, only where every one of its questions is shown."""
    by_dimension: dict[str, list[QuestionSpec]] = {}
    for question in questions:
        by_dimension.setdefault(question.dimension_id, []).append(question)
    rows = []
    for dimension_id, members in by_dimension.items():
        for uid in units:
            parts = [question_rows[q.id][uid] for q in members]
            hidden = next((p for p in parts if p.suppressed), None)
            if hidden is not None:
                rows.append(
                    FigureRow(uid, "dimension", dimension_id, True, hidden.reason, *[None] * 4)
                )
                continue
            index = round(
                sum(_normalise(q, p.mean) for q, p in zip(members, parts, strict=True))
                / len(parts),
                1,
            )
            respondents = max(p.respondents for p in parts)
            rows.append(
                FigureRow(
                    uid, "dimension", dimension_id, False, None, None, respondents, index, None
                )
            )
    return rows


def _normalise(question: QuestionSpec, mean: float) -> float:
    """A mean on the question's scale as 0-100, flipped for reversed questions."""
    share = (mean - question.scale_min) / (question.scale_max - question.scale_min)
    return 100 * (1 - share if question.reversed else share)


def _released_comments(
    tree: Tree,
    comments: Mapping[int, Sequence[tuple[str, str]]],
    shown: Mapping[int, Decision],
) -> list[ReleasedCommentRow]:
    """Each comment bound to the nearest group at or above its team whose comments are shown."""
    bound = tree.nearest({uid: d.visible for uid, d in shown.items()})
    paths: dict[int, str] = {}
    for node in tree.order:
        parent = tree.parent[node]
        paths[node] = (paths[parent] if parent is not None else "/") + f"{node}/"
    kept = [
        ReleasedCommentRow(group, paths[group], audience, body)
        for team, items in comments.items()
        if (group := bound[team]) is not None
        for audience, body in items
    ]
    _shuffle(kept)
    return kept
