"""API tokens: how the organisation's BI tools read released figures (pulse/api/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pulse.extensions import db
from pulse.models.org import Unit


class ApiToken(db.Model):
    """A read-only token for `/api/v1/`, issued by an administrator and shown once.

    Only the SHA-256 of the token is kept. `unit_id` limits it to that unit's subtree; None
    means the whole organisation.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: What it is for, e.g. "Power BI, HR analytics".
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
