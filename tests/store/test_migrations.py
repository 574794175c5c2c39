"""The migrations shipped in the package build exactly the schema the code declares, on both dialects."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from predhub.store import Database, migrate
from predhub.store.migrate import current_revision, head_revision
from predhub.store.schema import metadata

# Declared for SQLite only (ddl_if): on PostgreSQL, statement-level triggers keep the same rule.
_SQLITE_ONLY = {"fk_objects_label"}
_POSTGRES_TRIGGERS = {
    "objects_have_labels_on_insert",
    "objects_have_labels_on_update",
    "labels_delete_objects",
    "labels_keep_keys",
}


def test_migrated_database_matches_the_declared_schema(db: Database) -> None:
    assert current_revision(db) == head_revision()

    def declared_here(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return db.is_sqlite or name not in _SQLITE_ONLY

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_object": declared_here}
        )
        diff = compare_metadata(context, metadata)
        triggers = (
            set() if db.is_sqlite else set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger").scalars())
        )
    assert diff == []
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    assert triggers >= _POSTGRES_TRIGGERS or db.is_sqlite


def test_migrate_twice_is_a_no_op(db: Database) -> None:
    migrate(db)
    assert current_revision(db) == head_revision()
