from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.governance import bp
from pulse.governance.forms import (
    SIDE_IN_SENTENCE,
    SIDE_NAMES,
    change_summary,
    controls,
    outcome_text,
    proposal_views,
)
from pulse.governance.rules import LIMITS, GovernanceError, decide_now, propose, sides_of
from pulse.models import Organisation, Person, PrivacyChange, PrivacyChangeStatus
from pulse.timeutil import utcnow

#: How many past proposals the page's history lists.
HISTORY = 20


def _messages(setting: str | None = None) -> dict[str, str]:
    low, high = LIMITS.get(setting or "", (None, None))
    return {
        "not_on_side": _("You can't propose changes for that side."),
        "unknown_setting": _("Choose one of the settings."),
        "out_of_range": _("Write a whole number from %(low)d to %(high)d.", low=low, high=high)
        if low is not None
        else _("That value is outside what the rules allow."),
        "comment_below_k": _("The comment threshold can't be lower than the minimum group size."),
        "k_above_comment": _(
            "The minimum group size can't be higher than the thresholds for comments and "
            "distributions."
        ),
        "unchanged": _("That is already the current value."),
        "already_decided": _("That proposal has already been decided."),
        "needs_other_side": _("A change must be approved by someone from the other side."),
        "stale": _("The setting changed after this proposal was made; propose it again."),
        "both_sides": _(
            "You hold roles on both sides, so you can't approve this proposal: someone who is "
            "only on the other side must do it."
        ),
        "busy": _("Someone else was deciding at the same moment. Reload the page and try again."),
    }


@bp.route("/privacy-settings", methods=["GET", "POST"])
@login_required
def privacy_settings():
    """Current privacy settings, open proposals, and a form to propose a change."""
    sides = sides_of(current_user)
    if not sides:
        abort(404)
    organisation = current_user.organisation
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        setting = request.form.get("setting", "")
        try:
            value = _parse_value(setting, request.form.getlist("value"))
            side = request.form.get("side") or (next(iter(sides)) if len(sides) == 1 else "")
            propose(organisation, current_user, side, setting, value, utcnow())
            db.session.commit()
            return redirect(url_for("governance.privacy_settings"))
        except GovernanceError as problem:
            db.session.rollback()
            return _page(organisation, sides, error=(setting, _messages(setting)[str(problem)]))
    return _page(organisation, sides)


@bp.post("/privacy-settings/<id:change_id>/<any(approve, reject):verdict>")
@login_required
def decide_change(change_id: int, verdict: str):
    change = db.session.get(PrivacyChange, change_id)
    if change is None or change.organisation_id != current_user.organisation_id:
        abort(404)
    sides = sides_of(current_user)
    if not sides or not EmptyForm().validate_on_submit():
        abort(404)
    try:
        decide_now(change.id, current_user, verdict == "approve", utcnow())
    except GovernanceError as problem:
        organisation = current_user.organisation
        return _page(organisation, sides, error=("", _messages()[str(problem)]))
    return redirect(url_for("governance.privacy_settings"))


def _page(organisation: Organisation, sides: set[str], error: tuple[str, str] | None = None):
    history = _history(organisation.id)
    names = _names({c.proposed_by_id for c in history} | {c.decided_by_id for c in history})
    page = render_template(
        "governance/privacy_settings.html",
        organisation=organisation,
        sides=sorted(sides),
        side_names=SIDE_NAMES,
        side_in_sentence=SIDE_IN_SENTENCE,
        controls=controls(organisation),
        proposals=proposal_views(_open_proposals(organisation.id), current_user, sides),
        history=[
            (
                change,
                change_summary(change),
                names.get(change.proposed_by_id, ""),
                outcome_text(change, names.get(change.decided_by_id, "")),
            )
            for change in history
        ],
        error_setting=error[0] if error else None,
        error=error[1] if error else None,
        form=EmptyForm(),
    )
    return page, 422 if error else 200


def _parse_value(setting: str, raw_values: list[str]) -> int:
    """The proposed value. A switch posts a hidden "0" and, when on, a "1" after it."""
    if setting not in LIMITS:
        raise GovernanceError("unknown_setting")
    raw = (raw_values[-1] if raw_values else "").strip()
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


def _history(organisation_id: int) -> list[PrivacyChange]:
    """The latest proposals, decided or not: every step is also in the audit log."""
    return list(
        db.session.scalars(
            select(PrivacyChange)
            .where(PrivacyChange.organisation_id == organisation_id)
            .order_by(PrivacyChange.proposed_at.desc(), PrivacyChange.id.desc())
            .limit(HISTORY)
        )
    )


def _names(person_ids: set[int | None]) -> dict[int, str]:
    ids = [pid for pid in person_ids if pid is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
