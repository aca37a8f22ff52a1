"""Which language and time zone a request is shown in."""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def select_locale() -> str:
    """The person's own choice, else the visitor's choice this session, else the default.

    The browser's Accept-Language is deliberately not used: a Danish workplace's app speaks
    Danish unless a person asks for another language.
    """
    supported = current_app.config["PULSE_LOCALES"]
    if not has_request_context():  # CLI and scheduled work: the caller forces a locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        if current_user.locale in supported:
            return current_user.locale
        return current_user.organisation.default_locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["PULSE_TIMEZONE"]


LANGUAGE_NAMES = {"da": "Dansk", "nb": "Norsk bokmål", "en": "English"}

ROLE_NAMES = {
    "leader": _l("Leader"),
    "tr": _l("Shop steward (TR)"),
    "amr": _l("Health and safety representative (AMR)"),
    "admin": _l("Administrator"),
}
