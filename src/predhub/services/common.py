"""Small helpers every service shares: timestamps and uniqueness violations across dialects."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

__all__ = ["is_unique_violation", "iso"]


def iso(value: datetime | str | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
