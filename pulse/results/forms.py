from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from pulse.models import ActionOwner, ActionStatus
from pulse.results.actions import OWNERS, STATUSES


class ActionForm(FlaskForm):
    title = StringField(
        _l("What will you do?"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message=_l("Write what you will do.")),
            Length(max=200, message=_l("Keep it to at most %(max)d characters.")),
        ],
    )
    dimension = StringField(_l("Which theme does it answer?"), validators=[Optional()])
    owner = StringField(
        _l("Who carries it?"),
        default=ActionOwner.TEAM,
        validators=[AnyOf(OWNERS, message=_l("Choose who carries the action."))],
    )
    follow_up_on = DateField(
        _l("Follow up on"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    status = StringField(
        _l("Status"),
        default=ActionStatus.OPEN,
        validators=[AnyOf(STATUSES, message=_l("Choose a status."))],
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Keep it to at most %(max)d characters.")),
        ],
    )
