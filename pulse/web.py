"""Cross-cutting web behaviour: the htmx page/fragment helper, security headers, error pages."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)
from werkzeug.middleware.proxy_fix import ProxyFix
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


def render_page(
    template: str,
    fragments: dict[str, str] | None = None,
    *,
    fragment_key: tuple | None = None,
    **context,
) -> Response:
    """Render a whole page, or only one of its blocks when htmx asks for that block's target.

    `fragments` maps an element id that htmx may target (HX-Target) to the template block that
    renders it, so a page and its fragments live in one template. This is the one place that
    decides between page and fragment.

    `fragment_key`, when given, says that the fragment's HTML depends on nothing but that key,
    the language and the site's path (no person, no token, no time): it is then rendered once
    per process and key. The whole page never is (it carries the person's CSRF token).
    """
    block = (fragments or {}).get(htmx.target) if htmx else None
    if block and fragment_key is not None and not current_app.debug:
        rendered = current_app.extensions.setdefault("pulse_rendered_fragments", {})
        key = (template, block, str(get_locale()), request.script_root, *fragment_key)
        body = rendered.get(key)
        if body is None:
            if len(rendered) >= RENDERED_FRAGMENTS_MAX:
                rendered.clear()
            body = rendered[key] = render_block(template, block, **context)
    elif block:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = current_app.make_response(body)
    response.vary.add("HX-Request")
    return response


#: Fragments that depend only on their key (see render_page), per application and process: a
#: bound, not an LRU.
RENDERED_FRAGMENTS_MAX = 256


#: "js/app.0123456789.js": a static file's name with the first 10 hex digits of its SHA-256.
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")


def static_hashes(app: Flask) -> dict[str, str]:
    """Every static file (path under static/) and the first 10 hex digits of its SHA-256.

    Computed once per process (again on every request in debug mode, where files change)."""
    cached = app.extensions.get("pulse_static_hashes")
    if cached is not None and not app.debug:
        return cached
    root = Path(app.static_folder)
    hashes = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    app.extensions["pulse_static_hashes"] = hashes
    return hashes


def hashed_name(filename: str, hashes: dict[str, str]) -> str:
    """ "js/app.js" -> "js/app.<hash>.js" for a file that exists; other names stay as they are."""
    digest = hashes.get(filename)
    if digest is None:
        return filename
    stem, dot, suffix = filename.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{filename}.{digest}"


def configure_static_files(app: Flask) -> None:
    """Content-hashed static file names, cached for a year by browsers and the service worker.

    `url_for("static", filename="js/app.js")` gives "/static/js/app.<hash>.js": a new content
    gets a new name, so a name can be cached for good ("immutable") and the service worker's
    install reuses what the page has just downloaded (templates/pwa/sw.js). The plain name
    keeps working, revalidated on every use, for links made before a deploy.
    """
    serve = app.view_functions["static"]

    @app.url_defaults
    def _hashed_static_url(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(values["filename"], static_hashes(app))

    def static(filename: str):
        match = HASHED_NAME.match(filename)
        if match:
            plain = match["stem"] + match["suffix"]
            if static_hashes(app).get(plain) is None:
                abort(404)
            response = serve(filename=plain)
            if static_hashes(app)[plain] == match["hash"]:
                # The name changes with the content: keep it for a year, never ask again.
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            else:
                # An older name (a page from before a deploy) gets today's file, not for good.
                response.headers["Cache-Control"] = "no-cache"
            return response
        response = serve(filename=filename)
        response.headers["Cache-Control"] = "no-cache"
        return response

    app.view_functions["static"] = static


class JSONBodyError(ValueError):
    """The request body is not JSON this app accepts; answer 400 with `json_error()`."""


def read_json(max_depth: int = 4, max_string: int = 2000) -> object:
    """The request's JSON body, parsed defensively.

    Refuses (JSONBodyError) what is not UTF-8 JSON, nesting deeper than `max_depth`, NUL
    characters anywhere, strings longer than `max_string`, NaN/Infinity and numbers too long to
    be numbers. The body itself is capped by MAX_CONTENT_LENGTH (413).
    """
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise JSONBodyError("not json") from error
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise JSONBodyError("too deep")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None:
                    _check_string(key, max_string)
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            _check_string(value, max_string)
    return data


def _no_constant(name: str):
    raise JSONBodyError(f"{name} is not a number")


def _check_string(value: str, max_string: int) -> None:
    if len(value) > max_string or "\x00" in value:
        raise JSONBodyError("bad string")
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") is valid JSON, but no text
    except UnicodeEncodeError as error:
        raise JSONBodyError("bad string") from error


def json_error(message: str | None = None) -> tuple[Response, int]:
    """A 400 answer for a JSON endpoint, with a message in the user's language."""
    text = message or _("The app sent something we could not read. Reload the page and try again.")
    return jsonify(error=text), 400


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
    configure_static_files(app)
    proxies = app.config.get("PULSE_TRUSTED_PROXIES", 0)
    if proxies:
        # The client's address and scheme as the reverse proxy saw them, so rate limits key on
        # the client and not on the proxy. Only as many hops as there are proxies are believed:
        # a client's own X-Forwarded-For can't pose as another address. The Host header is
        # not taken from X-Forwarded-Host: the proxy passes Host on (see README, Running it at
        # scale), and TRUSTED_HOSTS checks it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
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

    @app.before_request
    def _refuse_bad_json():
        # Any route may see a JSON body (Flask-WTF reads one as form data): check it once, up
        # front, so nothing downstream meets deep nesting, NUL or a bare list (see read_json).
        if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                data = read_json(max_depth=8, max_string=1_000_000)
            except JSONBodyError:
                data = None
            if not isinstance(data, dict):
                return problem(BadRequest()) if _is_api_request() else json_error()
        return None

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
        if _is_api_request():
            return problem(error)
        message = _("The page had expired. Reload it and try again – nothing was saved.")
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host header not in TRUSTED_HOSTS: no URL can be built for it, so no page either;
        # a plain answer that does not repeat the host.
        if _is_api_request():
            return problem(error)
        message = _("Something was wrong with the request.")
        return current_app.response_class(message, status=400, mimetype="text/plain")

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
        try:
            message = messages.get(error.code or 500, _("Something was wrong with the request."))
            return render_template("error.html", status=error.code, message=message), error.code
        except OperationalError:  # the database is away: see _unexpected_error
            db.session.remove()
            return _plain_error(503)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        # The type and where, never the message or form data: either could hold an answer.
        app.logger.error(
            "Unhandled %s on %s %s at %s",
            type(error).__name__,
            request.method,
            request.url_rule,
            where(error),
        )
        # The database away (restarting, failing over): "try again", not "broken" - a resend
        # with the same key is safe (pulse/survey/service.py).
        status = 503 if isinstance(error, OperationalError) else 500
        if _is_api_request():
            # No page to render, so nothing here needs the database: just end the transaction.
            db.session.remove()
            if status == 503:
                response = problem(ServiceUnavailable())
                response.headers["Retry-After"] = "5"
                return response
            return problem(InternalServerError())
        try:
            # A failed transaction must not break the error page itself (it reads the user).
            db.session.rollback()
            message = _("Something went wrong on our side. Nothing was saved; please try again.")
            page = render_template("error.html", status=status, message=message)
            headers = {"Retry-After": "5"} if status == 503 else {}
            return page, status, headers
        except Exception:
            # The page needs the database too (the signed-in person, their language): answer
            # plainly rather than fail while failing.
            app.logger.error("The error page could not be shown either (%s).", type(error).__name__)
            db.session.remove()
            return _plain_error(status)


def _plain_error(status: int) -> Response:
    body = "Tillidspuls: please try again in a moment. / Prøv igen om lidt."
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Retry-After"] = "5"
    return response
