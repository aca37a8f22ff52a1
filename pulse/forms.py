"""Forms more than one feature uses."""

from __future__ import annotations

from functools import cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _wtforms_catalogue(locale: str) -> support.Translations:
    # Flask-WTF reads WTForms' own catalogue from disk on every request that builds a form
    # (a third of an answer POST's time went there); the files don't change while we run.
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' built-in messages in the request's language, loaded once per language."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WTFormsTranslations()


class PulseForm(FlaskForm):
    """The base of this app's forms: Flask-WTF's, with WTForms' catalogue cached."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return WTFORMS_TRANSLATIONS


class EmptyForm(PulseForm):
    """A button-only POST: just the CSRF token."""
