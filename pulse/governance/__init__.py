"""Privacy settings that change only with the agreement of both parties (DESIGN.md §3.8)."""

from flask import Blueprint

bp = Blueprint("governance", __name__)

from pulse.governance import routes  # noqa: E402,F401
