"""Cross-cutting web behaviour: the htmx page/fragment helper, security headers, error pages."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter

from pulse.extensions import db, htmx
from pulse.i18n import LANGUAGE_NAMES, ROLE_NAMES, register_filters
from pulse.logs import where
from pulse.models import ActionOwner, ActionStatus

# No inline script or style anywhere, and no eval: htmx runs with allowEval=false.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def content_security_policy(app: Flask) -> str:
    """The policy, with the identity provider's origin as a form target when one is set:
    signing out continues to the provider's own sign-out page (README, identity provider)."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(issuer)
    return CONTENT_SECURITY_POLICY + f" {parts.scheme}://{parts.netloc}"


def render_page(template: str, fragments: dict[str, str] | None = None, **context) -> Response:
    """Render a whole page, or only one of its blocks when htmx asks for that block's target.

    `fragments` maps an element id that htmx may target (HX-Target) to the template block that
    renders it, so a page and its fragments live in one template. This is the one place that
    decides between page and fragment.
    """
    block = (fragments or {}).get(htmx.target) if htmx else None
    if block:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = current_app.make_response(body)
    response.vary.add("HX-Request")
    return response


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(error: HTTPException) -> Response:
    """An error of the JSON API as `application/problem+json` (RFC 9457)."""
    body = {"type": "about:blank", "title": error.name, "status": error.code}
    detail = (getattr(error, "data", None) or {}).get("messages")
    if detail:  # which query parameter was wrong, from the argument schema
        body["errors"] = detail
    response = current_app.response_class(
        json.dumps(body), status=error.code, mimetype="application/problem+json"
    )
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id. Anything beyond a 32-bit id is no page (404), not an error."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, max=2**31 - 1, **kwargs)


def configure_web(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    policy = content_security_policy(app)
    # The contracts templates compare against, spelled as the code spells them.
    app.jinja_env.globals.update(ActionOwner=ActionOwner, ActionStatus=ActionStatus)

    @app.context_processor
    def _template_globals():
        return {
            "language_names": LANGUAGE_NAMES,
            "role_names": ROLE_NAMES,
            "current_locale": str(get_locale()),
        }

    register_filters(app)  # numbers and dates in the user's locale (pulse/i18n.py)

    @app.before_request
    def _refuse_nul_characters():
        # NUL can't be stored in PostgreSQL text and is never meant: refuse it up front.
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Sign-in links carry a token in their path: never send it to another site. Same-origin
        # referrers stay, because CSRF protection over HTTPS checks them.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            # Pages can be personal: no shared cache may keep them.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = _("The page had expired. Reload it and try again – nothing was saved.")
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api_request():
            return problem(error)
        messages = {
            404: _("We could not find that page."),
            405: _("That is not something this page can do."),
            413: _("That was more than this page accepts."),
            429: _("Too many attempts. Wait a minute and try again."),
        }
        message = messages.get(error.code or 500, _("Something was wrong with the request."))
        return render_template("error.html", status=error.code, message=message), error.code

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        # A failed transaction must not break the error page itself (it reads the user).
        db.session.rollback()
        # The type, the route and where in the code: never the message, the URL's query, form
        # data or cookies, any of which could hold an answer.
        app.logger.error(
            "Unhandled %s on %s %s at %s",
            type(error).__name__,
            request.method,
            request.url_rule,
            where(error),
        )
        if _is_api_request():
            return problem(InternalServerError())
        message = _("Something went wrong on our side. Nothing was saved; please try again.")
        return render_template("error.html", status=500, message=message), 500
