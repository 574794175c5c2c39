"""A migrated, empty database on SQLite (temp folder) and on PostgreSQL (a fresh database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from predhub.store import Database, migrate
from tests.hub_process import postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
        migrate(database)
        yield database
        database.dispose()
    else:
        with postgres_database() as url:
            database = Database(url)
            migrate(database)
            yield database
            database.dispose()
