"""Raw answers and comments are deleted after a retention period; released figures stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from pulse.extensions import db
from pulse.models import Answer, Comment, Round, RoundState


def delete_expired_answers(now: datetime, months: int) -> int:
    """Delete answers and comments of rounds released more than `months` ago.

    Returns how many rounds were cleared. A month is counted as 30 days.
    """
    cutoff = now - timedelta(days=30 * months)
    round_ids = db.session.scalars(
        select(Round.id).where(Round.state == RoundState.RELEASED, Round.released_at < cutoff)
    ).all()
    if round_ids:
        db.session.execute(delete(Answer).where(Answer.round_id.in_(round_ids)))
        db.session.execute(delete(Comment).where(Comment.round_id.in_(round_ids)))
    db.session.commit()
    return len(round_ids)
