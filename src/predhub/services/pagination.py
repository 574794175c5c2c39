"""Keyset pagination on id (never OFFSET): a page is the rows with ``id > cursor``, in id order."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from predhub.services.errors import Invalid

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "check_limit", "decode_cursor", "encode_cursor", "page_of"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id after which the page starts (0 for the first page)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        return int(value)
    except ValueError:
        raise Invalid.field("cursor", "is not a cursor this server handed out") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.field("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def page_of(rows: Sequence[T], limit: int, id_of: Callable[[T], int]) -> Page[T]:
    """Rows fetched with ``LIMIT limit + 1``: the extra one only says whether another page exists."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return Page(items, encode_cursor(id_of(items[-1])) if more and items else None)
