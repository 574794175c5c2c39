"""Running a hub: migrate, create the admin on first start, write the config file, serve with uvicorn."""

from __future__ import annotations

import gc
import json
import logging
import os
from pathlib import Path

import uvicorn

from predhub.server.app import create_app
from predhub.server.settings import Settings, config_path
from predhub.services.auth import bootstrap_admin
from predhub.store.db import Database
from predhub.store.migrate import migrate

__all__ = ["prepare", "serve", "write_config"]

log = logging.getLogger("predhub.server")


def write_config(path: Path, url: str, token: str) -> None:
    """Write ``{"url", "token"}`` readable by the owner only (it holds an admin token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "token": token}, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def prepare(settings: Settings) -> str | None:
    """Migrate the database; on a hub without users create the admin and return its new token
    (also written to the config file when ``settings.write_config``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    try:
        migrate(db)
        token = bootstrap_admin(db)
    finally:
        db.dispose()
    if token is not None and settings.write_config:
        path = config_path()
        write_config(path, settings.url, token)
        log.warning("first start: created user admin; its token is in %s", path)
    return token


def _tune_gc() -> None:
    """Collect cycles less often: an ingest allocates hundreds of thousands of short-lived containers a
    second, and at Python's default (a collection every 700 net allocations) the collector took a fifth
    of the hub's CPU time walking them. Everything alive at start-up is frozen out of its walks."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def serve(settings: Settings | None = None, *, log_level: str = "info") -> None:
    """Serve a hub until interrupted (what ``predhub serve`` and ``python -m predhub.server`` run)."""
    settings = settings or Settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl." on every start
    prepare(settings)
    app = create_app(settings)
    _tune_gc()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level, access_log=False)
