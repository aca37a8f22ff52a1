"""The audit log of administrative changes: one row per change, who did what and when.

A row holds the kind of change and its plain parameters (names, counts, ids) as JSON, never a
token, an answer or who answered. The administration area turns a row into a sentence in the
reader's language (`pulse/admin/messages.py`).
"""

from __future__ import annotations

import json
from datetime import datetime

from pulse.extensions import db
from pulse.models import AuditEvent


def record(
    kind: str, actor_id: int | None, organisation_id: int, now: datetime, **params: object
) -> AuditEvent:
    event = AuditEvent(
        organisation_id=organisation_id,
        person_id=actor_id,
        at=now,
        kind=kind,
        detail=json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
    )
    db.session.add(event)
    return event


def params_of(event: AuditEvent) -> dict:
    """The row's parameters; rows written as plain text elsewhere come back as {"text": ...}."""
    try:
        params = json.loads(event.detail or "{}")
    except ValueError:
        return {"text": event.detail}
    return params if isinstance(params, dict) else {"text": event.detail}
