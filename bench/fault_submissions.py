"""Fault test: submissions survive a database restart, a hard database stop and killed workers.

Starts its own PostgreSQL cluster (initdb/pg_ctl from /usr/lib/postgresql/*/bin, in a temporary
directory, on a free port of 127.0.0.1; run as the `postgres` user when started as root), makes
an organisation with one person per submission and an open round, and serves the app with
gunicorn (several workers). Thousands of distinct employees then each submit one answer, and
retry with the *same* idempotency key until they get a reply, as the offline outbox does. In the
middle, PostgreSQL is restarted, then killed hard (kill -9 of the postmaster) and started again,
and gunicorn workers are killed. At the end it prints:

    acknowledged   employees who got "thank you"
    stored         participations in the database (each one sealed answer box)
    lost           acknowledged but not stored            (must be 0)
    doubled        sealed boxes beyond one per participation (must be 0)

Run (not part of `make test`; a few minutes):

    .venv/bin/python bench/fault_submissions.py --submissions 20000

Everything listens on 127.0.0.1 only, the run is bounded by --time-limit, and the cluster and
its directory are removed at the end.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary directory, on 127.0.0.1 only."""

    def __init__(self, directory: Path) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
        )
        if not versions:
            raise SystemExit("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin.")
        self.bin = Path(versions[-1])
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/pulse"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - our own fixed commands
            command, check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c max_connections=200 -c fsync=on -c synchronous_commit=on"
        )
        for _attempt in range(30):  # after kill -9, the orphaned backends need a moment to go
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"),
                "-o", options, "-w", "-t", "60", "start", check=False,
            )  # fmt: skip
            if result.returncode == 0:
                return
            time.sleep(1)
        raise RuntimeError(f"PostgreSQL did not start: {result.stdout}{result.stderr}")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.start()

    def kill_hard(self) -> None:
        """kill -9 of the postmaster (no shutdown at all), then start again (crash recovery)."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        time.sleep(2)
        self.start()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def create_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE pulse")


def seed(count: int) -> tuple[int, list[dict], str]:
    """An organisation with `count` employees in teams of 50 and an open round for all of them.
    Returns the round id, each employee's request data (cookie, CSRF token) and the field name
    and value of the one question every employee answers."""
    from datetime import timedelta

    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import insert, select

    from pulse import create_app
    from pulse.auth.tokens import hash_token
    from pulse.content import load_question_bank
    from pulse.extensions import db
    from pulse.models import DeviceSession, Membership, Organisation, Person, Unit
    from pulse.rounds import create_round, open_round
    from pulse.timeutil import utcnow

    app = create_app()
    people: list[dict] = []
    with app.app_context():
        load_question_bank()
        organisation = Organisation(name="Fejlkommune")
        db.session.add(organisation)
        db.session.flush()
        root = Unit(organisation_id=organisation.id, name="Fejlkommune", kind="organisation")
        db.session.add(root)
        db.session.flush()
        teams = []
        for number in range((count + 49) // 50):
            teams.append(
                Unit(organisation_id=organisation.id, parent_id=root.id, name=f"T{number}")
            )
        db.session.add_all(teams)
        db.session.flush()
        rows = [
            {"organisation_id": organisation.id, "name": f"Ansat {n}", "email": f"a{n}@x.test"}
            for n in range(count)
        ]
        db.session.execute(insert(Person), rows)
        ids = db.session.scalars(
            select(Person.id).where(Person.organisation_id == organisation.id).order_by(Person.id)
        ).all()
        db.session.execute(
            insert(Membership),
            [{"person_id": pid, "unit_id": teams[n // 50].id} for n, pid in enumerate(ids)],
        )
        devices = {pid: secrets.token_urlsafe(32) for pid in ids}
        db.session.execute(
            insert(DeviceSession),
            [{"person_id": pid, "token_hash": hash_token(token)} for pid, token in devices.items()],
        )
        now = utcnow()
        round_ = create_round(
            organisation, ["vt_trusted"], now - timedelta(hours=1), now + timedelta(days=7)
        )
        open_round(round_, [root.id])
        db.session.commit()
        round_id = round_.id
        # A signed-in device per employee, as the sign-in link would leave it (see
        # pulse/auth/sessions.py): the session cookie and the CSRF token of its pages.
        cookies = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        for pid in ids:
            raw = secrets.token_hex(20)
            session = {
                "_user_id": f"{pid}:1",
                "_fresh": True,
                "device": devices[pid],
                "csrf_token": raw,
            }
            people.append({"id": pid, "cookie": cookies.dumps(session), "csrf": csrf.dumps(raw)})
        db.engine.dispose()
    return round_id, people, app.config["SESSION_COOKIE_NAME"]


class Gunicorn:
    def __init__(self, workers: int, env: dict, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command
            [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/offline", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def kill_worker(self) -> int | None:
        """kill -9 of one worker in the middle of its work; the master starts a new one."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        if not pids:
            return None
        pid = secrets.choice(pids)
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def submit_all(url, round_id, people, cookie_name, field, threads, deadline, progress):
    """Each employee submits once, retrying with the same key until acknowledged."""
    acknowledged: set[int] = set()
    unexpected: list[int] = []
    attempts = [0]
    failures = {"5xx": 0, "no reply": 0}
    lock = threading.Lock()
    local = threading.local()

    def one(person: dict) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        key = secrets.token_hex(16)
        data = {"csrf_token": person["csrf"], "submission_key": key, "audience": "trio", field: "4"}
        headers = {
            "HX-Request": "true",
            "HX-Target": "pulse",
            "Cookie": f"{cookie_name}={person['cookie']}",
        }
        pause = 0.2
        while time.monotonic() < deadline:
            with lock:
                attempts[0] += 1
            try:
                response = session.post(
                    f"{url}/pulse/{round_id}", data=data, headers=headers, timeout=15,
                    allow_redirects=False,
                )  # fmt: skip
            except requests.RequestException:
                response = None
            if response is None or response.status_code >= 500:
                with lock:
                    failures["no reply" if response is None else "5xx"] += 1
            if response is not None and response.status_code == 200:
                with lock:
                    acknowledged.add(person["id"])
                    progress[0] += 1
                return
            if response is not None and response.status_code < 500:
                with lock:
                    unexpected.append(response.status_code)
                    progress[0] += 1
                return
            time.sleep(pause * (0.5 + secrets.randbelow(1000) / 1000))
            pause = min(pause * 2, 3.0)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, people))
    return acknowledged, unexpected, attempts[0], failures


