"""Tillidspuls: anonymous pulse checks for the trust reform.

`create_app` builds the application in small, named steps. Nothing here touches the database:
schema changes happen through `flask db upgrade`, data through the `flask pulse` commands.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from pulse.config import ROOT


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("PULSE_INSTANCE_PATH", str(ROOT / "instance")),
    )
    configure_settings(app, test_config)
    configure_logging(app)
    configure_extensions(app)
    configure_web(app)
    configure_blueprints(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    from pulse.config import check_secrets, load_settings, lock_sql_logging

    app.config.from_mapping(load_settings(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    check_secrets(app.config)
    lock_sql_logging(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def configure_logging(app: Flask) -> None:
    """`pulse.*` at INFO to stderr; before Flask makes `app.logger`, so it adds no second
    handler of its own."""
    from pulse.logs import configure_logging as configure

    configure(app.config["PULSE_LOG_LEVEL"])


def configure_extensions(app: Flask) -> None:
    from pulse.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
    from pulse.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from pulse import models  # noqa: F401  (registers the tables with SQLAlchemy and Alembic)
    from pulse.auth.idp import configure_idp
    from pulse.auth.sessions import configure_login

    configure_login(app)
    configure_idp(app)
    _configure_pool(app)
    _configure_sqlite(app)


#: A pooled connection idle for longer than this is pinged before use. One in steady use is
#: not: it has just worked, and a ping per request was a round trip per request.
POOL_PING_AFTER_IDLE_SECONDS = 1.0


def _configure_pool(app: Flask) -> None:
    """Check a pooled connection before use when it has sat idle (a firewall may have dropped
    it, or the database restarted meanwhile); if the ping fails the pool opens a fresh one.

    One in steady use is not pinged: after a database restart under traffic, the first request
    on each worker meets a dead connection and gets the 503 page with Retry-After (an answer is
    resent by the outbox with the same key and stored once); SQLAlchemy then replaces the whole
    pool. That one request per worker is the price of not pinging before every request."""
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    from pulse.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["pulse_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("pulse_idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < POOL_PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (a new one if need be).
            raise DisconnectionError() from error


def _configure_sqlite(app: Flask) -> None:
    """WAL and foreign keys for SQLite: readers don't block the writer, and FKs hold."""
    from sqlalchemy import event

    from pulse.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are overwritten, not left in free pages: after a release, the deleted
        # participation rows can't be read back out of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_size_limit=0")
        cursor.close()


def configure_web(app: Flask) -> None:
    from pulse.web import configure_web as configure

    configure(app)


def configure_blueprints(app: Flask) -> None:
    from pulse.about import bp as about_bp
    from pulse.admin import bp as admin_bp
    from pulse.auth import bp as auth_bp
    from pulse.cards import bp as cards_bp
    from pulse.governance import bp as governance_bp
    from pulse.home import bp as home_bp
    from pulse.med import bp as med_bp
    from pulse.pwa import bp as pwa_bp
    from pulse.results import bp as results_bp
    from pulse.survey import bp as survey_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(governance_bp)
    app.register_blueprint(about_bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(med_bp)
    app.register_blueprint(admin_bp)

    from pulse.api import configure_api

    configure_api(app)


def configure_cli(app: Flask) -> None:
    from pulse.cli import pulse_cli

    app.cli.add_command(pulse_cli)
