"""The web app manifest, the service worker, the offline page and the endpoints the worker uses.

The worker caches the app shell and, for a signed-in device, only the answer page of an open
round the person has not answered yet (so it can be answered offline). Nothing else personal,
and never results, TRIO or MED pages: see templates/pwa/sw.js.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import (
    Response,
    current_app,
    jsonify,
    render_template,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from pulse.config import ROOT
from pulse.extensions import db
from pulse.invitations import open_round_for
from pulse.notify.push import SubscriptionError, forget_subscription, save_subscription
from pulse.pwa import bp
from pulse.survey.service import is_accepting, participation_of
from pulse.timeutil import utcnow
from pulse.web import JSONBodyError, json_error, read_json

#: Static files every page needs: precached when the worker installs.
SHELL_FILES = (
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/pwa.js",
    "js/outbox.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
)
ICONS = (
    {"src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {
        "src": "icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
)
THEME_COLOUR = "#1f5f5b"
BACKGROUND_COLOUR = "#f6f4ef"


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the visitor's language."""
    from flask_babel import get_locale

    body = {
        "name": _("Tillidspuls"),
        "short_name": _("Tillidspuls"),
        "description": _("Short, anonymous questions about trust and wellbeing at work."),
        "lang": str(get_locale()),
        "dir": "ltr",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{**icon, "src": url_for("static", filename=icon["src"])} for icon in ICONS],
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the site root so that it may control every page."""
    body = render_template(
        "pwa/sw.js",
        version=_shell_version(),
        shell=[url_for("static", filename=name) for name in SHELL_FILES]
        + [url_for("pwa.offline"), url_for("pwa.manifest")],
        offline_url=url_for("pwa.offline"),
        outbox_script=url_for("static", filename="js/outbox.js"),
        icon=url_for("static", filename="icons/icon-192.png"),
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # The browser must check for a new worker on every visit, never use a stale one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers and bookmarks ask the site root for it, whatever the pages link to."""
    response = send_from_directory(
        current_app.static_folder, "icons/favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/offline")
def offline():
    """Shown by the service worker when a page is not available without a connection."""
    return render_template("pwa/offline.html")


def outbox_owner() -> str:
    """A tag for the signed-in person that reveals nothing about them (an HMAC of their id).

    The offline outbox stores it with every kept answer and replays an answer only while the
    same person is signed in: never as someone else on a shared device.
    """
    if not current_user.is_authenticated:
        return ""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"outbox:{current_user.id}".encode(), hashlib.sha256).hexdigest()[:32]


@bp.app_context_processor
def _outbox_owner_for_templates():
    return {"outbox_owner": outbox_owner}


@bp.get("/pwa/csrf")
def csrf():
    """A fresh CSRF token for this session, and whose answers may be replayed with it."""
    return jsonify(token=generate_csrf(), owner=outbox_owner())


@bp.get("/pwa/pages")
def offline_pages():
    """The personal pages this device may keep for offline use: the open round's answer page,
    only while the signed-in person can still answer it. Empty when signed out, which makes
    the worker drop what it kept."""
    pages: list[str] = []
    if current_user.is_authenticated:
        now = utcnow()
        round_ = open_round_for(current_user, now)
        if (
            round_ is not None
            and is_accepting(round_, now)
            and participation_of(round_, current_user) is None
        ):
            pages.append(url_for("survey.answer", round_id=round_.id))
    return jsonify(pages=pages)


@bp.post("/pwa/subscription")
@login_required
def subscribe():
    """Store this device's push subscription for the signed-in person."""
    try:
        save_subscription(current_user, read_json())
    except (JSONBodyError, SubscriptionError):
        return json_error(_("This browser sent a subscription we could not use."))
    db.session.commit()
    return jsonify(ok=True)


@bp.delete("/pwa/subscription")
@login_required
def unsubscribe():
    """Forget this device's push subscription (the person turned notifications off)."""
    try:
        data = read_json()
    except JSONBodyError:
        data = None
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return json_error(_("This browser sent a subscription we could not use."))
    forget_subscription(current_user, endpoint)
    db.session.commit()
    return jsonify(ok=True)


def _shell_version() -> str:
    """Changes whenever the worker or a precached file changes: a new cache, old ones deleted."""
    cached = current_app.extensions.get("pulse_shell_version")
    if cached and not current_app.debug:
        return cached
    digest = hashlib.sha256()
    for path in [ROOT / "templates/pwa/sw.js", ROOT / "templates/pwa/offline.html"] + [
        ROOT / "static" / name for name in SHELL_FILES
    ]:
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:12]
    current_app.extensions["pulse_shell_version"] = version
    return version
