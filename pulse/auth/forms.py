from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField


class EmptyForm(FlaskForm):
    """A button-only POST: just the CSRF token."""


class LanguageForm(FlaskForm):
    locale = RadioField(
        _l("Language"),
        choices=[("da", "Dansk"), ("nb", "Norsk bokmål"), ("en", "English")],
    )
