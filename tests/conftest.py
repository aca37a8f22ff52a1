"""Shared fixtures: an application on every database backend, built by the migrations.

Every database test runs on SQLite and, when `PULSE_TEST_POSTGRES_URL` is set, on PostgreSQL as
well (ids "sqlite" / "postgres"). Each backend's database is created and migrated once per
session (`flask_migrate.upgrade`, never `create_all`); after each test its tables are emptied.

How to use them (unit, integration and e2e tests alike):

- `app`, `client`, `runner`: a fresh application per test on a migrated database, CSRF on.
- `database`: small helpers to read and write rows outside a request (`count`, `session()`).
- `world`: a small organisation with an open round (see `tests.factories.build_world`).
- `demo` / `demo_app`: the demo municipality, made once per backend per session (read only).
- `database_factory.create(backend)`: another migrated database of your own (a URL), e.g. for a
  module-scoped fixture whose data must outlive a single test; dropped at session end.
  `migrated_database_url` is the shared one that `app` empties after every test.
- `app_config(url, **overrides)`: the test settings, for apps of your own (a live server).

Do not make requests while holding `app.app_context()`: a request would reuse that context, so
its `g` (Flask-Login's user) and database session would leak between requests. The test client
refuses to (see `PulseClient`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from pulse import create_app
from pulse.extensions import db

POSTGRES_URL = os.environ.get("PULSE_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
TEST_SECRET_KEY = "test-secret-key-not-used-anywhere-else"


def app_config(database_url: str, **overrides) -> dict:
    """Settings for a test application: plain-HTTP cookies, everything else as in production."""
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # The test client speaks http://localhost; production's __Host- cookie needs https.
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "pulse_session",
        "WTF_CSRF_SSL_STRICT": False,
        "PULSE_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return config


@contextlib.contextmanager
def preserved_logging() -> Iterator[None]:
    """Undo what Alembic's env.py does to logging (`fileConfig`): it replaces the root handlers
    (pytest's log capture among them) and disables every logger that already exists, the app's
    own included, which would hide the traceback of an unexpected 500."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {
        name: (logger.disabled, logger.level)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for name, logger in logging.Logger.manager.loggerDict.items():
            if not isinstance(logger, logging.Logger):
                continue
            disabled, old_level = loggers.get(name, (False, logging.NOTSET))
            logger.disabled = disabled
            logger.setLevel(old_level)


@contextlib.contextmanager
def migration_environment() -> Iterator[None]:
    """Around anything that runs migrations/env.py: keep logging as pytest set it up."""
    with preserved_logging():
        yield


def upgrade_database(database_url: str) -> None:
    """Create the schema the way production does: `flask db upgrade`."""
    import flask_migrate

    app = create_app(app_config(database_url))
    with migration_environment(), app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def dispose_engines(app: flask.Flask) -> None:
    with app.app_context():
        db.engine.dispose()


def empty_database(app: flask.Flask) -> None:
    """Delete every row the models know of (the Alembic version row stays).

    DELETE rather than TRUNCATE on PostgreSQL too: on tables this small it is about ten times
    faster. Ids are not reset, so tests must not assume them. Only tables that exist: a model
    without its migration yet is test_schema.py's to report.
    """
    with app.app_context():
        existing = set(sa.inspect(db.engine).get_table_names())
        for table in reversed(db.metadata.sorted_tables):
            if table.name in existing:
                db.session.execute(table.delete())
        db.session.commit()


class DatabaseFactory:
    """Creates databases for the tests (one per call) and drops them at the end of the session.

    SQLite: a file in a temporary directory. PostgreSQL: a new, uniquely named database on the
    server in `PULSE_TEST_POSTGRES_URL`, so parallel test runs never collide.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.postgres_databases: list[str] = []

    def create(self, backend: str, *, migrated: bool = True) -> str:
        url = self._empty(backend)
        if migrated:
            upgrade_database(url)
        return url

    def _empty(self, backend: str) -> str:
        name = f"pulse_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            return f"sqlite:///{self.directory / name}.sqlite3"
        if backend != "postgres" or not POSTGRES_URL:
            raise ValueError(f"no such test database backend: {backend}")
        with self._admin_connection() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.postgres_databases.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.postgres_databases:
            return
        with self._admin_connection() as connection:
            for name in self.postgres_databases:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.postgres_databases.clear()

    @staticmethod
    def _admin_connection():
        import psycopg

        conninfo = make_url(POSTGRES_URL).set(drivername="postgresql")
        return psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True)


class PulseClient(FlaskClient):
    """The Flask test client, refusing requests made while the test holds an app context."""

    def open(self, *args, **kwargs):
        if flask.has_app_context():
            raise RuntimeError(
                "A request was made inside `with app.app_context()`: it would share that "
                "context's g and database session. Leave the block before making requests."
            )
        return super().open(*args, **kwargs)


class Database:
    """Reading and writing rows from a test, each time in a fresh app context."""

    def __init__(self, app: flask.Flask) -> None:
        self.app = app

    @contextlib.contextmanager
    def session(self) -> Iterator:
        """`with database.session() as session:` ... committed at the end of the block."""
        with self.app.app_context():
            yield db.session
            db.session.commit()

    def count(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    def scalars(self, statement) -> list:
        """The rows of a select; plain values are safest (objects are detached afterwards)."""
        with self.app.app_context():
            return list(db.session.scalars(statement))

    def run(self, function: Callable, *args, **kwargs):
        """Call `function(*args, **kwargs)` inside an app context and commit."""
        with self.app.app_context():
            result = function(*args, **kwargs)
            db.session.commit()
            return result


def make_app(database_url: str, **overrides) -> flask.Flask:
    app = create_app(app_config(database_url, **overrides))
    app.test_client_class = PulseClient
    # In case a migration run without `preserved_logging` disabled it: the 500 handler logs here.
    app.logger.disabled = False
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def database_backend(request) -> str:
    """The backend: "sqlite", and "postgres" too when PULSE_TEST_POSTGRES_URL is set."""
    return request.param


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def migrated_database_url(database_backend, database_factory) -> str:
    """One migrated database per backend for the whole session; `app` empties it after a test."""
    return database_factory.create(database_backend)


@pytest.fixture
def app(migrated_database_url) -> Iterator[flask.Flask]:
    app = make_app(migrated_database_url)
    yield app
    empty_database(app)
    dispose_engines(app)


@pytest.fixture
def client(app) -> PulseClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def database(app) -> Database:
    return Database(app)


@dataclass(frozen=True)
class Demo:
    app: flask.Flask
    #: What `flask pulse demo --if-empty` printed.
    output: str


@pytest.fixture(scope="session")
def demo(database_backend, database_factory) -> Iterator[Demo]:
    """The demo municipality, made by `flask pulse demo --if-empty` once per backend per session
    (it takes seconds) on a database of its own, which no per-test cleanup touches. Tests may
    sign people in, but must not change what other tests read."""
    app = make_app(database_factory.create(database_backend))
    result = app.test_cli_runner().invoke(args=["pulse", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    yield Demo(app=app, output=result.output)
    dispose_engines(app)


@pytest.fixture(scope="session")
def demo_app(demo) -> flask.Flask:
    return demo.app


@pytest.fixture
def world(app):
    """A small organisation with two teams and an open round (ids only)."""
    from tests.factories import build_world

    return build_world(app)
