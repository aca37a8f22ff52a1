"""compute_release, checked without a database: the rules per family, the old arithmetic, the
comments rule (every list and every difference a viewer can see), over random organisations."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pulse.anonymity.compute import (
    QuestionSpec,
    ReleaseInput,
    comments_on_page,
    compute_release,
)
from pulse.anonymity.rules import Tree, UnitCount, suppress
from tests.unit import release_reference

QUESTIONS = [
    QuestionSpec("q1", "d1", 1, 5, False),
    QuestionSpec("q2", "d1", 1, 5, True),
    QuestionSpec("q3", "d2", 0, 10, False),
]


@st.composite
def rounds(draw, max_units: int = 12, max_team: int = 25):
    """A random tree with direct members and sub-units; answers with skips; some comments."""
    size = draw(st.integers(1, max_units))
    parents = {1: None}
    for uid in range(2, size + 1):
        parents[uid] = draw(st.integers(1, uid - 1))
    invited, participants, comments = {}, {}, {}
    answers: dict[str, dict[int, dict[int, int]]] = {q.id: {} for q in QUESTIONS}
    for uid in parents:
        n = draw(st.one_of(st.integers(0, 6), st.integers(0, max_team)))
        if n == 0:
            continue
        invited[uid] = n
        answered = draw(st.integers(0, n))
        participants[uid] = answered
        for question in QUESTIONS:
            values = draw(
                st.lists(
                    st.integers(question.scale_min, question.scale_max),
                    min_size=0,
                    max_size=answered,
                )
            )
            if values:
                answers[question.id][uid] = {v: values.count(v) for v in set(values)}
        written = draw(st.integers(0, answered))
        if written:
            comments[uid] = [("trio", f"c{uid}-{i}") for i in range(written)]
    k = draw(st.sampled_from([3, 5]))
    return ReleaseInput(
        parents=parents,
        invited=invited,
        participants=participants,
        answers=answers,
        comments=comments,
        questions=QUESTIONS,
        k=k,
        comment_k=draw(st.sampled_from([k, 10])),
        distribution_k=draw(st.sampled_from([k, 10])),
    )


def keyed(result):
    return {(f.kind, f.ref, f.unit_id): f for f in result.figures}


def subtree(parents, uid):
    tree = Tree(UnitCount(u, p, 0) for u, p in parents.items())
    return tree.subtree_ids([uid])


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_same_figures_as_the_earlier_release(data):
    """Participation, comments, question means and dimension indexes are today's figures."""
    mine = keyed(compute_release(data))
    expected = release_reference.release(data)
    assert set(mine) == set(expected)
    for key, figure in expected.items():
        row = mine[key]
        got = {
            "suppressed": row.suppressed,
            "reason": row.reason,
            "respondents": row.respondents,
            "invited": row.invited,
            "mean": row.mean,
        }
        assert got == figure, key


@settings(max_examples=80, deadline=None)
@given(data=rounds(), viewer_pick=st.integers(0, 100))
def test_linear_suppression_decides_as_the_earlier_one(data, viewer_pick):
    covered = {u: p for u, p in data.parents.items()}
    units = [UnitCount(u, p, data.participants.get(u, 0)) for u, p in covered.items()]
    viewer = sorted(covered)[viewer_pick % len(covered)]
    for viewer_unit in (None, viewer):
        new = suppress(units, data.k, viewer_unit_id=viewer_unit)
        old = release_reference.suppress(covered, data.participants, data.k, viewer_unit)
        assert {u: (d.visible, d.total, d.reason) for u, d in new.items()} == old


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_hidden_figures_carry_no_number_and_shown_ones_meet_their_threshold(data):
    for row in compute_release(data).figures:
        if row.suppressed:
            assert row.reason in {"too_few", "protects_others"}
            assert (row.invited, row.respondents, row.mean, row.distribution) == (None,) * 4
            continue
        assert row.reason is None
        threshold = data.comment_k if row.kind == "comments" else data.k
        assert row.respondents >= threshold
        if row.distribution is not None:
            assert row.respondents >= data.distribution_k


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_means_and_distributions_are_those_of_the_subtree(data):
    result = keyed(compute_release(data))
    for question in data.questions:
        for uid in data.parents:
            row = result.get(("question", question.id, uid))
            if row is None or row.suppressed:
                continue
            values: dict[int, int] = {}
            for team in subtree(data.parents, uid):
                for value, n in data.answers[question.id].get(team, {}).items():
                    values[value] = values.get(value, 0) + n
            assert row.respondents == sum(values.values())
            assert row.mean == round(sum(v * n for v, n in values.items()) / row.respondents, 1)
            if row.distribution is not None:
                scale = range(question.scale_min, question.scale_max + 1)
                assert row.distribution == {str(v): values.get(v, 0) for v in scale}