def faults(cluster: Cluster, server: Gunicorn, progress, total, deadline, events) -> None:
    """Restart, hard stop, worker kills: each once the submissions have got so far."""
    plan = [
        (0.15, "PostgreSQL restarted (pg_ctl restart -m fast)", cluster.restart),
        (0.30, "gunicorn worker killed (kill -9)", server.kill_worker),
        (
            0.45,
            "PostgreSQL killed hard (kill -9 of the postmaster), then started",
            cluster.kill_hard,
        ),
        (0.60, "gunicorn worker killed (kill -9)", server.kill_worker),
        (0.70, "gunicorn worker killed (kill -9)", server.kill_worker),
    ]
    for share, label, action in plan:
        while progress[0] < share * total and time.monotonic() < deadline:
            time.sleep(0.05)
        if time.monotonic() >= deadline:
            return
        started = time.monotonic()
        action()
        events.append(f"{label} at {progress[0]} acknowledged, {time.monotonic() - started:.1f} s")
        print(events[-1], flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=32, help="employees submitting at once")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds; then it stops")
    args = parser.parse_args()
    started = time.monotonic()
    deadline = started + args.time_limit
    directory = Path(tempfile.mkdtemp(prefix="pulse-fault-"))
    cluster = Cluster(directory)
    server = None
    try:
        cluster.init()
        cluster.start()
        cluster.create_database()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "SECRET_KEY": secrets.token_hex(32),
            # Answers are sealed while the round is open (pulse/anonymity/sealed.py).
            "PULSE_ANSWER_KEY": secrets.token_hex(32),
            "PULSE_ENV": "production",
            "SESSION_COOKIE_SECURE": "0",
            "PULSE_INSTANCE_PATH": str(directory / "instance"),
            "PULSE_BASE_URL": "http://127.0.0.1",
        }
        os.environ.update(env)
        subprocess.run(  # noqa: S603 - a fixed command
            [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        round_id, people, cookie_name = seed(args.submissions)
        print(f"Seeded {len(people)} employees in {time.monotonic() - started:.0f} s.", flush=True)
        server = Gunicorn(args.workers, env, directory / "gunicorn.log")
        progress, events = [0], []
        injector = threading.Thread(
            target=faults, args=(cluster, server, progress, len(people), deadline, events),
            daemon=True,
        )  # fmt: skip
        injector.start()
        run_started = time.monotonic()
        acknowledged, unexpected, attempts, failures = submit_all(
            server.url, round_id, people, cookie_name, "q_vt_trusted", args.threads, deadline,
            progress,
        )  # fmt: skip
        elapsed = time.monotonic() - run_started
        injector.join(timeout=120)
        stored_ids, boxes = count_stored(cluster, round_id)
        lost = len(acknowledged - stored_ids)
        doubled = boxes - len(stored_ids)
        print(f"employees      {len(people)}")
        print(f"requests       {attempts} in {elapsed:.0f} s; retried after {failures['5xx']} "
              f"server errors and {failures['no reply']} lost connections")  # fmt: skip
        print(f"acknowledged   {len(acknowledged)}")
        print(f"stored         {len(stored_ids)} (sealed answer boxes: {boxes})")
        print(f"lost           {lost}")
        print(f"doubled        {doubled}")
        print(f"not acknowledged in time: {len(people) - len(acknowledged) - len(unexpected)}; "
              f"unexpected replies: {len(unexpected)} {sorted(set(unexpected))}")  # fmt: skip
        ok = lost == 0 and doubled == 0 and len(acknowledged) == len(people) and not unexpected
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.stop()
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def count_stored(cluster: Cluster, round_id: int) -> tuple[set[int], int]:
    """Who took part, and how many sealed boxes the round holds: one box per submission, opened
    only at release, so a stored submission is a participation with exactly one box."""
    import psycopg

    with psycopg.connect(cluster.url) as connection:
        ids = {
            row[0]
            for row in connection.execute(
                "SELECT person_id FROM participation WHERE round_id = %s", (round_id,)
            )
        }
        (boxes,) = connection.execute(
            "SELECT count(*) FROM sealed_answer WHERE round_id = %s", (round_id,)
        ).fetchone()
    return ids, boxes


if __name__ == "__main__":
    sys.exit(main())
