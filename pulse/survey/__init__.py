"""The employee's side: the home page and answering a pulse."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from pulse.survey import routes  # noqa: E402,F401