def released_groups(data, family_rows):
    """Every group a reader isolates inside a family: a visible figure minus any set of disjoint
    visible figures below it (brute force, independent of compute.py). Yields team sets."""
    tree = Tree(UnitCount(u, p, 0) for u, p in data.parents.items())
    shown = {row.unit_id for row in family_rows if not row.suppressed}
    for outer in shown:
        inner = sorted(tree.subtree_ids([outer]) - {outer} & shown)
        for r in range(min(len(inner), 3) + 1):
            for subset in combinations(inner, r):
                below = [tree.subtree_ids([s]) for s in subset]
                if all(a.isdisjoint(b) for a, b in combinations(below, 2)):
                    yield tree.subtree_ids([outer]) - set().union(*below)


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_no_subtraction_isolates_a_small_group_in_any_family(data):
    result = compute_release(data)
    families: dict[tuple[str, str], list] = {}
    for row in result.figures:
        families.setdefault((row.kind, row.ref), []).append(row)
    for (kind, ref), rows in families.items():
        if kind == "dimension":
            continue
        if kind == "question":
            per_team = {t: sum(v.values()) for t, v in data.answers[ref].items()}
        else:
            per_team = data.participants
        threshold = data.comment_k if kind == "comments" else data.k
        for group in released_groups(data, rows):
            size = sum(per_team.get(t, 0) for t in group)
            assert size == 0 or size >= threshold, (kind, ref, group, size)
        if kind == "question":
            spreads = [r for r in rows if r.distribution is not None]
            for group in released_groups(data, spreads):
                size = sum(per_team.get(t, 0) for t in group)
                assert size == 0 or size >= data.distribution_k, (ref, group, size)


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_a_distribution_only_where_every_cell_inside_is_empty_or_large(data):
    """The inference rule of compute.py, recomputed by brute force from the released means."""
    result = keyed(compute_release(data))
    for question in data.questions:
        counts = {t: sum(v.values()) for t, v in data.answers[question.id].items()}
        rows = {
            u: f for (kind, ref, u), f in result.items() if (kind, ref) == ("question", question.id)
        }
        tree = Tree(UnitCount(u, data.parents[u], 0) for u in rows)
        visible = {u: not r.suppressed for u, r in rows.items()}
        for uid, row in rows.items():
            if row.suppressed:
                continue
            cells_ok = True
            for inner in tree.subtree_ids([uid]) & {u for u, v in visible.items() if v}:
                frontier = tree.frontier(inner, visible)
                cell = tree.subtree_ids([inner]) - tree.subtree_ids(frontier)
                size = sum(counts.get(t, 0) for t in cell)
                cells_ok &= size == 0 or size >= data.distribution_k
            assert (row.distribution is not None) == cells_ok, (question.id, uid)


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_dimensions_are_a_function_of_the_released_question_figures(data):
    result = keyed(compute_release(data))
    for row in result.values():
        if row.kind != "dimension":
            continue
        parts = [
            result[("question", q.id, row.unit_id)]
            for q in data.questions
            if q.dimension_id == row.ref
        ]
        assert row.suppressed == any(p.suppressed for p in parts)
        if not row.suppressed:
            assert row.respondents == max(p.respondents for p in parts)


