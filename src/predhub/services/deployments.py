"""Deployments: models the hub runs in worker processes and keeps running.

The :class:`Supervisor` (one per server process) starts a worker (:mod:`predhub.models.worker`) per
deployment, watches it, restarts it when it dies (up to ``MAX_RESTARTS`` times in a row before
marking it failed), stops it on request, and - because the rows live in the database - starts again
every deployment that should run when the hub itself restarts, under the same id. Each worker writes
its output to ``<data dir>/deployments/<id>.log``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, insert, select, update

from predhub.services import access
from predhub.services.auth import User
from predhub.services.errors import Invalid, NotFound, ServiceError
from predhub.store.db import Database, Record
from predhub.store.schema import deployments, memberships

__all__ = ["MAX_RESTARTS", "Supervisor", "Unavailable"]

log = logging.getLogger("predhub.deployments")

MAX_RESTARTS = 5  # crashes in a row; a worker that ran HEALTHY_AFTER seconds starts a new streak
HEALTHY_AFTER = 60.0
POLL_SECONDS = 0.25


class Unavailable(ServiceError):
    """The deployment is not running (yet, or any more): 503, try again when its status is running."""

    status = 503
    code = "deployment_unavailable"


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(row: Record) -> dict[str, Any]:
    info = row.info or {}
    return {
        "id": row.id,
        "workspace_id": row.workspace_id,
        "model": row.model,
        "device": info.get("device", row.device),
        "status": row.status,
        "desired": row.desired,
        "name": info.get("name"),
        "version": info.get("version"),
        "framework": info.get("framework"),
        "task": info.get("task"),
        "classes": info.get("classes", []),
        "pid": row.pid,
        "restarts": row.restarts,
        "error": row.error,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    ready: Path
    started: bool = False  # the worker loaded its model and listened at least once
    started_at: float = 0.0


class Supervisor:
    """Starts, watches, restarts and stops the workers of this hub's deployments."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.folder = data_dir / "deployments"
        self._children: dict[int, _Child] = {}
        self._streak: dict[int, int] = {}  # deployment id -> crashes in a row
        self._pending: dict[int, float] = {}  # deployment id -> when to (re)start it
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="predhub-supervisor", daemon=True)

    # -- lifecycle of the supervisor ------------------------------------------------------------

    def start(self) -> None:
        """Start every deployment that should be running (a hub restart keeps their ids)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.db.write() as conn:
            ids = list(
                conn.execute(select(deployments.c.id).where(deployments.c.desired == "running")).scalars()
            )
            # The workers the rows name died with the previous hub: until ours run, say so (before
            # the API answers), so nobody reads a dead worker's pid as running.
            conn.execute(
                update(deployments)
                .where(deployments.c.id.in_(ids))
                .values(status="starting", pid=None, port=None, updated_at=_now())
            )
        for deployment_id in ids:
            self._pending[deployment_id] = 0.0
        self._thread.start()

    def close(self) -> None:
        """Stop the workers with the hub; their desired state stays, so they come back with it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            for child in self._children.values():
                _terminate(child.process)
            self._children.clear()

    # -- the REST API's operations --------------------------------------------------------------

    def create(self, user: User, model: str, device: str = "auto", reuse: bool = False) -> dict[str, Any]:
        from predhub.models import BUNDLED
        from predhub.models.errors import ModelError
        from predhub.models.framework import detect_framework

        if device not in ("auto", "cpu", "gpu"):
            raise Invalid.field("device", 'must be "auto", "cpu" or "gpu"')
        if not isinstance(model, str) or not model:
            raise Invalid.field("model", "must be a bundled model's name or a checkpoint path on the hub")
        if model not in BUNDLED:
            try:
                detect_framework(model)
            except ModelError as exc:
                known = ", ".join(sorted(BUNDLED))
                raise Invalid.field("model", f"{exc} (bundled models: {known})") from None
        with self.db.write() as conn:
            workspace = conn.execute(
                select(memberships.c.workspace_id)
                .where(memberships.c.user_id == user.id)
                .order_by(memberships.c.workspace_id)
            ).scalar()
            if workspace is None:
                raise Invalid.field("workspace_id", "the user belongs to no workspace")
            if reuse:
                existing = conn.execute(
                    select(deployments).where(
                        deployments.c.workspace_id == workspace,
                        deployments.c.model == model,
                        deployments.c.device == device,
                        deployments.c.desired == "running",
                    )
                ).first()
                if existing is not None:
                    return _describe(existing)
            deployment_id = conn.execute(
                insert(deployments)
                .values(
                    workspace_id=workspace, model=model, device=device, desired="running", status="starting"
                )
                .returning(deployments.c.id)
            ).scalar_one()
            row = conn.execute(select(deployments).where(deployments.c.id == deployment_id)).one()
        with self._lock:
            self._pending[deployment_id] = 0.0
        return _describe(row)

    def _row(self, user: User, deployment_id: int) -> Record:
        with self.db.read() as conn:
            row = conn.execute(
                select(deployments).where(
                    deployments.c.id == deployment_id, deployments.c.workspace_id.in_(access.member_of(user))
                )
            ).first()
        if row is None:
            raise NotFound(f"deployment {deployment_id} not found")
        return row

    def get(self, user: User, deployment_id: int) -> dict[str, Any]:
        return _describe(self._row(user, deployment_id))

    def list_deployments(self, user: User) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                select(deployments)
                .where(deployments.c.workspace_id.in_(access.member_of(user)))
                .order_by(deployments.c.id)
            ).all()
        return [_describe(r) for r in rows]

    def logs(self, user: User, deployment_id: int, tail: int = 200) -> list[str]:
        self._row(user, deployment_id)
        path = self._log_path(deployment_id)
        if not path.exists():
            return []
        return path.read_text(errors="replace").splitlines()[-tail:]

    def stop(self, user: User, deployment_id: int) -> dict[str, Any]:
        self._row(user, deployment_id)
        with self._lock:
            self._pending.pop(deployment_id, None)
            child = self._children.pop(deployment_id, None)
            self._set(deployment_id, desired="stopped", status="stopped", pid=None, port=None)
        if child is not None:
            _terminate(child.process)
        return self.get(user, deployment_id)

    def restart(self, user: User, deployment_id: int) -> dict[str, Any]:
        self._row(user, deployment_id)
        with self._lock:
            child = self._children.pop(deployment_id, None)
            if child is not None:
                _terminate(child.process)
            self._set(deployment_id, desired="running", status="starting", error=None, port=None)
            self._streak.pop(deployment_id, None)
            self._pending[deployment_id] = 0.0
        return self.get(user, deployment_id)

    def delete(self, user: User, deployment_id: int) -> None:
        self.stop(user, deployment_id)
        with self.db.write() as conn:
            conn.execute(delete(deployments).where(deployments.c.id == deployment_id))

    def predict(self, user: User, deployment_id: int, image: bytes, params: dict[str, str]) -> dict[str, Any]:
        """One image through the deployment's worker; its prediction as JSON."""
        row = self._row(user, deployment_id)
        if row.status != "running" or row.port is None:
            raise Unavailable(f"deployment {deployment_id} is {row.status}, not running")
        if not image:
            raise Invalid.field("body", "send the image's bytes")
        try:
            response = httpx.post(
                f"http://127.0.0.1:{row.port}/predict", content=image, params=params, timeout=300.0
            )
        except httpx.TransportError as exc:
            raise Unavailable(f"deployment {deployment_id} did not answer: {exc}") from None
        body: dict[str, Any] = response.json()
        if response.status_code == 422:
            raise Invalid.field(body.get("field") or "body", body.get("error", "bad request"))
        if response.status_code != 200:
            raise Unavailable(f"deployment {deployment_id} answered {response.status_code}")
        return body

    # -- the watch loop -------------------------------------------------------------------------

    def _log_path(self, deployment_id: int) -> Path:
        return self.folder / f"{deployment_id}.log"

    def _set(self, deployment_id: int, **values: Any) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(deployments)
                .where(deployments.c.id == deployment_id)
                .values(updated_at=_now(), **values)
            )

    def _spawn(self, deployment_id: int) -> None:
        with self.db.read() as conn:
            row = conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()
        if row is None or row.desired != "running":
            return
        ready = self.folder / f"{deployment_id}.ready"
        ready.unlink(missing_ok=True)
        env = dict(os.environ)
        # The worker imports the same predhub as this server, wherever it was imported from.
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
        command = [
            sys.executable,
            "-m",
            "predhub.models.worker",
            "--model",
            row.model,
            "--device",
            row.device,
        ]
        with self._log_path(deployment_id).open("ab") as out:
            out.write(f"--- {_now().isoformat()} starting {row.model} ---\n".encode())
            out.flush()
            process = subprocess.Popen(
                [*command, "--ready", str(ready)], stdout=out, stderr=subprocess.STDOUT, env=env
            )
        self._children[deployment_id] = _Child(process, ready)
        self._set(deployment_id, status="starting", pid=process.pid, port=None)

    def _watch(self, deployment_id: int, child: _Child) -> None:
        code = child.process.poll()
        if code is None:
            if child.ready.exists():
                info = json.loads(child.ready.read_text())
                child.ready.unlink()
                child.started = True
                child.started_at = time.monotonic()
                # ``error`` keeps the last crash's reason for the user to read; restart() clears it.
                self._set(deployment_id, status="running", port=info["port"], info=info)
            return
        del self._children[deployment_id]
        with self.db.read() as conn:
            row = conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()
        if row is None or row.desired != "running":
            return
        restarts = row.restarts + 1
        tail = self._log_path(deployment_id).read_text(errors="replace").splitlines()[-1:] or [""]
        error = f"worker exited with code {code}: {tail[0]}"
        if not child.started:
            # It never loaded the model: starting it again would fail the same way.
            self._set(deployment_id, status="failed", pid=None, port=None, error=error)
            log.error("deployment %s could not start: %s", deployment_id, error)
            return
        healthy = time.monotonic() - child.started_at > HEALTHY_AFTER
        streak = 1 if healthy else self._streak.get(deployment_id, 0) + 1
        self._streak[deployment_id] = streak
        if streak > MAX_RESTARTS:
            self._set(deployment_id, status="failed", pid=None, port=None, error=error)
            log.error("deployment %s failed: %s", deployment_id, error)
            return
        self._set(deployment_id, status="restarting", pid=None, port=None, restarts=restarts, error=error)
        # Back off a little more after each crash in a row.
        self._pending[deployment_id] = time.monotonic() + min(0.5 * 2 ** (streak - 1), 8.0)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            with self._lock:
                try:
                    for deployment_id, child in list(self._children.items()):
                        self._watch(deployment_id, child)
                    now = time.monotonic()
                    for deployment_id, when in list(self._pending.items()):
                        if when <= now:
                            del self._pending[deployment_id]
                            self._spawn(deployment_id)
                except Exception:  # the watch loop must outlive a database hiccup
                    log.exception("deployment supervisor")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
