"""A hub on SQLite in a local folder, served by uvicorn on a background thread of this process.

The demo talks to it over HTTP through :class:`predhub.Client` like any other client would, then
keeps serving it until interrupted.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import select

from predhub.sdk import ConfigError, load_config
from predhub.server import Settings, create_app, prepare
from predhub.services import auth
from predhub.services.errors import Unauthorized
from predhub.store.db import Database
from predhub.store.schema import users

__all__ = ["LocalHub", "local_hub"]


@dataclass
class LocalHub:
    url: str
    token: str
    data_dir: Path
    _server: uvicorn.Server
    _thread: threading.Thread

    def serve_forever(self) -> None:
        """Block until Ctrl-C or SIGTERM (or the server stops on its own), then return."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _admin_token(settings: Settings) -> str:
    """The admin token: new on a first start; on a later one the configured token if it belongs to
    this hub, else a fresh token for ``admin`` (the folder is the demo's own)."""
    token = prepare(settings)
    if token is not None:
        return token
    db = Database(settings.resolved_database_url)
    try:
        try:
            configured = load_config(url=settings.url).token
            auth.authenticate(db, configured)
            return configured
        except (ConfigError, Unauthorized):
            pass
        with db.read() as conn:
            row = conn.execute(select(users.c.id, users.c.name).where(users.c.is_admin.is_(True))).first()
        if row is None:
            raise RuntimeError(f"the hub in {settings.data_dir} has users but no admin")
        admin = auth.User(row.id, row.name, True)
        return auth.create_token(db, admin, admin.id, "predhub demo")
    finally:
        db.dispose()


@contextmanager
def local_hub(data_dir: Path, host: str = "127.0.0.1", port: int = 8470) -> Iterator[LocalHub]:
    """Start a hub on SQLite in ``data_dir``; stop it on leaving the block."""
    settings = Settings(data_dir=data_dir, database_url=None, host=host, port=port)
    token = _admin_token(settings)
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    # Not the main thread: uvicorn then installs no signal handlers, and Ctrl-C reaches serve_forever.
    thread = threading.Thread(target=server.run, name="predhub-hub", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the hub could not start on {host}:{port} (is the port in use? try --port)")
        time.sleep(0.02)
    hub = LocalHub(settings.url, token, data_dir, server, thread)
    try:
        yield hub
    finally:
        hub.stop()
