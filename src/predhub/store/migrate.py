"""Applies the Alembic migrations shipped inside the package, programmatically, on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from predhub.store.db import Database

__all__ = ["alembic_config", "current_revision", "head_revision", "migrate"]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(db: Database) -> None:
    """Bring the database to the newest schema; a no-op when it is already there."""
    if current_revision(db) == head_revision():
        return
    config = alembic_config()
    # Under the write lock on SQLite, so two threads of one process never migrate at once; on
    # PostgreSQL Alembic's own transaction plus the version table serialise concurrent servers.
    with db.write() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
