"""The employee's front page: it reads from the survey, results and governance features."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from pulse.home import routes  # noqa: E402,F401