def comment_groups(data, result):
    """team -> the group its comments were released for (independent walk up), or None."""
    shown = {r.unit_id for r in result.figures if r.kind == "comments" and not r.suppressed}
    found = {}
    for team in data.participants:
        node = team
        while node is not None and node not in shown:
            node = data.parents[node]
        found[team] = node
    return found


def release_path(parents, uid):
    chain = []
    while uid is not None:
        chain.append(uid)
        uid = parents[uid]
    return "/" + "".join(f"{u}/" for u in reversed(chain))


@settings(max_examples=80, deadline=None)
@given(data=rounds())
def test_each_comment_is_kept_for_the_nearest_shown_group_with_its_path(data):
    result = compute_release(data)
    groups = comment_groups(data, result)
    expected = sorted(
        (groups[team], release_path(data.parents, groups[team]), audience, body)
        for team, items in data.comments.items()
        if groups[team] is not None
        for audience, body in items
    )
    got = sorted((c.unit_id, c.path, c.audience, c.body) for c in result.comments)
    assert got == expected  # comments of teams with no shown group above them are gone


def covered_teams(data, result, groups, unit_id):
    """The teams whose comments a page lists: read from the kept rows (each body names its
    team) and, for teams that wrote nothing, from the group the rule gives them."""
    listed = {int(c.body[1:].split("-")[0]) for c in comments_on_page(result.comments, unit_id)}
    silent = {t for t in groups if t not in data.comments and groups[t] is not None}
    marker = f"/{unit_id}/"
    return listed | {t for t in silent if marker in release_path(data.parents, groups[t])}


@settings(max_examples=80, deadline=None)
@given(data=rounds(), viewer_pick=st.integers(0, 100), move=st.tuples(st.integers(), st.integers()))
def test_every_comment_list_and_difference_covers_0_or_at_least_comment_k(data, viewer_pick, move):
    """For an outsider and for a member (k + 1), on every page whose comments figure they see,
    and after a unit is moved: lists come from release-time paths, not today's tree."""
    result = compute_release(data)
    ck = data.comment_k
    groups = comment_groups(data, result)
    covered = sorted({u for (kind, _r, u) in keyed(result) if kind == "comments"})
    if not covered:
        return
    units = [UnitCount(u, data.parents[u], data.participants.get(u, 0)) for u in covered]
    answered = sorted(t for t, n in data.participants.items() if n > 0)
    viewers = [None] + ([answered[viewer_pick % len(answered)]] if answered else [])
    lists_before = {u: sorted(map(repr, comments_on_page(result.comments, u))) for u in covered}

    for viewer in viewers:
        decisions = suppress(units, ck, viewer_unit_id=viewer)
        pages = [u for u in covered if decisions[u].visible]
        lists = {u: covered_teams(data, result, groups, u) for u in pages}

        def others(teams, viewer=viewer):
            size = sum(data.participants.get(t, 0) for t in teams)
            return size - 1 if viewer in teams else size

        for u, teams in lists.items():
            assert not 0 < others(teams) < ck, (viewer, u)
            for w, other in lists.items():
                assert not 0 < others(teams - other) < ck, (viewer, u, w)

    # A unit moved after release changes no list: pages read the paths kept at release.
    moved, new_parent = (covered[i % len(covered)] for i in move)
    parents = dict(data.parents)
    if new_parent not in subtree(parents, moved):
        parents[moved] = new_parent
    lists_after = {u: sorted(map(repr, comments_on_page(result.comments, u))) for u in covered}
    assert lists_after == lists_before


