"""Printable QR invitation cards for staff without e-mail: a web page and a PDF per team."""

from flask import Blueprint

bp = Blueprint("cards", __name__, url_prefix="/cards")

from pulse.cards import routes  # noqa: E402,F401
