"""A pooled connection that died while idle is never handed to a request (pulse._configure_pool).

The pool checks a connection before use only after it has sat idle (a ping per request was a
round trip per request); here the idle limit is zero, so every checkout is checked.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import pulse
from pulse.extensions import db


def test_a_connection_killed_while_idle_is_replaced(app, database_backend, monkeypatch):
    if database_backend != "postgres":
        pytest.skip("only a server database can drop a connection")
    monkeypatch.setattr(pulse, "POOL_PING_AFTER_IDLE_SECONDS", 0.0)
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool, idle
        killer = create_engine(db.engine.url, poolclass=NullPool)
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    killer.dispose()
    with app.app_context():
        assert db.engine.pool.checkedin() == 1  # the dead one, waiting to be reused
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        db.session.remove()


def test_a_connection_in_steady_use_is_not_pinged(app, monkeypatch):
    pings = []
    with app.app_context():
        dialect = db.engine.dialect
        monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(connection))
        for _ in range(3):
            assert db.session.scalar(text("SELECT 1")) == 1
            db.session.remove()
    assert pings == []
    monkeypatch.setattr(pulse, "POOL_PING_AFTER_IDLE_SECONDS", 0.0)
    with app.app_context():
        assert db.session.scalar(text("SELECT 1")) == 1
        db.session.remove()
    assert len(pings) == 1
