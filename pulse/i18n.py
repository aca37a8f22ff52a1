"""Which language and time zone a request is shown in, and how numbers and dates are written.

Every number, percentage and date a page or chart shows goes through the helpers below, so
Danish and Norwegian pages write "58,3" and "16. nov. 2025", never "58.3" or "Nov 16".
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    to_user_timezone,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pulse.timeutil import utcnow


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


# --------------------------------------------------------------------------------------------
# Numbers


def number(value: float | int | None, digits: int = 1) -> str:
    """A figure in the user's locale with at most `digits` decimals: "58,3" in Danish."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern)


def fixed(value: float | int | None, digits: int = 1) -> str:
    """Like `number`, but always with `digits` decimals, so a column of figures lines up."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def percent(part: float | int | None, whole: float | int | None = None) -> str:
    """A share as a percentage in the user's locale ("67 %" in Danish, "67%" in English).
    With `whole`, the share is part / whole; without, `part` is a fraction (0-1)."""
    if part is None or whole == 0:
        return ""
    fraction = part / whole if whole is not None else part
    return format_percent(fraction)


def separators() -> str:
    """Plotly's `separators` layout value: decimal mark, then thousands separator."""
    locale = get_locale()
    return get_decimal_symbol(locale) + get_group_symbol(locale)


# --------------------------------------------------------------------------------------------
# Dates: with the year whenever it is not the current one


def _local(value: date | datetime) -> date | datetime:
    return to_user_timezone(value) if isinstance(value, datetime) else value


def _this_year() -> int:
    if not has_request_context():
        return to_user_timezone(utcnow()).year
    if "pulse_this_year" not in g:  # a table of 26 dates asks 26 times
        g.pulse_this_year = to_user_timezone(utcnow()).year
    return g.pulse_this_year


def day(value: date | datetime | None) -> str:
    """A day in words: "mandag den 16. november" (and the year when it is not this year)."""
    if value is None:
        return ""
    other_year = _local(value).year != _this_year()
    pattern = _("EEEE d MMMM yyyy") if other_year else _("EEEE d MMMM")
    if isinstance(value, datetime):
        return format_datetime(value, pattern)
    return format_date(value, pattern)


def when(value: datetime | None) -> str:
    """A day and a time: "mandag den 16. november kl. 08.00" (the year when not this year)."""
    if value is None:
        return ""
    other_year = _local(value).year != _this_year()
    pattern = _("EEEE d MMMM yyyy 'at' HH:mm") if other_year else _("EEEE d MMMM 'at' HH:mm")
    return format_datetime(value, pattern)


def short_day(value: date | datetime | None, *, with_year: bool | None = None) -> str:
    """A short day for tables and charts: "16. nov." / "Nov 16" (and the year when it is not
    this year, or when `with_year` says so)."""
    if value is None:
        return ""
    local = _local(value)
    if with_year is None:
        with_year = local.year != _this_year()
    day_ = local.date() if isinstance(local, datetime) else local
    return _short_day(day_, "yMMMd" if with_year else "MMMd", get_locale())


@lru_cache(maxsize=4096)
def _short_day(value: date, skeleton: str, locale: Locale) -> str:
    """Formatting a date with Babel costs about as much as a small SQL query; a team page
    writes the same few dozen dates on every view, so each is formatted once per process."""
    text = format_skeleton(skeleton, value, locale=locale)
    return text.replace(" ", "\u00a0")  # a date never breaks across lines


def register_filters(app: Flask) -> None:
    """The Jinja filters every template uses for numbers and dates."""
    app.add_template_filter(number, "number")
    app.add_template_filter(fixed, "fixed")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(day, "day")
    app.add_template_filter(when, "when")
    app.add_template_filter(short_day, "short_day")
