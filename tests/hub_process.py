"""A real predhub server in a subprocess, for the SDK and CLI tests (and bench/ingest.py).

``python -m predhub.server`` on 127.0.0.1 and a free port, over SQLite in a temp folder or a fresh
PostgreSQL database; it can be SIGKILLed and restarted on the same data. Its first start writes the
admin token to ``<folder>/config.json`` ($PREDHUB_CONFIG of the subprocess), which this class reads.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["HubProcess", "free_port", "postgres_database"]

SRC = Path(__file__).resolve().parents[1] / "src"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one hub; dropped afterwards."""
    import psycopg

    name = f"predhub_clients_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class HubProcess:
    """One hub server subprocess; ``start()`` again after ``kill()`` to restart it on the same data."""

    def __init__(
        self,
        folder: Path,
        database_url: str | None = None,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = folder / "config.json"
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_env = extra_env or {}
        self.log_path = folder / "server.log"

    @property
    def token(self) -> str:
        token: str = json.loads(self.config_path.read_text())["token"]
        return token

    def start(self, timeout: float = 60.0) -> HubProcess:
        args = [
            sys.executable,
            "-m",
            "predhub.server",
            "--data-dir",
            str(self.folder / "data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        if self.database_url:
            args += ["--database-url", self.database_url]
        env = {**os.environ, "PREDHUB_CONFIG": str(self.config_path), **self.extra_env}
        env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        for name in ("PREDHUB_DATABASE_URL", "PREDHUB_DATA_DIR", "PREDHUB_PORT", "PREDHUB_HOST"):
            env.pop(name, None)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        # A readiness wait for the subprocess (not a test assertion on speed): give up with its log.
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            if self.config_path.exists():
                try:
                    r = httpx.get(f"{self.url}/api/v1/me", headers={"Authorization": f"Bearer {self.token}"})
                    if r.status_code == 200:
                        return
                except (httpx.TransportError, ValueError, KeyError):
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"hub did not start in {timeout}s:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush - what a power cut or the OOM killer does."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> HubProcess:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
