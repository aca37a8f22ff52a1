"""Sign-in with personal links, sign-out, and the person's settings (language)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from pulse.auth import log, routes  # noqa: E402,F401
