"""`load_settings`: settings from the environment, safe production defaults."""

from __future__ import annotations

import pytest

from pulse import create_app
from pulse.config import load_settings

ENVIRONMENT = (
    "PULSE_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "SESSION_COOKIE_SECURE",
    "PULSE_BASE_URL",
    "PULSE_TIMEZONE",
    "SIGNIN_LINK_DAYS",
    "SESSION_DAYS",
    "PULSE_DEFAULT_LOCALE",
    "RATELIMIT_STORAGE_URI",
    "ANSWER_RETENTION_MONTHS",
    "AUDIT_SIGNIN_RETENTION_MONTHS",
    "PULSE_ADMIN_UNIT_SELECT_MAX",
    "PULSE_INSTANCE_PATH",
    "PULSE_PUSH_HOSTS",
    "PULSE_TRUSTED_PROXIES",
    "TRUSTED_HOSTS",
    "PULSE_SIGNIN_RATE_LIMIT",
    "PULSE_ANSWER_KEY",
    "PULSE_SQL_ECHO",
)


@pytest.fixture
def env(monkeypatch):
    """A clean environment: none of the app's variables set."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_is_the_default_and_safe(env, tmp_path):
    settings = load_settings(str(tmp_path))

    assert settings["PULSE_ENV"] == "production"
    assert settings["SECRET_KEY"] is None
    assert settings["PULSE_ANSWER_KEY"] is None
    assert settings["SQLALCHEMY_ECHO"] is False
    assert settings["SESSION_COOKIE_NAME"] == "__Host-pulse"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["WTF_CSRF_SSL_STRICT"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tillidspuls.sqlite3'}"
    assert settings["BABEL_DEFAULT_LOCALE"] == "da"
    assert settings["MAX_CONTENT_LENGTH"] <= 64 * 1024


def test_development_has_a_dev_key_and_plain_http_cookies(env, tmp_path):
    env.setenv("PULSE_ENV", "development")
    settings = load_settings(str(tmp_path))

    assert settings["PULSE_ENV"] == "development"
    assert settings["SECRET_KEY"]
    assert settings["PULSE_ANSWER_KEY"]
    assert settings["SESSION_COOKIE_NAME"] == "pulse_session"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_an_unknown_environment_name_is_production(env, tmp_path):
    env.setenv("PULSE_ENV", "dev")
    assert load_settings(str(tmp_path))["PULSE_ENV"] == "production"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u:p@db:5432/pulse", "postgresql+psycopg://u:p@db:5432/pulse"),
        ("postgresql://u@db/pulse", "postgresql+psycopg://u@db/pulse"),
        ("postgresql+psycopg://u@db/pulse", "postgresql+psycopg://u@db/pulse"),
        ("sqlite:////var/lib/pulse.sqlite3", "sqlite:////var/lib/pulse.sqlite3"),
    ],
)
def test_database_url_names_the_psycopg3_driver(env, tmp_path, url, expected):
    env.setenv("DATABASE_URL", url)
    assert load_settings(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    "value, secure",
    [("0", False), ("false", False), ("no", False), ("1", True), ("TRUE", True), ("", True)],
)
def test_secure_cookies_can_be_turned_off_behind_plain_http(env, tmp_path, value, secure):
    env.setenv("SESSION_COOKIE_SECURE", value)
    settings = load_settings(str(tmp_path))

    assert settings["SESSION_COOKIE_SECURE"] is secure
    assert settings["SESSION_COOKIE_NAME"] == ("__Host-pulse" if secure else "pulse_session")
    assert settings["WTF_CSRF_SSL_STRICT"] is secure


def test_everything_else_comes_from_the_environment(env, tmp_path):
    env.setenv("SECRET_KEY", "s3cret")
    env.setenv("PULSE_BASE_URL", "https://puls.example.dk/")
    env.setenv("PULSE_TIMEZONE", "Europe/Oslo")
    env.setenv("SIGNIN_LINK_DAYS", "7")
    env.setenv("SESSION_DAYS", "30")
    env.setenv("PULSE_DEFAULT_LOCALE", "nb")
    env.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379")

    settings = load_settings(str(tmp_path))

    assert settings["SECRET_KEY"] == "s3cret"
    assert settings["PULSE_BASE_URL"] == "https://puls.example.dk"
    assert settings["PULSE_TIMEZONE"] == settings["BABEL_DEFAULT_TIMEZONE"] == "Europe/Oslo"
    assert settings["SIGNIN_LINK_DAYS"] == 7
    assert settings["PERMANENT_SESSION_LIFETIME"] == 30 * 24 * 60 * 60
    assert settings["BABEL_DEFAULT_LOCALE"] == "nb"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379"


def test_create_app_refuses_production_without_a_secret_key(env, tmp_path):
    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_create_app_refuses_production_without_an_answer_key(env, tmp_path):
    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    env.setenv("SECRET_KEY", "s3cret")
    with pytest.raises(RuntimeError, match="PULSE_ANSWER_KEY"):
        create_app()


def test_sql_echo_cannot_be_switched_on_in_production(env, tmp_path):
    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    env.setenv("PULSE_SQL_ECHO", "1")
    assert load_settings(str(tmp_path))["SQLALCHEMY_ECHO"] is False  # ignored outside development
    with pytest.raises(RuntimeError, match="SQLALCHEMY_ECHO"):
        create_app({"SECRET_KEY": "k", "PULSE_ANSWER_KEY": "a", "SQLALCHEMY_ECHO": True})
    env.setenv("PULSE_ENV", "development")
    assert load_settings(str(tmp_path))["SQLALCHEMY_ECHO"] is True


def test_production_drops_engine_log_records_even_if_the_level_is_lowered(env, tmp_path, caplog):
    import logging

    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"SECRET_KEY": "k", "PULSE_ANSWER_KEY": "a", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine.Engine").setLevel(logging.DEBUG)
    from sqlalchemy import text

    from pulse.extensions import db

    with caplog.at_level(logging.DEBUG), app.app_context():
        db.session.execute(text("SELECT 'a row that must not be logged'")).all()
    assert "must not be logged" not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("sqlalchemy.engine")]


def test_create_app_reads_the_environment(env, tmp_path):
    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    env.setenv("PULSE_ANSWER_KEY", "answers-from-the-environment")
    env.setenv("SECRET_KEY", "from-the-environment")
    env.setenv("DATABASE_URL", "postgres://u@db.example/pulse")

    app = create_app()

    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/pulse"
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-pulse"


def test_create_app_test_config_wins_over_the_environment(env, tmp_path):
    env.setenv("PULSE_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"SECRET_KEY": "k", "PULSE_ANSWER_KEY": "a", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_proxy_host_and_push_settings(env, tmp_path):
    settings = load_settings(str(tmp_path))
    # Safe defaults: no proxy believed, the browsers' own push services, a sign-in limit.
    assert settings["PULSE_TRUSTED_PROXIES"] == 0
    assert settings["PULSE_PUSH_HOSTS"] is None
    assert settings["TRUSTED_HOSTS"] is None
    assert settings["PULSE_SIGNIN_RATE_LIMIT"]

    env.setenv("PULSE_TRUSTED_PROXIES", "1")
    env.setenv("TRUSTED_HOSTS", "puls.kommune.dk, puls.kommune.dk:443")
    env.setenv("PULSE_PUSH_HOSTS", "fcm.googleapis.com,*.push.apple.com")
    settings = load_settings(str(tmp_path))
    assert settings["PULSE_TRUSTED_PROXIES"] == 1
    assert settings["TRUSTED_HOSTS"] == ("puls.kommune.dk", "puls.kommune.dk:443")
    assert settings["PULSE_PUSH_HOSTS"] == ("fcm.googleapis.com", "*.push.apple.com")
