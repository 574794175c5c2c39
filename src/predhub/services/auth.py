"""Users, API tokens, workspaces and memberships: who may see what.

Tokens are ``ph_`` plus 32 random bytes; only their SHA-256 is stored. A user sees the datasets of the
workspaces they are a member of, and nothing else (other workspaces' resources answer 404).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from predhub.services.common import is_unique_violation
from predhub.services.errors import Conflict, Invalid, NotFound, Unauthorized
from predhub.store.db import Database
from predhub.store.schema import api_tokens, memberships, users, workspaces

__all__ = [
    "TOKEN_PREFIX",
    "User",
    "Workspace",
    "add_member",
    "authenticate",
    "bootstrap_admin",
    "create_token",
    "create_user",
    "create_workspace",
    "hash_token",
    "user_workspaces",
    "workspace_ids",
]

TOKEN_PREFIX = "ph_"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class Workspace:
    id: int
    name: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: Database, token: str | None) -> User:
    if not token:
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    with db.read() as conn:
        row = conn.execute(
            select(users.c.id, users.c.name, users.c.is_admin)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == hash_token(token))
        ).first()
    if row is None:
        raise Unauthorized("invalid API token")
    return User(row.id, row.name, bool(row.is_admin))


def _new_token(conn: Connection, user_id: int, name: str | None = None) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(user_id=user_id, token_hash=hash_token(token), prefix=token[:10], name=name)
    )
    return token


def create_user(db: Database, actor: User, name: str, *, is_admin: bool = False) -> User:
    if not actor.is_admin:
        raise NotFound("not found")  # the users collection is the admins' alone
    if not name.strip():
        raise Invalid.field("name", "must be a non-empty string")
    try:
        with db.write() as conn:
            user_id = conn.execute(
                insert(users).values(name=name, is_admin=is_admin).returning(users.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a user named {name!r} exists") from None
        raise
    return User(user_id, name, is_admin)


def create_token(db: Database, actor: User, user_id: int, name: str | None = None) -> str:
    if not actor.is_admin and actor.id != user_id:
        raise NotFound(f"user {user_id} not found")
    with db.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            raise NotFound(f"user {user_id} not found")
        return _new_token(conn, user_id, name)


def workspace_ids(conn: Connection, user: User) -> list[int]:
    return list(
        conn.execute(
            select(memberships.c.workspace_id)
            .where(memberships.c.user_id == user.id)
            .order_by(memberships.c.workspace_id)
        ).scalars()
    )


def user_workspaces(db: Database, user: User) -> list[Workspace]:
    with db.read() as conn:
        rows = conn.execute(
            select(workspaces.c.id, workspaces.c.name)
            .join(memberships, memberships.c.workspace_id == workspaces.c.id)
            .where(memberships.c.user_id == user.id)
            .order_by(workspaces.c.id)
        ).all()
    return [Workspace(r.id, r.name) for r in rows]


def create_workspace(db: Database, actor: User, name: str) -> Workspace:
    """A new workspace with its creator as its first member."""
    if not name.strip():
        raise Invalid.field("name", "must be a non-empty string")
    try:
        with db.write() as conn:
            ws_id = conn.execute(insert(workspaces).values(name=name).returning(workspaces.c.id)).scalar_one()
            conn.execute(insert(memberships).values(workspace_id=ws_id, user_id=actor.id, role="owner"))
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a workspace named {name!r} exists") from None
        raise
    return Workspace(ws_id, name)


def add_member(db: Database, actor: User, workspace_id: int, user_id: int) -> None:
    """Members may add members; admins may add anyone anywhere."""
    with db.write() as conn:
        if not actor.is_admin and workspace_id not in workspace_ids(conn, actor):
            raise NotFound(f"workspace {workspace_id} not found")
        if conn.execute(select(workspaces.c.id).where(workspaces.c.id == workspace_id)).first() is None:
            raise NotFound(f"workspace {workspace_id} not found")
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            raise Invalid.field("user_id", f"no user {user_id}")
        exists = conn.execute(
            select(memberships.c.user_id).where(
                memberships.c.workspace_id == workspace_id, memberships.c.user_id == user_id
            )
        ).first()
        if exists is None:
            conn.execute(insert(memberships).values(workspace_id=workspace_id, user_id=user_id))


def bootstrap_admin(db: Database) -> str | None:
    """On a hub with no users: create ``admin``, workspace ``default`` and an admin token (returned).

    Returns None when the hub already has users, so a restart never mints a second admin token.
    """
    with db.write() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar_one():
            return None
        user_id = conn.execute(
            insert(users).values(name="admin", is_admin=True).returning(users.c.id)
        ).scalar_one()
        ws_id = conn.execute(
            insert(workspaces).values(name="default").returning(workspaces.c.id)
        ).scalar_one()
        conn.execute(insert(memberships).values(workspace_id=ws_id, user_id=user_id, role="owner"))
        return _new_token(conn, user_id, "admin (created on first start)")
