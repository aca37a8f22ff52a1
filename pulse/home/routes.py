from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from flask_login import current_user

from pulse.content import dimension_names, estimated_minutes
from pulse.figures import team_summary
from pulse.governance.rules import sides_of
from pulse.home import bp
from pulse.invitations import next_round_for, open_round_for
from pulse.results.actions import recent_actions_for_employee, status_names
from pulse.results.history import results_history
from pulse.survey.service import participation_of
from pulse.timeutil import utcnow


@bp.get("/")
def home():
    """The open round (or when the next one comes), and the person's roles."""
    if not current_user.is_authenticated:
        return render_template("auth/signed_out.html")
    now = utcnow()
    round_ = open_round_for(current_user, now)
    answered = round_ is not None and participation_of(round_, current_user) is not None
    membership = current_user.membership
    summary = team_summary(membership.unit, membership.unit_id) if membership else None
    return render_template(
        "home/home.html",
        summary=summary,
        history=results_history(membership.unit, membership.unit_id) if membership else None,
        actions=recent_actions_for_employee(membership.unit, now) if membership else [],
        status_names=status_names(),
        governs=bool(sides_of(current_user)),
        dimension_names=dimension_names(str(get_locale())),
        round=round_,
        answered=answered,
        minutes=estimated_minutes(len(round_.questions)) if round_ else 0,
        next_round=None if round_ else next_round_for(current_user, now),
    )
