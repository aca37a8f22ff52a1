"""Shared parts of the benchmarks: databases, gunicorn servers, a bounded load generator.

Everything runs on 127.0.0.1 only: a new SQLite file or a new PostgreSQL database on the local
server (created and dropped here), gunicorn with 2 sync workers, and a load generator made of a
few Python threads with `http.client`, bounded in requests and time. Each figure is compared
with a baseline measured in the same run, interleaved with it, and the median of the runs is
printed: the machine is shared, so the ratios count more than the milliseconds.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
#: Settings for the product in the benchmarks: plain HTTP on localhost, no rate limit (one
#: address sends every request).
BENCH_CONFIG = {
    "SECRET_KEY": "bench-only-not-secret",
    "PULSE_ANSWER_KEY": "bench-only-answer-key",  # for sealed answers, where the app has them
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "pulse_session",
    "WTF_CSRF_SSL_STRICT": False,
    "RATELIMIT_ENABLED": False,
}


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    """A new, empty database URL; dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"pulse_bench_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def product_app(url: str):
    """The product on this database, migrated (as `flask db upgrade` does)."""
    import flask_migrate

    from pulse import create_app

    app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(module: str, url: str, workers: int = 2) -> Iterator[int]:
    """`gunicorn -w 2 module:app` on 127.0.0.1; yields the port."""
    port = free_port()
    env = {**os.environ, "BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            f"{module}:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn {module} did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


class Client:
    """One keep-alive connection with its own cookies (one signed-in person)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def csrf(self, path: str) -> str:
        status, data = self.request("GET", path)
        assert status == 200, (path, status)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', data) or re.search(
            rb'"X-CSRFToken": ?"([^"]+)"', data
        )
        assert match, path
        return match.group(1).decode()

    def sign_in(self, token: str) -> None:
        path = f"/login/{token}"
        status, _ = self.request("POST", path, {"csrf_token": self.csrf(path)})
        assert status == 302, status


def sign_in_links(app, person_ids: list[int]) -> list[str]:
    from pulse.auth.tokens import issue_sign_in_token
    from pulse.extensions import db
    from pulse.models import Person

    with app.app_context():
        tokens = [issue_sign_in_token(db.session.get(Person, p), 1) for p in person_ids]
        db.session.commit()
    return tokens


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def latencies(call: Callable[[], object], count: int) -> list[float]:
    """Milliseconds per call, one after the other."""
    return [1000 * timed(call) for _ in range(count)]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def rate(calls: list[Callable[[], object]], threads: int) -> float:
    """Requests per second for these calls, spread over `threads` threads."""
    chunks = [calls[i::threads] for i in range(threads)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(lambda chunk: [c() for c in chunk], chunks):
            pass
    return len(calls) / (time.perf_counter() - start)


def interleaved(runs: dict[str, Callable[[int], float]], repeats: int) -> dict[str, float]:
    """Run each measurement `repeats` times, alternating between them; the median of each."""
    results: dict[str, list[float]] = {name: [] for name in runs}
    for repeat in range(repeats):
        for name, run in runs.items():
            results[name].append(run(repeat))
    return {name: statistics.median(values) for name, values in results.items()}


def sizes_from_argv(default: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """`--people 4500,45000 --backends sqlite,postgres` (both optional)."""
    args = [a for a in sys.argv[1:] if a != "--pages-only"]
    people, backends = default, ("sqlite", "postgres")
    for flag, value in zip(args[::2], args[1::2], strict=False):
        if flag == "--people":
            people = tuple(int(v) for v in value.split(","))
        if flag == "--backends":
            backends = tuple(value.split(","))
    return people, backends
