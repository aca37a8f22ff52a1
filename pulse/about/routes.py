from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import get_locale
from sqlalchemy import select

from pulse.about import bp
from pulse.extensions import db
from pulse.models import Dimension

WHO5_DIMENSION = "wellbeing"


@dataclass(frozen=True)
class AboutDimension:
    id: str
    name: str
    description: str
    questions: list[tuple[str, bool]]  # wording, reversed
    answers: list[str]
    sources: list[str]
    trio_only: bool


def _about(dimension: Dimension, locale: str) -> AboutDimension:
    texts = {t.locale: t for t in dimension.texts}
    text = texts.get(locale) or texts.get("da")
    questions = [q for q in dimension.questions if q.active]
    return AboutDimension(
        id=dimension.id,
        name=dimension.name(locale),
        description=text.description if text else "",
        questions=[(q.text(locale), q.reversed) for q in questions],
        answers=list(questions[0].scale.labels_for(locale).values()) if questions else [],
        sources=list(dict.fromkeys(q.source for q in questions)),
        trio_only=dimension.trio_only,
    )


@bp.get("/about/questions")
def questions():
    """What we ask, on which scale, and where each question comes from."""
    locale = str(get_locale())
    dimensions = db.session.scalars(select(Dimension).order_by(Dimension.position)).all()
    return render_template(
        "about/questions.html",
        dimensions=[_about(d, locale) for d in dimensions],
        who5_dimension=WHO5_DIMENSION,
    )
