"""Alembic environment: predhub runs migrations itself (``predhub.store.migrate``) on a connection it
passes in ``config.attributes["connection"]``; no alembic.ini is needed."""

from __future__ import annotations

from alembic import context

from predhub.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
