"""How often does one person joining or leaving a team between two rounds reveal their answer?

A residual risk that no suppression rule removes (docs/anonymity.md, "Residual risks"): a team's
figure is shown in two consecutive rounds, exactly one person answered in one round and not the
other (a joiner, a leaver, or someone who skipped), and a colleague knows who. If everyone else
answered the same both times, the difference between the two released figures is that person's
answer. This simulation measures how often the released figures pin that answer exactly - one
value possible, and it is the right one - for the figures the product releases:

- the mean, rounded to one decimal, with the number of respondents (shown from k = 5);
- the distribution (shown from 10 respondents), which makes the difference exact.

Run: `python bench/joiners_leavers.py [--trials 20000] [--seed 1]`. Pure Python, no database.
"""

from __future__ import annotations

import argparse
import random

SCALE = range(1, 6)  # the 1-5 agreement scale of most questions
#: (smallest, largest team, whether distributions are released as the product does)
ROWS = ((5, 9, True), (10, 19, True), (20, 40, True), (10, 19, False), (20, 40, False))
STABILITY = (1.0, 0.9, 0.7)  # share of the others who give the same answer both times
DISTRIBUTION_K = 10


def released(values: list[int], spreads: bool) -> tuple[int, float, tuple[int, ...] | None]:
    n = len(values)
    mean = round(sum(values) / n, 1)
    shown = spreads and n >= DISTRIBUTION_K
    spread = tuple(values.count(v) for v in SCALE) if shown else None
    return n, mean, spread


def candidates(before, after) -> list[int]:
    """Values of the one changed person consistent with two released figures, assuming the
    others answered the same both times (what a colleague would assume)."""
    (n1, _m1, d1), (n2, _m2, d2) = before, after
    joined = n2 == n1 + 1
    if d1 is not None and d2 is not None:
        diff = (
            [b - a for a, b in zip(d1, d2, strict=True)]
            if joined
            else [a - b for a, b in zip(d1, d2, strict=True)]
        )
        if sorted(diff) == [0] * (len(diff) - 1) + [1]:
            return [SCALE[diff.index(1)]]
        return []
    small, large = (before, after) if joined else (after, before)
    (ns, ms, _), (nl, ml, _) = small, large
    found = []
    low, high = min(SCALE) * ns, max(SCALE) * ns
    sums = [s for s in range(low, high + 1) if round(s / ns, 1) == ms]
    for x in SCALE:
        if any(round((s + x) / nl, 1) == ml for s in sums):
            found.append(x)
    return found


def trial(rng: random.Random, size: tuple[int, int], stability: float, spreads: bool) -> bool:
    n = rng.randint(*size)
    # A team leans one way; people differ around it.
    centre = rng.uniform(1.5, 4.5)
    others = [min(5, max(1, round(rng.gauss(centre, 0.9)))) for _ in range(n)]
    person = min(5, max(1, round(rng.gauss(centre, 0.9))))
    again = [
        v if rng.random() < stability else min(5, max(1, v + rng.choice((-1, 1)))) for v in others
    ]
    if rng.random() < 0.5:  # a joiner: answers only in the second round
        before, after = released(others, spreads), released([*again, person], spreads)
    else:  # a leaver: answers only in the first round
        before, after = released([*others, person], spreads), released(again, spreads)
    found = candidates(before, after)
    return found == [person]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (a simulation, not a secret)
    print(f"One-person change between two released figures ({args.trials} trials per cell).")
    print("Share of cases where the figures pin the changed person's answer exactly:")
    header = "respondents, figures  " + "  ".join(f"others stable {s:>4.0%}" for s in STABILITY)
    print(header)
    for low, high, spreads in ROWS:
        cells = []
        for stability in STABILITY:
            hits = sum(trial(rng, (low, high), stability, spreads) for _ in range(args.trials))
            cells.append(f"{hits / args.trials:>20.1%}")
        shown = "mean+dist." if spreads and high >= DISTRIBUTION_K else "mean only"
        print(f"{f'{low}-{high}, {shown}':<21}" + "  ".join(cells))


if __name__ == "__main__":
    main()