def test_comments_of_a_chain_are_kept_only_for_shown_groups():
    """The chain A(9) > B(4) > C(7) > D(7) with comment k 10 (issue: C's page listed D's 7)."""
    parents = {1: None, 2: 1, 3: 2, 4: 3}
    people = {1: 9, 2: 4, 3: 7, 4: 7}
    data = ReleaseInput(
        parents=parents,
        invited=people,
        participants=people,
        answers={},
        comments={u: [("trio", f"from {u}")] for u in parents},
        questions=[],
        k=5,
        comment_k=10,
        distribution_k=10,
    )
    result = compute_release(data)
    shown = {r.unit_id for r in result.figures if r.kind == "comments" and not r.suppressed}
    # D (7) too few; B (18) hidden, or A minus B would isolate A's own 9; C (14) shown.
    assert shown == {1, 3}
    by_group = {c.body: (c.unit_id, c.path) for c in result.comments}
    assert by_group["from 4"] == (3, "/1/2/3/") and by_group["from 3"] == (3, "/1/2/3/")
    assert by_group["from 2"] == (1, "/1/") and by_group["from 1"] == (1, "/1/")
    assert len(comments_on_page(result.comments, 3)) == 2  # C's page: C and D, 14 people


def workplace(team_a: list[int], team_b: list[int], comments: int = 0) -> ReleaseInput:
    """The integration tests' world without a database: a workplace (1) with teams A (2) of 6
    and B (3) of 5, one 1-5 question of dimension vertical_trust."""
    answers = {
        2: {v: team_a.count(v) for v in set(team_a)},
        3: {v: team_b.count(v) for v in set(team_b)},
    }
    return ReleaseInput(
        parents={1: None, 2: 1, 3: 1},
        invited={2: 6, 3: 5},
        participants={2: len(team_a), 3: len(team_b)},
        answers={"vt_trusted": {t: a for t, a in answers.items() if a}},
        comments={2: [("trio", "Godt hold")] * comments} if comments else {},
        questions=[QuestionSpec("vt_trusted", "vertical_trust", 1, 5, False)],
        k=5,
        comment_k=10,
        distribution_k=10,
    )


def test_small_groups_are_hidden_with_their_complement():
    """Team A: 6 answer 4; team B: 4 answer 2. B is too few; A is hidden too, or the workplace
    figure minus A would reveal B."""
    result = keyed(compute_release(workplace([4] * 6, [2] * 4)))
    b, a, whole = (result[("question", "vt_trusted", u)] for u in (3, 2, 1))
    assert b.suppressed and b.reason == "too_few" and b.mean is None
    assert a.suppressed and a.reason == "protects_others" and a.respondents is None
    assert not whole.suppressed and whole.respondents == 10 and whole.mean == 3.2
    assert whole.distribution == {"1": 0, "2": 4, "3": 0, "4": 6, "5": 0}
    assert result[("dimension", "vertical_trust", 1)].mean == 55.0  # 3.2 on 1-5
    participation = result[("participation", "", 1)]
    assert (participation.invited, participation.respondents) == (11, 10)


def test_distribution_needs_ten_and_comments_need_ten():
    result = compute_release(workplace([3] * 6, [], comments=6))
    figures = keyed(result)
    question = figures[("question", "vt_trusted", 2)]
    assert not question.suppressed and question.respondents == 6
    assert question.distribution is None  # 6 < 10
    assert figures[("comments", "", 2)].reason == "too_few"
    assert figures[("participation", "", 3)].reason == "too_few"  # nobody: stored as too few
    assert result.comments == []  # no group with its comments shown: none kept


def test_the_computation_reads_no_database_and_no_web_framework():
    import ast
    import inspect

    from pulse import tree
    from pulse.anonymity import compute, rules

    for module in (compute, rules, tree):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                assert not any(
                    n.split(".")[0] in {"flask", "sqlalchemy"} or n == "pulse.extensions"
                    for n in names
                ), (module.__name__, names)
