from flask import abort, current_app, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from pulse.auth import bp, idp
from pulse.auth.forms import LanguageForm
from pulse.auth.sessions import end_device_session, start_device_session
from pulse.auth.tokens import find_usable_token, redeem_token
from pulse.extensions import db, limiter
from pulse.forms import EmptyForm


def _sign_in_limit() -> str:
    return current_app.config["PULSE_SIGNIN_RATE_LIMIT"]


@bp.get("/login/<token>")
@limiter.limit(_sign_in_limit)  # guessing links is hopeless, but cheap requests add up
def sign_in(token: str):
    """Show a button that uses the link. GET never uses it: mail scanners prefetch links."""
    row = find_usable_token(token)
    if row is not None and idp.must_use_idp(row.person):
        return _idp_required()
    return render_template(
        "auth/sign_in.html", token=token, usable=row is not None, form=EmptyForm()
    )


def _idp_required():
    message = _(
        "People with your role sign in with their work account, not with a link. "
        "Use the button below."
    )
    return idp.refuse(message, 403)


@bp.get("/login/idp")
@limiter.limit("30 per minute")
def idp_sign_in():
    """Go to the organisation's identity provider to sign in."""
    if not idp.idp_enabled():
        abort(404)
    return idp.start_sign_in()


@bp.get("/login/idp/callback")
@limiter.limit("30 per minute")
def idp_callback():
    """The provider's answer: checked, matched to a person, then signed in like a link."""
    if not idp.idp_enabled():
        abort(404)
    person, id_token, refusal = idp.finish_sign_in()
    if refusal is not None:
        return refusal
    _begin_session(person, via="idp")
    idp.remember_id_token(id_token)
    return redirect(url_for("home.home"))


@bp.post("/login/<token>")
@limiter.limit(_sign_in_limit)  # a whole team scanning QR cards on one Wi-Fi
def use_sign_in_link(token: str):
    """Exchange a sign-in link for a long-lived session on this device."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_in.html", token=token, usable=False, form=form), 400
    row = find_usable_token(token)
    if row is not None and idp.must_use_idp(row.person):
        return _idp_required()
    person = redeem_token(token)
    if person is None:
        return render_template("auth/sign_in.html", token=token, usable=False, form=form), 400
    _begin_session(person)
    return redirect(url_for("home.home"))


def _begin_session(person, via: str = "link") -> None:
    session.clear()  # a fresh session: nothing from before the sign-in carries over
    session.permanent = True
    start_device_session(person, via)
    # Seed the new session's CSRF secret in this response. Otherwise the first requests after
    # sign-in (the page, the service worker, the outbox) race to create it, and the last
    # cookie written wins: a form rendered with the loser's token would be refused. (The token
    # of the cleared session is cached on `g`; drop it so a new one is made for this session.)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


@bp.get("/signed-out")
def signed_out():
    """Where people land without a session: how to get a personal link."""
    return render_template("auth/signed_out.html")


@bp.post("/logout")
def sign_out():
    if EmptyForm().validate_on_submit():
        id_token = session.get(idp.ID_TOKEN_KEY)
        end_device_session()
        # bye=1: an explicit sign-out, so the device forgets this person's offline answers.
        # Signed in through the provider: its own sign-out follows, where it offers one.
        return idp.logout_redirect(id_token)
    return redirect(url_for("auth.signed_out"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Language (remembered on the person, or for this visit when not signed in) and sign-out."""
    form = LanguageForm()
    saved = False
    if form.validate_on_submit():
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
        else:
            session["locale"] = form.locale.data
        refresh()  # show the confirmation in the language just chosen
        saved = True
    elif not form.is_submitted():
        current = current_user.locale if current_user.is_authenticated else session.get("locale")
        form.locale.data = current or "da"
    status = 400 if form.errors else 200
    message = _("Saved.") if saved else None
    page = render_template("auth/settings.html", form=form, message=message, logout=EmptyForm())
    return page, status
