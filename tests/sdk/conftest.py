"""Fixtures of the SDK tests: a real hub subprocess on SQLite and on PostgreSQL, and clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import predhub
from tests.hub_process import HubProcess, postgres_database

ONTOLOGY = {
    "objects": [
        {"name": "car", "kind": "box"},
        {"name": "person", "kind": "box"},
        {"name": "road", "kind": "polygon"},
    ],
    "classifications": [
        {"name": "weather", "kind": "single", "options": [{"name": "sun"}, {"name": "rain"}]}
    ],
}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        with HubProcess(folder) as server:
            yield server
    else:
        with postgres_database() as url, HubProcess(folder, url) as server:
            yield server


@pytest.fixture
def client(hub: HubProcess) -> Iterator[predhub.Client]:
    with predhub.Client(hub.url, hub.token) as c:
        yield c


@pytest.fixture
def dataset(client: predhub.Client, request: pytest.FixtureRequest) -> predhub.Dataset:
    """A fresh dataset (unique name per test) with 30 samples img-000..img-029 of 640x480."""
    name = f"{request.node.name}-{id(request)}"
    created = client.create_dataset(name, ONTOLOGY, description="sdk test")
    client.add_samples(
        created,
        [
            predhub.NewSample(f"img-{i:03d}", url=f"https://example.test/{i}.jpg", width=640, height=480)
            for i in range(30)
        ],
    )
    return created
