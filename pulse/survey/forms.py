"""Reading an answer form: plain checks with messages in the person's language."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, Regexp

from pulse.forms import PulseForm
from pulse.models import Audience, Question

COMMENT_MAX_LENGTH = 1000
#: The client's idempotency key: a UUID or similar random string from the browser.
KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


class AnswerForm(PulseForm):
    """The fixed part of the answer form; the questions vary per round (see parse_answers)."""

    class Meta:
        # CSRFProtect checks every POST before the view runs (and Flask-WTF skips a form's own
        # check once it has); the template writes the token with csrf_token(). No form-level
        # field, so a submission does not make a token it never shows.
        csrf = False

    submission_key = HiddenField(
        validators=[
            InputRequired(
                message=_l(
                    "Your browser did not send the answer correctly. Reload the page and try again."
                )
            ),
            Regexp(
                KEY_PATTERN,
                message=_l(
                    "Your browser did not send the answer correctly. Reload the page and try again."
                ),
            ),
        ]
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[
            Optional(),
            Length(
                max=COMMENT_MAX_LENGTH,
                message=_l("Keep the comment to at most %(max)d characters."),
            ),
        ],
    )
    audience = StringField(
        default=Audience.TRIO,
        validators=[
            InputRequired(message=_l("Choose who may read the comment.")),
            AnyOf(list(Audience), message=_l("Choose who may read the comment.")),
        ],
    )


def field_name(question: Question) -> str:
    return f"q_{question.id}"


def parse_answers(
    questions: list[Question], formdata: MultiDict
) -> tuple[dict[str, int], dict[str, str]]:
    """The chosen value per question, and an error per question whose value is not on its scale.

    A question with no value (or the "skip" choice, an empty value) is skipped: that is allowed.
    """
    answers: dict[str, int] = {}
    errors: dict[str, str] = {}
    for question in questions:
        values = formdata.getlist(field_name(question))
        if not values or values == [""]:
            continue
        raw = values[0].strip()
        scale = question.scale
        if (
            len(values) > 1
            or not re.fullmatch(r"[0-9]{1,3}", raw)
            or not (raw.isascii() and raw.isdecimal())
            or not (scale.min_value <= int(raw) <= scale.max_value)
        ):
            errors[question.id] = _("Choose one of the answers, or skip the question.")
            continue
        answers[question.id] = int(raw)
    return answers, errors
