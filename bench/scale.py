"""Tillidspuls at municipality scale: team page, answer POST and release, against baselines.

For each backend (SQLite, PostgreSQL on 127.0.0.1) and each size, in one run:

1. builds the organisation with `pulse/demo_scale.py` (about one unit per 13 people, teams of
   5-25, five levels, 156 weekly released rounds written as figures);
2. serves the product and the baseline app (bench/baseline_app.py) with gunicorn, 2 sync workers
   each, and measures the team page's p95 latency for the root, a leaf, and a leaf seen by a TR
   who is a member of it, interleaved with a static page (p95 of each run, median of the runs);
3. opens a new round for everyone (the product's `open_round`) and measures answer POSTs per
   second by signed-in members against the bare app's one-row insert (4 client threads,
   interleaved runs, median);
4. lets 70 % of everyone answer through `survey.service.submit`, closes the round and times
   `anonymity.release.release_round`.

Run: `.venv/bin/python -m bench.scale [--people 4500,45000] [--backends sqlite,postgres]`
(`--parts pages,post,release` measures only those parts; `--pages-only` is `--parts pages`).
PostgreSQL: a new database on the server in
BENCH_POSTGRES_URL, default the local one, dropped at the end. Takes minutes per size; the
largest size dominates.
"""

from __future__ import annotations

import sys
import time
import uuid

from sqlalchemy import select

from bench import baseline_app
from bench.harness import (
    Client,
    database,
    gunicorn,
    interleaved,
    latencies,
    p95,
    product_app,
    rate,
    sign_in_links,
    sizes_from_argv,
)

PAGE_REQUESTS = 30  # per run and page
RUNS = 5
POSTS = 150  # per run
THREADS = 4


def parts_from_argv() -> set[str]:
    """Which parts to measure: `--parts pages,post,release` (default all; `--pages-only`)."""
    if "--pages-only" in sys.argv:
        return {"pages"}
    if "--parts" in sys.argv:
        chosen = set(sys.argv[sys.argv.index("--parts") + 1].split(","))
        unknown = chosen - {"pages", "post", "release"}
        if unknown:
            raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))}")
        return chosen
    return {"pages", "post", "release"}


PARTS = parts_from_argv()


def team_pages(port: int, base_port: int, scale, tokens: list[str]) -> dict[str, float]:
    director, member, static = Client(port), Client(port), Client(base_port)
    director.sign_in(tokens[0])
    member.sign_in(tokens[1])
    pages = {
        "static page": (static, "/static"),
        "team root": (director, f"/team/{scale.root_id}"),
        "team leaf": (director, f"/team/{scale.leaf_id}"),
        "team leaf, member TR": (member, f"/team/{scale.leaf_id}"),
    }
    for client, path in pages.values():  # warm up each worker
        for _ in range(4):
            status, _ = client.request("GET", path)
            assert status == 200, (path, status)

    def run(client, path):
        return lambda _repeat: p95(latencies(lambda: client.request("GET", path), PAGE_REQUESTS))

    return interleaved({name: run(*page) for name, page in pages.items()}, RUNS)


def answer_posts(app, port: int, base_port: int, round_id: int, people: list[int]) -> dict:
    """Answer POSTs per second, product and bare insert, interleaved runs."""
    from pulse.extensions import db
    from pulse.models import Round

    with app.app_context():
        questions = [rq.question_id for rq in db.session.get(Round, round_id).questions]
    tokens = sign_in_links(app, people[: POSTS * RUNS])
    path = f"/pulse/{round_id}"
    ready = []
    for token in tokens:
        client = Client(port)
        client.sign_in(token)
        ready.append((client, client.csrf(path)))

    def post(client, csrf):
        form = {
            "submission_key": uuid.uuid4().hex,
            "audience": "trio",
            "comment": "",
            "csrf_token": csrf,
        }
        form.update({f"q_{q}": "4" for q in questions})
        status, _ = client.request("POST", path, form, {"HX-Request": "true", "HX-Target": "pulse"})
        assert status == 200, status

    bare = [Client(base_port) for _ in range(THREADS)]

    def product_run(repeat):
        batch = ready[repeat * POSTS : (repeat + 1) * POSTS]
        return rate([lambda c=c, t=t: post(c, t) for c, t in batch], THREADS)

    def bare_run(_repeat):
        calls = [
            lambda c=bare[i % THREADS]: c.request("POST", "/insert", {"value": "x"})
            for i in range(POSTS)
        ]
        return rate(calls, THREADS)

    result = interleaved({"bare insert": bare_run, "answer POST": product_run}, RUNS)
    return result


