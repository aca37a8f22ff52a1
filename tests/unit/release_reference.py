"""The release computation as it was before compute.py, kept as an oracle for the tests.

A copy of the earlier `rules.suppress` (rescans after every hide) and of the figure arithmetic
of the earlier `release.py` (walks every team up the tree for every unit), over the same
ReleaseInput. Slow and obviously right; tests/unit/test_release_compute.py checks that
compute_release gives the same participation, comments, question and dimension figures.
"""

from __future__ import annotations

from pulse.anonymity.compute import ReleaseInput


def suppress(parents: dict, direct: dict, k: int, viewer: int | None = None) -> dict:
    """unit -> (visible, total, reason), the earlier algorithm step by step."""
    children: dict[int, list[int]] = {u: [] for u in parents}
    for uid, parent in parents.items():
        if parent in children:
            children[parent].append(uid)
    totals = {}

    def total(uid):
        if uid not in totals:
            totals[uid] = direct.get(uid, 0) + sum(total(c) for c in children[uid])
        return totals[uid]

    for uid in parents:
        total(uid)
    visible = {u: t >= k for u, t in totals.items()}
    reasons = {
        u: None if t >= k else ("no_answers" if t == 0 else "too_few") for u, t in totals.items()
    }

    def chain(uid):
        found = set()
        while uid is not None and uid in parents:
            found.add(uid)
            uid = parents[uid]
        return found

    def frontier(uid):
        found, stack = [], list(children[uid])
        while stack:
            node = stack.pop()
            if visible[node]:
                found.append(node)
            else:
                stack.extend(children[node])
        return found

    def hide_until_safe(viewer_chain):
        changed = True
        while changed:
            changed = False
            for uid in sorted(u for u, shown in visible.items() if shown):
                front = frontier(uid)
                residual = totals[uid] - sum(totals[f] for f in front)
                mine = uid in viewer_chain and not any(f in viewer_chain for f in front)
                if 0 < residual < (k + 1 if mine else k):
                    smallest = min(front, key=lambda f: (totals[f], f))
                    visible[smallest] = False
                    reasons[smallest] = "viewer_member" if residual >= k else "protects_others"
                    changed = True
                    break

    hide_until_safe(set())
    if viewer is not None:
        for uid in chain(viewer):
            if visible[uid] and totals[uid] < k + 1:
                visible[uid] = False
                reasons[uid] = "viewer_member"
        hide_until_safe(chain(viewer))
    return {u: (visible[u], totals[u], None if visible[u] else reasons[u]) for u in parents}


def release(data: ReleaseInput) -> dict[tuple[str, str, int], dict]:
    """(kind, ref, unit) -> figure columns, without distributions (their rule is new)."""
    covered: dict[int, int | None] = {}
    for team in data.invited:
        node = team
        while node is not None and node not in covered:
            covered[node] = data.parents.get(node)
            node = data.parents.get(node)

    def in_subtree(team, uid):
        node = team
        while node is not None:
            if node == uid:
                return True
            node = data.parents.get(node)
        return False

    def row(visible, total, reason, **numbers):
        reason = None if visible else reason.replace("no_answers", "too_few")
        figure = {"suppressed": not visible, "reason": reason, "respondents": None}
        figure |= {"invited": None, "mean": None} | numbers
        if visible:
            figure["respondents"] = total
        return figure

    figures = {}
    part = suppress(covered, data.participants, data.k)
    for uid, (visible, total, reason) in part.items():
        invited = sum(n for t, n in data.invited.items() if in_subtree(t, uid))
        figures[("participation", "", uid)] = row(
            visible, total, reason, invited=invited if visible else None
        )
    for uid, decision in suppress(covered, data.participants, data.comment_k).items():
        figures[("comments", "", uid)] = row(*decision)
    for question in data.questions:
        per_team = data.answers.get(question.id, {})
        counts = {t: sum(v.values()) for t, v in per_team.items()}
        for uid, (visible, total, reason) in suppress(covered, counts, data.k).items():
            figure = row(visible, total, reason)
            if visible:
                values: dict[int, int] = {}
                for team, per_value in per_team.items():
                    if in_subtree(team, uid):
                        for value, n in per_value.items():
                            values[value] = values.get(value, 0) + n
                figure["mean"] = round(sum(v * n for v, n in values.items()) / total, 1)
            figures[("question", question.id, uid)] = figure
    dimensions: dict[str, list] = {}
    for question in data.questions:
        dimensions.setdefault(question.dimension_id, []).append(question)
    for dimension_id, questions in dimensions.items():
        for uid in covered:
            parts = [figures[("question", q.id, uid)] for q in questions]
            figure = {"suppressed": False, "reason": None, "invited": None}
            hidden = [p for p in parts if p["suppressed"]]
            if hidden:
                figure |= {"suppressed": True, "reason": hidden[0]["reason"]}
                figure |= {"respondents": None, "mean": None}
            else:
                shares = []
                for q, p in zip(questions, parts, strict=True):
                    share = (p["mean"] - q.scale_min) / (q.scale_max - q.scale_min)
                    shares.append(100 * (1 - share if q.reversed else share))
                figure["respondents"] = max(p["respondents"] for p in parts)
                figure["mean"] = round(sum(shares) / len(shares), 1)
            figures[("dimension", dimension_id, uid)] = figure
    return figures
