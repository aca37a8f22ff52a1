"""Privacy settings that change only with the agreement of both parties.

See docs/anonymity.md, "Two-party governance".
"""

from flask import Blueprint

bp = Blueprint("governance", __name__)

from pulse.governance import routes  # noqa: E402,F401