def measure(backend: str, people: int) -> dict:
    try:  # a round's life lives in pulse/rounds.py once that module exists
        from pulse.rounds import close_round, release_round
    except ImportError:
        from pulse.anonymity.release import release_round
        from pulse.lifecycle import close_round
    from pulse.demo_scale import answer_round, build, open_round_for_everyone
    from pulse.extensions import db
    from pulse.models import Membership, Round
    from pulse.timeutil import utcnow

    figures: dict[str, object] = {"backend": backend, "people": people}
    with database(backend) as url:
        app = product_app(url)
        baseline_app.create_table(url)
        started = time.perf_counter()
        with app.app_context():
            scale = build(people)
            db.session.remove()
        figures["build s"] = round(time.perf_counter() - started, 1)
        figures["units"] = scale.units
        tokens = sign_in_links(app, [scale.director_id, scale.leaf_tr_id])
        with app.app_context():
            round_id = open_round_for_everyone(scale.organisation_id)
            members = db.session.scalars(
                select(Membership.person_id).order_by(Membership.person_id.desc())
            ).all()
            db.session.remove()
        with gunicorn("bench.wsgi_bench", url) as port, gunicorn("bench.baseline_app", url) as base:
            if "pages" in PARTS:
                figures.update(team_pages(port, base, scale, tokens))
            if "post" in PARTS:
                figures.update(answer_posts(app, port, base, round_id, list(members)))
        if "release" not in PARTS:
            return figures
        with app.app_context():
            started = time.perf_counter()
            figures["answered"] = answer_round(round_id, 0.7)
            figures["answering s"] = round(time.perf_counter() - started, 1)
            round_ = db.session.get(Round, round_id)
            close_round(round_)
            db.session.commit()
            started = time.perf_counter()
            release_round(round_, utcnow())
            figures["release s"] = round(time.perf_counter() - started, 2)
            db.session.remove()
            db.engine.dispose()
    return figures


def report(rows: list[dict]) -> str:
    lines = [
        "backend   people  units | team p95 ms (x static): root / leaf / leaf member TR"
        " | answer POST / bare insert req/s = ratio | release s"
    ]
    for f in rows:
        f = {
            "static page": 1,
            "team root": 0,
            "team leaf": 0,
            "team leaf, member TR": 0,
            "answer POST": 0,
            "bare insert": 1,
            "release s": 0,
            "answered": 0,
            "answering s": 0,
        } | f
        static = f["static page"]
        pages = " / ".join(
            f"{f[name]:.1f} ({f[name] / static:.0f}x)"
            for name in ("team root", "team leaf", "team leaf, member TR")
        )
        lines.append(
            f"{f['backend']:<9}{f['people']:>7}{f['units']:>7} | static {static:.1f} ms; {pages}"
            f" | {f['answer POST']:.0f} / {f['bare insert']:.0f} ="
            f" {f['answer POST'] / f['bare insert']:.2f} | {f['release s']:.2f}"
            f"  (build {f['build s']} s, {f['answered']} answered in {f['answering s']} s)"
        )
    return "\n".join(lines)


def main() -> None:
    sizes, backends = sizes_from_argv((4500, 15000, 45000))
    rows = []
    for backend in backends:
        for people in sizes:
            rows.append(measure(backend, people))
            print(report(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(report(rows))


if __name__ == "__main__":
    main()
