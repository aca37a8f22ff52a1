"""The API's operations. Every one needs a token and reads only within the token's scope."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, request, url_for
from flask.views import MethodView

from pulse.api import bp, data, quarters, schemas
from pulse.api.tokens import token_from_header
from pulse.extensions import limiter


def _rate_key() -> str:
    # One limit per token (or per address without one), not one shared by every client.
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()
    return "api-ip:" + (request.remote_addr or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


@bp.before_request
def _require_token():
    if request.endpoint == "api.openapi_json":  # pragma: no cover - served by flask-smorest
        return
    token = token_from_header(request.headers.get("Authorization"))
    if token is None:
        abort(401)
    g.api_token = token
    g.api_scope = data.scope_of(token)


@bp.after_request
def _conditional(response: Response) -> Response:
    """ETags, so a BI tool's refresh downloads only what changed."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _respond(page: data.Page, args: dict, columns: list[str], endpoint: str, **values):
    if args["format"] == "csv":
        return _csv(page.items, columns)
    more = args["page"] * args["per_page"] < page.total
    next_url = (
        url_for(endpoint, page=args["page"] + 1, per_page=args["per_page"], **values)
        if more
        else None
    )
    return {
        "items": page.items,
        "page": args["page"],
        "per_page": args["per_page"],
        "total": page.total,
        "next": next_url,
    }


def _csv(items: list[dict], columns: list[str]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(item[c]) for c in columns])
    return Response(out.getvalue(), mimetype="text/csv")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@bp.route("/units")
class Units(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.UnitPage)
    def get(self, args):
        """The unit tree within the token's scope (parent_id links the tree)."""
        page = data.units(g.api_scope, args["page"], args["per_page"])
        return _respond(page, args, ["id", "parent_id", "name", "kind"], "api.Units")


@bp.route("/units/<id:unit_id>")
class OneUnit(MethodView):
    @bp.response(200, schemas.Unit)
    def get(self, unit_id: int):
        """One unit (404 outside the token's scope)."""
        found = data.unit(g.api_scope, unit_id)
        if found is None:
            abort(404)
        return found


@bp.route("/dimensions")
class Dimensions(MethodView):
    @bp.response(200, schemas.Dimension(many=True))
    def get(self):
        """The dimensions and their questions, with each question's source."""
        return data.dimensions()


@bp.route("/rounds")
class Rounds(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.RoundPage)
    def get(self, args):
        """Released rounds, oldest first."""
        page = data.rounds(g.api_token, g.api_scope, args["page"], args["per_page"])
        columns = ["id", "opens_at", "closes_at", "released_at", "question_ids"]
        return _respond(page, args, columns, "api.Rounds")


FIGURE_COLUMNS = [
    "round_id",
    "unit_id",
    "kind",
    "ref",
    "status",
    "invited",
    "respondents",
    "mean",
    "distribution",
]


@bp.route("/rounds/<id:round_id>/figures")
class Figures(MethodView):
    @bp.arguments(schemas.FigureArgs, location="query")
    @bp.response(200, schemas.FigurePage)
    def get(self, args, round_id: int):
        """A released round's figures per unit; hidden ones say too_few and carry no number."""
        round_ = data.released_round(g.api_token, g.api_scope, round_id)
        unit_id = args.get("unit_id")
        if round_ is None or (unit_id is not None and unit_id not in g.api_scope):
            abort(404)
        page = data.figures(
            round_, g.api_scope, args["page"], args["per_page"], unit_id, args.get("kind")
        )
        extra = {k: args[k] for k in ("unit_id", "kind") if args.get(k) is not None}
        return _respond(page, args, FIGURE_COLUMNS, "api.Figures", round_id=round_id, **extra)


@bp.route("/actions")
class Actions(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.ActionPage)
    def get(self, args):
        """The TRIOs' actions: title, status and dates; the owner as a role, never a name."""
        page = data.actions(g.api_scope, args["page"], args["per_page"])
        columns = [
            "id",
            "unit_id",
            "dimension_id",
            "title",
            "owner",
            "status",
            "follow_up_on",
            "opened_on",
            "closed_on",
        ]
        return _respond(page, args, columns, "api.Actions")


@bp.route("/quarters")
class Quarters(MethodView):
    @bp.response(200, schemas.QuarterCount(many=True))
    def get(self):
        """Calendar quarters (in the organisation's time zone) with released rounds in scope."""
        return quarters.quarters(g.api_token, _zone())


QUARTER_COLUMNS = [
    "unit_id",
    "quarter",
    "measure",
    "value",
    "respondents",
    "rounds_shown",
    "rounds_hidden",
    "change",
]


@bp.route("/quarters/<quarter>/figures")
class QuarterFigures(MethodView):
    @bp.arguments(schemas.PageArgs, location="query")
    @bp.response(200, schemas.QuarterFigurePage)
    def get(self, args, quarter: str):
        """A quarter's response rate and dimension indexes per unit, as in the MED summary:
        built from released figures only (404 for a quarter written other than 2026-Q3)."""
        wanted = quarters.parse_quarter(quarter)
        if wanted is None:
            abort(404)
        page = quarters.quarter_figures(
            g.api_token, g.api_scope, wanted, _zone(), args["page"], args["per_page"]
        )
        return _respond(page, args, QUARTER_COLUMNS, "api.QuarterFigures", quarter=quarter)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PULSE_TIMEZONE"])
