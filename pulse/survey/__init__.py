"""Answering a pulse, and the privacy page that explains how answers stay anonymous."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from pulse.survey import routes  # noqa: E402,F401
