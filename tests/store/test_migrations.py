"""The migrations shipped in the package build exactly the schema the code declares, on both dialects."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from predhub.store import Database, migrate
from predhub.store.migrate import current_revision, head_revision
from predhub.store.schema import metadata


def test_migrated_database_matches_the_declared_schema(db: Database) -> None:
    assert current_revision(db) == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_migrate_twice_is_a_no_op(db: Database) -> None:
    migrate(db)
    assert current_revision(db) == head_revision()
