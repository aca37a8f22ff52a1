"""MED committees: the quarterly summary of the committee's area, as a page, a PDF, CSV and
XLSX, all from released figures only."""

from flask import Blueprint

bp = Blueprint("med", __name__, url_prefix="/med")

from pulse.med import routes  # noqa: E402,F401
