from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from pulse.cards import bp
from pulse.cards.pdf import render_cards_pdf
from pulse.cards.service import make_cards
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.models import Membership, Role, Unit
from pulse.timeutil import utcnow


def _require_admin() -> None:
    """Cards sign people in: only the organisation's administrator may print them."""
    if not current_user.is_authenticated or not any(
        assignment.role == Role.ADMIN for assignment in current_user.roles
    ):
        abort(404)


@bp.get("/")
@login_required
def teams():
    """The teams of the organisation, each with buttons for its cards as a page or a PDF."""
    _require_admin()
    rows = db.session.execute(
        select(Unit, func.count(Membership.id))
        .join(Membership, Membership.unit_id == Unit.id)
        .where(Unit.organisation_id == current_user.organisation_id)
        .group_by(Unit.id)
        .order_by(Unit.name)
    ).all()
    return render_template("cards/teams.html", rows=rows, form=EmptyForm())


@bp.post("/<id:unit_id>")
@login_required
def cards(unit_id: int):
    """New single-use sign-in links for everyone in the team, as a printable page or a PDF."""
    _require_admin()
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != current_user.organisation_id:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    made = make_cards(unit, utcnow(), current_user)
    db.session.commit()
    if request.form.get("format") == "pdf":
        pdf = render_cards_pdf(made, _("Tillidspuls cards: %(team)s", team=unit.name))
        response = current_app.response_class(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="tillidspuls-cards-{unit.id}.pdf"'
        )
        return response
    images = {card.url: card.qr.svg_data_uri(scale=5, border=2) for card in made if card.qr}
    return render_template("cards/cards.html", unit=unit, cards=made, images=images)
