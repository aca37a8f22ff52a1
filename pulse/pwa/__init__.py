"""The installable app: manifest, service worker at the site root, offline page, push setup."""

from flask import Blueprint

bp = Blueprint("pwa", __name__)

from pulse.pwa import routes  # noqa: E402,F401
