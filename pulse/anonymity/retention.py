"""Released comments are deleted after a retention period; figures stay.

Raw answers need no retention: they are destroyed at release (anonymity/release.py). A comment's
wording can identify its author to someone who knows them, so released comments go too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from pulse.extensions import db
from pulse.models import ReleasedComment, Round, RoundState


def delete_expired_answers(now: datetime, months: int) -> int:
    """Delete the released comments of rounds released more than `months` ago.

    Returns how many rounds were cleared. A month is counted as 30 days.
    """
    cutoff = now - timedelta(days=30 * months)
    round_ids = db.session.scalars(
        select(Round.id).where(Round.state == RoundState.RELEASED, Round.released_at < cutoff)
    ).all()
    if round_ids:
        db.session.execute(delete(ReleasedComment).where(ReleasedComment.round_id.in_(round_ids)))
    db.session.commit()
    return len(round_ids)
