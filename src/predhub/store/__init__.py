"""Storage: the database (SQLAlchemy Core, SQLite or PostgreSQL), migrations, blobs and jobs."""

from predhub.store.db import Database
from predhub.store.migrate import migrate

__all__ = ["Database", "migrate"]
