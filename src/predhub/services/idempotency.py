"""Idempotency keys: a creating request repeated with the same ``Idempotency-Key`` returns the first
response and writes nothing.

The key is recorded in the same transaction as the writes it guards, so "created" and "remembered"
can never disagree, even when the server is killed in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from predhub.services.auth import User
from predhub.services.errors import Conflict, Invalid
from predhub.store.db import Database
from predhub.store.schema import idempotency_keys

__all__ = ["MAX_KEY_LENGTH", "Response", "lookup", "once", "record"]

MAX_KEY_LENGTH = 200
Response = tuple[int, bytes]


def _check(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid.field("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")


def lookup(conn: Connection, user: User, key: str, scope: str) -> Response | None:
    row = conn.execute(
        select(idempotency_keys.c.scope, idempotency_keys.c.status_code, idempotency_keys.c.body).where(
            idempotency_keys.c.user_id == user.id, idempotency_keys.c.key == key
        )
    ).first()
    if row is None:
        return None
    if row.scope != scope:
        raise Conflict(f"Idempotency-Key {key!r} was already used for another request ({row.scope})")
    return int(row.status_code), bytes(row.body)


def record(conn: Connection, user: User, key: str, scope: str, response: Response) -> None:
    conn.execute(
        insert(idempotency_keys).values(
            user_id=user.id, key=key, scope=scope, status_code=response[0], body=response[1]
        )
    )


def once(
    db: Database,
    user: User,
    key: str | None,
    scope: str,
    action: Callable[[Connection], Any],
    status_code: int = 201,
) -> Response:
    """Run ``action`` in a write transaction, unless ``key`` was seen: then answer as the first time."""
    if key is None:
        with db.write() as conn:
            return status_code, orjson.dumps(action(conn))
    _check(key)
    try:
        with db.write() as conn:
            stored = lookup(conn, user, key, scope)
            if stored is not None:
                return stored
            response = (status_code, orjson.dumps(action(conn)))
            record(conn, user, key, scope, response)
            return response
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL); ours rolled back whole.
        with db.read() as conn:
            stored = lookup(conn, user, key, scope)
        if stored is None:
            raise
        return stored
