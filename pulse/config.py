"""Settings, all overridable from the environment (12-factor style).

Every setting has a safe production default except SECRET_KEY, which must be set outside
development; `create_app` refuses to start without it.
"""

from __future__ import annotations

import os
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def load_settings(instance_path: str) -> dict:
    """Read the settings from the environment. Called once by the application factory."""
    development = os.environ.get("PULSE_ENV", "production") == "development"
    sqlite_path = Path(instance_path) / "tillidspuls.sqlite3"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}"
    # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
    if database_url.startswith(("postgres://", "postgresql://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    secure_cookies = _bool(os.environ.get("SESSION_COOKIE_SECURE"), not development)

    return {
        "PULSE_ENV": "development" if development else "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY")
        or ("dev-only-not-secret" if development else None),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: a database error message must never carry an answer or a comment.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Links we print or e-mail must point at the public address, not at the request's host.
        "PULSE_BASE_URL": os.environ.get("PULSE_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PULSE_TIMEZONE": os.environ.get("PULSE_TIMEZONE", "Europe/Copenhagen"),
        "SIGNIN_LINK_DAYS": _int("SIGNIN_LINK_DAYS", 30),
        # A sign-in lasts on its device until the person signs out (about a year).
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * _int("SESSION_DAYS", 365),
        # The __Host- prefix makes the browser insist on Secure, Path=/ and no Domain.
        "SESSION_COOKIE_NAME": "__Host-pulse" if secure_cookies else "pulse_session",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token is bound to the session, which already expires
        "WTF_CSRF_SSL_STRICT": secure_cookies,
        "BABEL_DEFAULT_LOCALE": os.environ.get("PULSE_DEFAULT_LOCALE", "da"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PULSE_TIMEZONE", "Europe/Copenhagen"),
        "PULSE_LOCALES": ("da", "nb", "en"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        #: Raw answers and comments are deleted this long after release; figures stay.
        "ANSWER_RETENTION_MONTHS": _int("ANSWER_RETENTION_MONTHS", 24),
        "MAX_CONTENT_LENGTH": 64 * 1024,  # answers are tiny; anything bigger is not an answer
        # E-mail (invitations and reminders). Without SMTP_HOST no e-mail is sent.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(os.environ.get("SMTP_STARTTLS"), True),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 30),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Tillidspuls <noreply@localhost>"),
        # Web push: made by `flask pulse vapid-keys`; without them, no push is sent.
        "VAPID_PRIVATE_KEY": os.environ.get("VAPID_PRIVATE_KEY") or None,
        "VAPID_PUBLIC_KEY": os.environ.get("VAPID_PUBLIC_KEY") or None,
        #: Who push services may contact about our messages: a mailto: or https: address.
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT") or "mailto:it@localhost",
        # Administration area: the organisation CSV upload (45,000 people is about 4 MB).
        "ADMIN_IMPORT_MAX_BYTES": _int("ADMIN_IMPORT_MAX_BYTES", 20 * 1024 * 1024),
    }
