"""The TRIO's team page: released figures as charts and tables, comments, dialogue cards and
the actions the leader, TR and AMR follow up together."""

from flask import Blueprint

bp = Blueprint("results", __name__)

from pulse.results import dialogue, routes  # noqa: E402,F401
