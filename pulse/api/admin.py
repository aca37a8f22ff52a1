"""Pages around the API: the readable docs page, and API tokens for administrators.

A token is shown once, when it is made; only its hash is kept. Issuing and revoking are audit
rows. The token pages answer 404 to everyone but the organisation's administrators.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from pulse.api import pages
from pulse.api.tokens import issue_api_token, revoke_api_token, tokens_of
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.models import ApiToken, Role, Unit


class TokenForm(FlaskForm):
    name = StringField(validators=[InputRequired(), Length(max=100)])
    unit = SelectField(coerce=str, validate_choice=True)


def _require_admin() -> None:
    if not current_user.is_authenticated or not any(
        assignment.role == Role.ADMIN for assignment in current_user.roles
    ):
        abort(404)


def _form() -> TokenForm:
    form = TokenForm()
    form.name.label.text = _("What the token is for (e.g. Power BI, HR analytics)")
    form.unit.label.text = _("It may read")
    units = db.session.execute(
        select(Unit.id, Unit.name)
        .where(Unit.organisation_id == current_user.organisation_id)
        .order_by(Unit.name)
    ).all()
    form.unit.choices = [("", _("The whole organisation"))] + [
        (str(unit_id), _("%(unit)s and the units below it", unit=name)) for unit_id, name in units
    ]
    return form


@pages.route("/admin/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """The organisation's API tokens; a new one is shown once."""
    _require_admin()
    form = _form()
    new_token = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            unit = None
            if form.unit.data:
                unit = db.session.get(Unit, int(form.unit.data))
                if unit is None or unit.organisation_id != current_user.organisation_id:
                    abort(404)
            _row, new_token = issue_api_token(current_user, form.name.data.strip(), unit)
            db.session.commit()
            form = _form()
            form.name.data = ""
        else:
            status = 400
    page = render_template(
        "api/tokens.html",
        form=form,
        new_token=new_token,
        tokens=tokens_of(current_user.organisation_id),
        revoke_form=EmptyForm(),
        base_url=current_app.config["PULSE_BASE_URL"],
    )
    return page, status


@pages.post("/admin/api-tokens/<id:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke a token: it stops working at once."""
    _require_admin()
    row = db.session.get(ApiToken, token_id)
    if row is None or row.organisation_id != current_user.organisation_id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    revoke_api_token(current_user, row)
    db.session.commit()
    return redirect(url_for("api_pages.api_tokens"))


@pages.get("/api/v1/docs")
def docs():
    """The API described for people: every operation, its parameters and an example."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template(
        "api/docs.html", spec=spec, base_url=current_app.config["PULSE_BASE_URL"]
    )
