"""The question bank: dimensions, questions, response scales, their wording and sources.

Wording lives in `*_text` / `scale_label` rows per locale, loaded from `pulse/content/`.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pulse.extensions import db


class Scale(db.Model):
    """A response scale, e.g. 1-5 agreement or WHO-5's 0-5 frequency."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    min_value: Mapped[int]
    max_value: Mapped[int]

    labels: Mapped[list[ScaleLabel]] = relationship(order_by="ScaleLabel.value")

    def labels_for(self, locale: str) -> dict[int, str]:
        """Value -> label in the locale (Danish where a locale's labels are missing)."""
        for wanted in (locale, "da"):
            labels = {lab.value: lab.label for lab in self.labels if lab.locale == wanted}
            if labels:
                return labels
        return {}


class ScaleLabel(db.Model):
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    value: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))


class Dimension(db.Model):
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    #: Asked only of TRIO members (the partnership self-check), never of the whole team.
    trio_only: Mapped[bool] = mapped_column(default=False)

    texts: Mapped[list[DimensionText]] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="dimension", order_by="Question.position"
    )

    def name(self, locale: str) -> str:
        return _pick(self.texts, locale).name


class DimensionText(db.Model):
    dimension_id: Mapped[str] = mapped_column(ForeignKey("dimension.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")


class Question(db.Model):
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dimension_id: Mapped[str] = mapped_column(ForeignKey("dimension.id"), index=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    position: Mapped[int]
    #: True when a high answer means a worse state; the index flips it.
    reversed: Mapped[bool] = mapped_column(default=False)
    #: Where the item comes from, e.g. "WHO-5 Well-Being Index" or "Written for Tillidspuls".
    source: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)

    dimension: Mapped[Dimension] = relationship(back_populates="questions")
    scale: Mapped[Scale] = relationship()
    texts: Mapped[list[QuestionText]] = relationship()

    def text(self, locale: str) -> str:
        return _pick(self.texts, locale).text


class QuestionText(db.Model):
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), primary_key=True)
    text: Mapped[str] = mapped_column(String(400))


def _pick(texts: list, locale: str):
    """The text in the wanted locale, else Danish, else any (content may lag a locale)."""
    by_locale = {t.locale: t for t in texts}
    return by_locale.get(locale) or by_locale.get("da") or next(iter(by_locale.values()))
