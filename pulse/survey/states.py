"""The answer page's states: one spelling for the route, the templates and the offline outbox.

The route picks a state; `templates/survey/answer.html` includes `survey/_<state>.html`, and each
state's card writes the state into its `data-state` attribute. `static/js/outbox.js` reads
exactly these values (its `STATE`), and a unit test holds the two lists together.
"""

from __future__ import annotations

import enum


class AnswerState(enum.StrEnum):
    FORM = "form"
    THANKS = "thanks"
    ALREADY_ANSWERED = "already_answered"
    CLOSED = "closed"
