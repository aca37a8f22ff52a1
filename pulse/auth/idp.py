"""Sign-in with the organisation's identity provider (OpenID Connect), beside personal links.

Authlib does the protocol: the authorisation code flow with PKCE (S256), `state` and `nonce`
kept in the session, discovery from the issuer URL, and the ID token's signature (the
provider's published keys) and claims (issuer, audience, expiry, nonce) checked before we
read it. A person is matched to an imported person by one claim (e-mail by default); the
provider never creates an account here. README "Sign-in with the organisation's identity
provider" says how to register the app in Entra ID and Keycloak.
"""

from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, redirect, render_template, session
from flask_babel import gettext as _
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import delete, func, select

from pulse.extensions import db
from pulse.models import CommitteeMember, DeviceSession, Person, RoleAssignment

log = logging.getLogger(__name__)

#: The roles a setting can require the provider for ("med": a MED committee member).
IDP_ROLES = ("leader", "tr", "amr", "med", "admin")
#: Where the session keeps the ID token, for the provider's sign-out (id_token_hint).
ID_TOKEN_KEY = "idp_id_token"  # noqa: S105 (a session key, not a secret)
EXTENSION = "pulse.idp"


def _client():
    return current_app.extensions[EXTENSION]


def configure_idp(app: Flask) -> None:
    """Register the provider when `OIDC_ISSUER` is set; without it the feature is off."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    unknown = set(app.config["OIDC_REQUIRED_ROLES"]) - set(IDP_ROLES)
    if unknown:
        raise RuntimeError(f"OIDC_REQUIRED_ROLES: unknown role(s) {sorted(unknown)}")
    # One client per application (not a module-global one): each app has its own provider.
    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth.register(
        "idp",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )


def idp_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def must_use_idp(person: Person) -> bool:
    """Whether this person's roles oblige them to sign in with the provider, not a link."""
    required = set(current_app.config.get("OIDC_REQUIRED_ROLES") or ())
    if not required or not idp_enabled():
        return False
    roles = set(
        db.session.scalars(
            select(RoleAssignment.role).where(RoleAssignment.person_id == person.id)
        ).all()
    )
    if "med" in required:
        is_member = db.session.scalar(
            select(CommitteeMember.committee_id).where(CommitteeMember.person_id == person.id)
        )
        if is_member is not None:
            roles.add("med")
    return bool(roles & required)


def end_link_sessions() -> int:
    """End the link-made device sessions of everyone who must now use the provider.

    A link stops working for such a person at once (`must_use_idp`), but a device that signed
    in with one earlier would otherwise stay signed in: after `OIDC_REQUIRED_ROLES` is set, or
    when a person is given such a role. Called when roles or committee seats change and by
    every tick (`pulse/scheduling/tick.py`), so no such session outlives a minute. Their
    provider-made sessions stay. Returns how many sessions ended; the caller commits.
    """
    required = set(current_app.config.get("OIDC_REQUIRED_ROLES") or ())
    if not required or not idp_enabled():
        return 0
    people = select(RoleAssignment.person_id).where(RoleAssignment.role.in_(required))
    if "med" in required:
        people = people.union(select(CommitteeMember.person_id))
    ended = db.session.execute(
        delete(DeviceSession)
        .where(DeviceSession.via == "link", DeviceSession.person_id.in_(people))
        .execution_options(synchronize_session=False)
    )
    return ended.rowcount or 0


def _callback_url() -> str:
    # The public address, not the request's Host header: the provider only knows that one.
    return current_app.config["PULSE_BASE_URL"] + "/login/idp/callback"


def start_sign_in():
    """Send the browser to the provider (state, nonce and the PKCE verifier go in the session)."""
    try:
        return _client().authorize_redirect(_callback_url())
    except (RequestException, AuthlibBaseError, ValueError) as error:
        log.warning("Identity provider unreachable: %s", type(error).__name__)
        return _unreachable()


def finish_sign_in() -> tuple[Person | None, str | None, object]:
    """Check the provider's answer. Returns (person, id token, None) or (None, None, refusal)."""
    try:
        token = _client().authorize_access_token(leeway=current_app.config["OIDC_LEEWAY"])
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        # The kind of failure only: a token or a claim value could name the person.
        log.info("Identity provider sign-in refused: %s", type(error).__name__)
        return None, None, refuse(_reason(error), 400)
    except RequestException as error:
        log.warning("Identity provider unreachable: %s", type(error).__name__)
        return None, None, _unreachable()
    claims = token.get("userinfo")
    if not claims:
        return None, None, refuse(_("The sign-in service sent no proof of who you are."), 400)
    claim = current_app.config["OIDC_MATCH_CLAIM"]
    value = claims.get(claim)
    if value is None and token.get("access_token"):
        # Providers that keep the ID token small give the claim at the userinfo endpoint; it
        # counts only for the same subject as the verified ID token.
        try:
            extra = _client().userinfo(token=token)
        except (RequestException, AuthlibBaseError, ValueError) as error:
            log.warning("Identity provider userinfo failed: %s", type(error).__name__)
            return None, None, _unreachable()
        if extra.get("sub") == claims.get("sub"):
            value = extra.get(claim)
    person = match_person(value)
    if person is None:
        message = _(
            "You signed in, but your account is not among the people of this organisation "
            "in Tillidspuls. Ask your administrator to add you (with the e-mail address of "
            "your work account)."
        )
        return None, None, refuse(message, 403)
    return person, token.get("id_token"), None


def match_person(value: object) -> Person | None:
    """The active person whose e-mail equals the claim (case-insensitive), if exactly one."""
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        return None
    matches = db.session.scalars(
        select(Person).where(
            func.lower(Person.email) == value.strip().lower(), Person.active.is_(True)
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


def _reason(error: Exception) -> str:
    """What went wrong, in words a person can act on (never the token or a claim value)."""
    code = getattr(error, "error", None)
    if code == "mismatching_state" or type(error).__name__ == "MismatchingStateError":
        return _(
            "The sign-in could not be checked: it was started in another window or has "
            "expired. Start again."
        )
    if code == "invalid_grant":
        return _("This sign-in answer has already been used or has expired. Start again.")
    if code == "access_denied":
        return _("The sign-in was cancelled.")
    if code == "expired_token":
        return _("The sign-in service's answer has expired. Start again.")
    if getattr(error, "claim", None) == "nonce":
        return _("The sign-in service's answer did not belong to this sign-in. Start again.")
    return _("The sign-in service's answer could not be verified. Start again.")


def _unreachable():
    return refuse(_("The sign-in service did not answer. Try again in a minute."), 502)


def refuse(message: str, status: int):
    page = render_template("auth/idp_refused.html", message=message, enabled=idp_enabled())
    return page, status


def logout_redirect(id_token: str | None):
    """Where sign-out goes: the provider's own sign-out when it offers one, else our page."""
    from flask import url_for

    ours = url_for("auth.signed_out", bye=1)
    if not id_token or not idp_enabled():
        return redirect(ours)
    try:
        metadata = _client().load_server_metadata()
    except (RequestException, AuthlibBaseError, ValueError):
        return redirect(ours)
    if not metadata.get("end_session_endpoint"):
        return redirect(ours)
    back = current_app.config["PULSE_BASE_URL"] + ours
    return _client().logout_redirect(post_logout_redirect_uri=back, id_token_hint=id_token)


def remember_id_token(id_token: str | None) -> None:
    if id_token:
        session[ID_TOKEN_KEY] = id_token
