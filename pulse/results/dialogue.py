"""Dialogue cards as printable cards: one page per team, cut along the lines for the meeting."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from pulse.content import dimension_names
from pulse.extensions import db
from pulse.models import Unit
from pulse.results import bp
from pulse.results.access import viewable_units
from pulse.results.data import dialogue_cards as cards_for
from pulse.results.data import team_data


@bp.get("/team/<id:unit_id>/dialogue-cards")
@login_required
def dialogue_cards(unit_id: int):
    """The team page's dialogue cards, laid out to print and cut (A4, six to a page)."""
    if unit_id not in viewable_units(current_user):
        abort(404)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    locale = str(get_locale())
    viewer_unit_id = current_user.membership.unit_id if current_user.membership else None
    cards = cards_for(team_data(unit, viewer_unit_id), locale)
    return render_template(
        "results/dialogue_cards.html", unit=unit, cards=cards, names=dimension_names(locale)
    )
