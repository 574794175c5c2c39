"""Shared fixtures: a real hub server (``python -m predhub.server``) on SQLite and on PostgreSQL.

``hub`` is one server per backend for the whole session (tests make their own uniquely named
datasets, so they never depend on each other's data or order); ``fresh_hub`` is a server of one's
own, for tests that kill and restart it. ``db`` is a migrated, empty database without a server, for
the store and services tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from predhub.store import Database, migrate
from tests.hub_fixtures import ONTOLOGY, Hub
from tests.hub_process import HubProcess, postgres_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _start(backend: str, folder: Path, stack: ExitStack, **env: str) -> Hub:
    url = stack.enter_context(postgres_database()) if backend == "postgres" else None
    server = HubProcess(folder, url, extra_env=env)
    stack.enter_context(server)
    return Hub(server)


@pytest.fixture(scope="session", params=BACKENDS)
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with ExitStack() as stack:
        # A small body limit, so that the 413 test need not send hundreds of megabytes; sample images
        # served by the tests' own servers on 127.0.0.1 (refused by default).
        yield _start(
            request.param,
            tmp_path_factory.mktemp(f"hub-{request.param}"),
            stack,
            PREDHUB_MAX_BODY_BYTES=str(8 * 1024 * 1024),
            PREDHUB_ALLOW_PRIVATE_IMAGE_HOSTS="true",
        )


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on SQLite (temp folder) and on PostgreSQL (a fresh database)."""
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database()) if request.param == "postgres" else None
        database = Database(url or f"sqlite:///{tmp_path / 'hub.db'}")
        stack.callback(database.dispose)
        migrate(database)
        yield database


@pytest.fixture(params=BACKENDS)
def fresh_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    with ExitStack() as stack:
        yield _start(request.param, tmp_path / "hub", stack)


@pytest.fixture
def api(hub: Hub) -> Iterator[httpx.Client]:
    with hub.api() as client:
        yield client


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Names no other test uses (the session hub is shared)."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def dataset(api: httpx.Client, unique: Callable[[str], str]) -> dict[str, object]:
    """A fresh dataset with samples img-00..img-19 of 640x480 (by URL, sizes given)."""
    created = api.post("/datasets", json={"name": unique("ds"), "ontology": ONTOLOGY})
    assert created.status_code == 201, created.text
    body = created.json()
    samples = [
        {"key": f"img-{i:02d}", "url": f"https://example.test/{i}.jpg", "width": 640, "height": 480}
        for i in range(20)
    ]
    made = api.post(f"/datasets/{body['id']}/samples", json=samples)
    assert made.status_code == 201, made.text
    return body  # type: ignore[no-any-return]


@pytest.fixture
def label_set(api: httpx.Client, dataset: dict[str, object]) -> dict[str, object]:
    created = api.post(
        f"/datasets/{dataset['id']}/label-sets", json={"name": "predictions", "kind": "predictions"}
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]
