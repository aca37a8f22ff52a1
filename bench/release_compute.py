"""Time compute_release (pure Python, no database) at three sizes of organisation.

    .venv/bin/python bench/release_compute.py

The largest size is a municipality: 45,000 people in 3,239 units answering 3 questions
(135,000 answers). The tree is root -> areas -> departments -> teams, with some sub-teams and a
few leaders as direct members of non-leaf units; team sizes vary from 1 to 40. Prints the median
of interleaved runs per size and the time per 1,000 people: flat means linear growth.
"""

from __future__ import annotations

import random
import statistics
import time

from pulse.anonymity.compute import QuestionSpec, ReleaseInput, compute_release

QUESTIONS = [
    QuestionSpec("vt_trusted", "vertical_trust", 1, 5, False),
    QuestionSpec("vt_information", "vertical_trust", 1, 5, False),
    QuestionSpec("wl_pressure", "workload", 1, 5, True),
]
FULL = (45_000, 3_239)


def organisation(people: int, units: int, seed: int = 7) -> ReleaseInput:
    rng = random.Random(seed)  # noqa: S311 (a reproducible data set, not a secret)
    parents: dict[int, int | None] = {1: None}
    areas = list(range(2, 2 + max(2, units // 400)))
    for uid in areas:
        parents[uid] = 1
    departments = list(range(areas[-1] + 1, areas[-1] + 1 + max(4, units // 50)))
    for uid in departments:
        parents[uid] = rng.choice(areas)
    teams = list(range(departments[-1] + 1, units + 1))
    for uid in teams:
        # Most teams sit under a department; one in ten is a sub-team of an earlier team.
        parent_pool = (
            departments if rng.random() < 0.9 or uid == teams[0] else teams[: uid - teams[0]]
        )
        parents[uid] = rng.choice(parent_pool)
    invited: dict[int, int] = {}
    weights = [rng.choice([1, 2, 3, 6, 10, 14, 20, 30, 40]) for _ in teams]
    for team, weight in zip(teams, weights, strict=True):
        invited[team] = weight
    for uid in rng.sample(areas + departments, len(areas + departments) // 3):
        invited[uid] = rng.randint(1, 3)  # leaders as direct members
    scale = people / sum(invited.values())
    invited = {uid: max(1, round(n * scale)) for uid, n in invited.items()}
    participants = {uid: n for uid, n in invited.items()}
    answers: dict[str, dict[int, dict[int, int]]] = {}
    for question in QUESTIONS:
        per_team = {}
        for uid, n in participants.items():
            values: dict[int, int] = {}
            for _ in range(n):
                value = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 6, 3))[0]
                values[value] = values.get(value, 0) + 1
            per_team[uid] = values
        answers[question.id] = per_team
    comments = {
        uid: [("trio", f"comment {uid}-{i}") for i in range(n // 10)]
        for uid, n in participants.items()
        if n >= 10
    }
    return ReleaseInput(
        parents=parents,
        invited=invited,
        participants=participants,
        answers=answers,
        comments=comments,
        questions=QUESTIONS,
        k=5,
        comment_k=10,
        distribution_k=10,
    )


def main() -> None:
    sizes = [(FULL[0] // d, FULL[1] // d) for d in (9, 3, 1)]
    inputs = {size: organisation(*size) for size in sizes}
    wall: dict[tuple[int, int], list[float]] = {size: [] for size in sizes}
    cpu: dict[tuple[int, int], list[float]] = {size: [] for size in sizes}
    for _ in range(5):  # interleaved, so a busy machine slows every size alike
        for size in sizes:
            start, start_cpu = time.perf_counter(), time.process_time()
            compute_release(inputs[size])
            wall[size].append(time.perf_counter() - start)
            cpu[size].append(time.process_time() - start_cpu)
    print("compute_release, median of 5 interleaved runs (CPU time: this process alone)")
    print(
        f"{'people':>8} {'units':>6} {'answers':>8} {'wall s':>7} {'CPU s':>6}"
        f" {'CPU ms/1000 people':>19}"
    )
    for size in sizes:
        data = inputs[size]
        people = sum(data.participants.values())
        answers = sum(sum(v.values()) for q in data.answers.values() for v in q.values())
        median_cpu = statistics.median(cpu[size])
        print(
            f"{people:>8} {len(data.parents):>6} {answers:>8} {statistics.median(wall[size]):>7.3f}"
            f" {median_cpu:>6.3f} {1000 * median_cpu / people * 1000:>19.2f}"
        )


if __name__ == "__main__":
    main()
