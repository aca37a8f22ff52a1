"""Reading sealed answers back in tests, the way only the release may: with the app's secret."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from pulse.anonymity.sealed import Contents, key_encryption_key, open_box, unwrap_round_key
from pulse.extensions import db
from pulse.models import RoundKey, SealedAnswer


def opened_boxes(round_id: int | None = None) -> list[Contents]:
    """Every box (of one round, or all), opened. Call inside an app context."""
    kek = key_encryption_key(current_app.config["PULSE_ANSWER_KEY"])
    keys = {
        r: unwrap_round_key(r, wrapped, kek)
        for r, wrapped in db.session.execute(select(RoundKey.round_id, RoundKey.wrapped))
    }
    query = select(SealedAnswer.round_id, SealedAnswer.box)
    if round_id is not None:
        query = query.where(SealedAnswer.round_id == round_id)
    return [open_box(keys[r], r, box) for r, box in db.session.execute(query)]


def answer_values(round_id: int | None = None) -> list[tuple[int, str, int]]:
    """(team, question, value) of every stored answer."""
    return [(c.unit_id, q, v) for c in opened_boxes(round_id) for q, v in sorted(c.answers.items())]


def comments(round_id: int | None = None) -> list[Contents]:
    return [c for c in opened_boxes(round_id) if c.comment]
