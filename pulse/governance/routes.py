from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.governance import bp
from pulse.governance.rules import LIMITS, GovernanceError, decide, propose, sides_of
from pulse.models import AuditEvent, PrivacyChange, PrivacyChangeStatus
from pulse.timeutil import utcnow


def _messages() -> dict[str, str]:
    return {
        "not_on_side": _("You can't propose changes for that side."),
        "unknown_setting": _("Choose one of the settings."),
        "out_of_range": _("That value is outside what the rules allow."),
        "comment_below_k": _("The comment threshold can't be lower than the minimum group size."),
        "k_above_comment": _(
            "The minimum group size can't be higher than the thresholds for comments and "
            "distributions."
        ),
        "unchanged": _("That is already the current value."),
        "already_decided": _("That proposal has already been decided."),
        "needs_other_side": _("A change must be approved by someone from the other side."),
        "stale": _("The setting changed after this proposal was made; propose it again."),
    }


@bp.route("/privacy-settings", methods=["GET", "POST"])
@login_required
def privacy_settings():
    """Current privacy settings, open proposals, and a form to propose a change."""
    sides = sides_of(current_user)
    if not sides:
        abort(404)
    organisation = current_user.organisation
    error = None
    status = 200
    if request.method == "POST":
        form = EmptyForm()
        if form.validate_on_submit():
            try:
                value = _parse_value(request.form.get("setting", ""), request.form.get("value", ""))
                propose(
                    organisation,
                    current_user,
                    request.form.get("side", ""),
                    request.form.get("setting", ""),
                    value,
                    utcnow(),
                )
                db.session.commit()
                return redirect(url_for("governance.privacy_settings"))
            except GovernanceError as problem:
                db.session.rollback()
                error, status = _messages()[str(problem)], 422
    return render_template(
        "governance/privacy_settings.html",
        organisation=organisation,
        sides=sorted(sides),
        proposals=_open_proposals(organisation.id),
        history=_history(organisation.id),
        limits=LIMITS,
        error=error,
        form=EmptyForm(),
    ), status


@bp.post("/privacy-settings/<id:change_id>/<any(approve, reject):verdict>")
@login_required
def decide_change(change_id: int, verdict: str):
    change = db.session.get(PrivacyChange, change_id)
    if change is None or change.organisation_id != current_user.organisation_id:
        abort(404)
    if not sides_of(current_user) or not EmptyForm().validate_on_submit():
        abort(404)
    try:
        decide(change, current_user, verdict == "approve", utcnow())
        db.session.commit()
    except GovernanceError as problem:
        db.session.rollback()
        return render_template(
            "governance/privacy_settings.html",
            organisation=current_user.organisation,
            sides=sorted(sides_of(current_user)),
            proposals=_open_proposals(current_user.organisation_id),
            history=_history(current_user.organisation_id),
            limits=LIMITS,
            error=_messages()[str(problem)],
            form=EmptyForm(),
        ), 422
    return redirect(url_for("governance.privacy_settings"))


def _parse_value(setting: str, raw: str) -> int:
    if setting not in LIMITS:
        raise GovernanceError("unknown_setting")
    raw = raw.strip()
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 3:
        raise GovernanceError("out_of_range")
    return int(raw)


def _open_proposals(organisation_id: int) -> list[PrivacyChange]:
    return list(
        db.session.scalars(
            select(PrivacyChange)
            .where(
                PrivacyChange.organisation_id == organisation_id,
                PrivacyChange.status == PrivacyChangeStatus.PROPOSED,
            )
            .order_by(PrivacyChange.proposed_at)
        )
    )


def _history(organisation_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.kind.like("privacy.%"),
            )
            .order_by(AuditEvent.at.desc())
            .limit(20)
        )
    )
