"""The "about the questions" page: every dimension and item, its scale and its source."""

from flask import Blueprint

bp = Blueprint("about", __name__)

from pulse.about import routes  # noqa: E402,F401
