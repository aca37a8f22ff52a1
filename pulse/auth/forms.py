from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import AnyOf, InputRequired

from pulse.i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    # The radio buttons are rendered by the template from LANGUAGE_NAMES.
    locale = StringField(
        validators=[
            InputRequired(message=_l("Choose one of the languages.")),
            AnyOf(list(LANGUAGE_NAMES), message=_l("Choose one of the languages.")),
        ]
    )
