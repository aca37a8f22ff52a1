"""Settings, all overridable from the environment (12-factor style).

Every setting has a safe production default except SECRET_KEY and PULSE_ANSWER_KEY, which must
be set outside development; `create_app` refuses to start without them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

#: The checkout: templates/, static/, migrations/ and (by default) instance/ live here.
ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _list(name: str) -> tuple[str, ...] | None:
    """A comma-separated setting; None when unset (the default applies)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return tuple(item.strip() for item in value.split(",") if item.strip())


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
        # A pooled connection is checked before use when it has been idle (pulse/__init__.py,
        # _configure_pool), not before every request: SQLAlchemy's pool_pre_ping would add a
        # round trip to each one.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        # Links we print or e-mail must point at the public address, not at the request's host.
        "PULSE_BASE_URL": os.environ.get("PULSE_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PULSE_TIMEZONE": os.environ.get("PULSE_TIMEZONE", "Europe/Copenhagen"),
        #: The level of the product's own log lines (`pulse.*`, to stderr): INFO shows the tick.
        "PULSE_LOG_LEVEL": os.environ.get("PULSE_LOG_LEVEL", "INFO").upper(),
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
        "AUDIT_SIGNIN_RETENTION_MONTHS": _int("AUDIT_SIGNIN_RETENTION_MONTHS", 13),
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
        # Security behind a proxy and towards push services (see README, Configuration).
        #: Push endpoints only on these hosts ("*.x" for sub-domains); None: the browsers' own.
        "PULSE_PUSH_HOSTS": _list("PULSE_PUSH_HOSTS"),
        #: How many reverse proxies stand in front (X-Forwarded-For/-Proto/-Host): 0 = none.
        "PULSE_TRUSTED_PROXIES": _int("PULSE_TRUSTED_PROXIES", 0),
        #: Host names the app answers to (others get 400); None: any (only for development).
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS"),
        #: Opening sign-in links, per client address (a whole team scanning cards on one Wi-Fi).
        "PULSE_SIGNIN_RATE_LIMIT": os.environ.get("PULSE_SIGNIN_RATE_LIMIT", "120 per minute"),
        # Above this many open units, the administration area picks a unit by searching its
        # name instead of offering one select box of them all.
        "PULSE_ADMIN_UNIT_SELECT_MAX": _int("PULSE_ADMIN_UNIT_SELECT_MAX", 300),
        # Sign-in with the organisation's OpenID Connect provider (README). Off without an issuer.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "openid email profile"),
        #: The ID token claim that holds the person's e-mail (Entra ID: email or upn).
        "OIDC_MATCH_CLAIM": os.environ.get("OIDC_MATCH_CLAIM", "email"),
        #: Roles that must sign in with the provider (their personal links stop working).
        "OIDC_REQUIRED_ROLES": tuple(
            role.strip()
            for role in os.environ.get("OIDC_REQUIRED_ROLES", "").split(",")
            if role.strip()
        ),
        #: Seconds of clock difference tolerated when checking the ID token's times.
        "OIDC_LEEWAY": _int("OIDC_LEEWAY", 60),
        #: Requests per API token (README "The JSON API").
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        # Anonymity at rest (docs/anonymity.md): the secret that encrypts each round's answer
        # key. Never stored in the database; without it a database reader reads no answer.
        "PULSE_ANSWER_KEY": os.environ.get("PULSE_ANSWER_KEY")
        or ("dev-only-answer-key-not-secret" if development else None),
        # SQL logging prints rows, and so would link answers to the requests that wrote them:
        # development only (see `lock_sql_logging`).
        "SQLALCHEMY_ECHO": development and _bool(os.environ.get("PULSE_SQL_ECHO"), False),
        # Administration area: the organisation CSV upload (45,000 people is about 4 MB).
        "ADMIN_IMPORT_MAX_BYTES": _int("ADMIN_IMPORT_MAX_BYTES", 20 * 1024 * 1024),
    }


def check_secrets(config: dict) -> None:
    """Refuse to start without the secrets; tests may derive the answer key from SECRET_KEY."""
    if not config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY must be set (see README, Configuration).")
    if not config.get("PULSE_ANSWER_KEY"):
        if not config.get("TESTING"):
            raise RuntimeError("PULSE_ANSWER_KEY must be set (see README, Configuration).")
        config["PULSE_ANSWER_KEY"] = "test-answer-key:" + config["SECRET_KEY"]


def lock_sql_logging(config: dict) -> None:
    """Outside development, SQL logging stays off whatever the environment or a later logging
    configuration says: at INFO it shows which statements a submission ran, at DEBUG the rows
    themselves (docs/anonymity.md, "Logs")."""
    if config["PULSE_ENV"] == "development":
        return
    if config.get("SQLALCHEMY_ECHO"):
        raise RuntimeError("SQLALCHEMY_ECHO cannot be on in production: it would log answer rows.")
    for name in ("sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        if not any(isinstance(f, _OnlyWarnings) for f in logger.filters):
            logger.addFilter(_OnlyWarnings())


class _OnlyWarnings(logging.Filter):
    """Drops the engine's INFO and DEBUG records even if someone lowers the level later."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING
