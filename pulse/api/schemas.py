"""What the API returns and accepts, as marshmallow schemas; the OpenAPI document comes from them.

Only released figures ever appear here, and no person: actions name the role that carries them
("leader", "tr", "amr", "team"), never a name.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

FIGURE_KINDS = ("participation", "question", "dimension", "comments")


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv gives the same rows as a CSV file (UTF-8, comma)."},
    )


class FigureArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    kind = fields.String(validate=validate.OneOf(FIGURE_KINDS))


class Unit(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class Question(Schema):
    id = fields.String(required=True)
    texts = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    scale_min = fields.Integer(required=True)
    scale_max = fields.Integer(required=True)
    reversed = fields.Boolean(required=True)
    source = fields.String(required=True)


class Dimension(Schema):
    id = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    questions = fields.List(fields.Nested(Question), required=True)


class Round(Schema):
    id = fields.Integer(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    released_at = fields.DateTime(allow_none=True, required=True)
    question_ids = fields.List(fields.String(), required=True)


class Figure(Schema):
    round_id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FIGURE_KINDS))
    ref = fields.String(required=True, metadata={"description": "question or dimension id"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(["shown", "too_few"]),
        metadata={"description": "too_few: hidden by the anonymity rules; no number is given"},
    )
    invited = fields.Integer(allow_none=True, required=True)
    respondents = fields.Integer(allow_none=True, required=True)
    mean = fields.Float(allow_none=True, required=True)
    distribution = fields.Dict(
        keys=fields.String(), values=fields.Integer(), allow_none=True, required=True
    )


class Action(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    dimension_id = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True, metadata={"description": "leader, tr, amr or team"})
    status = fields.String(required=True)
    follow_up_on = fields.Date(allow_none=True, required=True)
    opened_on = fields.Date(allow_none=True, required=True)
    closed_on = fields.Date(allow_none=True, required=True)


class QuarterCount(Schema):
    quarter = fields.String(required=True, metadata={"description": "e.g. 2026-Q3"})
    rounds = fields.Integer(required=True)


class QuarterFigure(Schema):
    unit_id = fields.Integer(required=True)
    quarter = fields.String(required=True)
    measure = fields.String(
        required=True,
        metadata={"description": "participation (response rate in %) or a dimension id (index)"},
    )
    value = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "null when every round's figure was hidden (too few)"},
    )
    respondents = fields.Integer(allow_none=True, required=True)
    rounds_shown = fields.Integer(required=True)
    rounds_hidden = fields.Integer(required=True)
    change = fields.Float(
        allow_none=True, required=True, metadata={"description": "points since last quarter"}
    )


def _page_of(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "next": fields.String(allow_none=True, required=True),
        },
        name=name,
    )


UnitPage = _page_of(Unit, "UnitPage")
RoundPage = _page_of(Round, "RoundPage")
FigurePage = _page_of(Figure, "FigurePage")
ActionPage = _page_of(Action, "ActionPage")
QuarterFigurePage = _page_of(QuarterFigure, "QuarterFigurePage")
