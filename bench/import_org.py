"""How long importing a 45,000-person organisation takes (issue: under a minute).

Generates a realistic file (a municipality of 4 areas, ~600 workplaces, ~3,000 teams, TRIO
roles, MED committees), then times on each database, through `pulse.orgimport`, exactly what
`flask pulse import-org FILE --yes` does: the first import into an empty database, the same file
again (nothing to change), and a reorganisation (5 % moved, 2 % left, 2 % joined).

Run: `.venv/bin/python bench/import_org.py [--people 45000]`. SQLite always; PostgreSQL too when
PULSE_TEST_POSTGRES_URL is set (a database of its own is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_SECONDS = 60.0
AREAS = ("Ældre og Sundhed", "Børn og Unge", "Teknik og Miljø", "Kultur og Borgerservice")


def generate(people: int, seed: int = 14, *, variant: int = 0) -> bytes:
    """The file as bytes; `variant` 1 is the same organisation after a reorganisation."""
    lines = ["email;name;unit_path;role;locale"]
    teams = []
    for area in AREAS:
        for w in range(people // (len(AREAS) * 75) + 1):
            for t in range(5):
                teams.append(f"Bench Kommune / {area} / Arbejdsplads {w + 1} / Team {t + 1}")
    moved = random.Random(seed + variant)  # noqa: S311
    for number in range(people):
        team = teams[number % len(teams)]
        if variant and moved.random() < 0.02:
            continue  # left
        if variant and moved.random() < 0.05:
            team = teams[moved.randrange(len(teams))]
        index = number // len(teams)
        role = {0: "leader", 1: "tr", 2: "amr"}.get(index, "")
        if index == 3 and number % 50 == 0:
            role = f"med:Område-MED {team.split(' / ')[1]}"
        locale = ("", "", "", "nb", "en")[number % 5]
        lines.append(f"p{number}@bench.example;Person {number} Benchsen;{team};{role};{locale}")
    if variant:
        for number in range(people, people + people // 50):
            lines.append(f"p{number}@bench.example;Ny {number};{teams[number % len(teams)]};;")
    return ("\n".join(lines) + "\n").encode()


def timed_import(app, data: bytes) -> tuple[float, dict[str, int]]:
    from sqlalchemy import select

    from pulse.extensions import db
    from pulse.models import Organisation
    from pulse.orgimport import apply_plan, make_plan, read_rows
    from pulse.timeutil import utcnow

    with app.app_context():
        start = time.perf_counter()
        rows = read_rows(data)
        plan = make_plan(rows, db.session.scalar(select(Organisation).order_by(Organisation.id)))
        if not plan.is_empty:
            apply_plan(plan, utcnow(), actor_id=None)
        db.session.commit()
        elapsed = time.perf_counter() - start
        db.session.remove()
    return elapsed, plan.counts()


def run(label: str, url: str, people: int) -> bool:
    import flask_migrate

    from pulse import create_app
    from pulse.extensions import db
    from tests.conftest import app_config, preserved_logging

    app = create_app(app_config(url))
    with app.app_context(), preserved_logging():
        flask_migrate.upgrade()
    ok = True
    for step, data in (
        ("first import", generate(people)),
        ("same file again", generate(people)),
        ("reorganisation", generate(people, variant=1)),
    ):
        seconds, counts = timed_import(app, data)
        ok &= seconds < BUDGET_SECONDS
        changes = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        print(f"{label:10} {step:16} {seconds:6.1f} s  ({changes or 'nothing to change'})")
    with app.app_context():
        db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=45_000)
    people = parser.parse_args().people
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", people)
    postgres = os.environ.get("PULSE_TEST_POSTGRES_URL", "").strip()
    if postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"pulse_bench_import_{uuid.uuid4().hex[:8]}"
        admin = make_url(postgres).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
            ok &= run("PostgreSQL", url, people)
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"Budget: under {BUDGET_SECONDS:.0f} s per import of {people:,} people: "
        + ("met" if ok else "NOT met")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
