"""The question bank shipped with the product (`questions.json`), its loader, and what every
feature says about it (dimension names, how long a round takes)."""

from __future__ import annotations

import json
import math
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pulse.extensions import db
from pulse.models import Dimension, DimensionText, Question, QuestionText, Scale, ScaleLabel

#: A fair guess for a short scale question on a phone.
SECONDS_PER_QUESTION = 8


def read_question_bank() -> dict:
    return json.loads(resources.files(__package__).joinpath("questions.json").read_text("utf-8"))


def load_question_bank() -> int:
    """Insert or update every scale, dimension and question; returns the number of questions.

    Safe to run again: wording and sources are updated in place, ids never change (released
    figures refer to them).
    """
    bank = read_question_bank()
    for scale_id, spec in bank["scales"].items():
        db.session.merge(Scale(id=scale_id, min_value=spec["min"], max_value=spec["max"]))
        for locale, labels in spec["labels"].items():
            for offset, label in enumerate(labels):
                db.session.merge(
                    ScaleLabel(
                        scale_id=scale_id, locale=locale, value=spec["min"] + offset, label=label
                    )
                )
    count = 0
    for d_pos, dim in enumerate(bank["dimensions"]):
        db.session.merge(
            Dimension(id=dim["id"], position=d_pos, trio_only=dim.get("trio_only", False))
        )
        descriptions = dim.get("descriptions", {})
        for locale, name in dim["names"].items():
            db.session.merge(
                DimensionText(
                    dimension_id=dim["id"],
                    locale=locale,
                    name=name,
                    description=descriptions.get(locale, ""),
                )
            )
        for q_pos, item in enumerate(dim["questions"]):
            db.session.merge(
                Question(
                    id=item["id"],
                    dimension_id=dim["id"],
                    scale_id=item["scale"],
                    position=q_pos,
                    reversed=item.get("reversed", False),
                    source=item.get("source", dim["source"]),
                )
            )
            for locale, text in item["text"].items():
                db.session.merge(QuestionText(question_id=item["id"], locale=locale, text=text))
            count += 1
    db.session.flush()
    return count


def dimension_names(locale: str) -> dict[str, str]:
    """Every dimension's name in `locale`, by id."""
    # The texts in the same read: one query per dimension would grow with the question bank.
    dimensions = db.session.scalars(select(Dimension).options(selectinload(Dimension.texts)))
    return {d.id: d.name(locale) for d in dimensions}


def estimated_minutes(question_count: int) -> int:
    """About how long a round of this many questions takes (at least a minute)."""
    return max(1, math.ceil(question_count * SECONDS_PER_QUESTION / 60))
