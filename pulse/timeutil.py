"""Times are stored as naive UTC everywhere; shown in the organisation's time zone."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
