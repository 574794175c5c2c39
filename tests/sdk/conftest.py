"""Fixtures of the SDK tests, over the shared real hub of tests/conftest.py (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import predhub
from tests.hub_fixtures import Hub
from tests.sdk_helpers import ONTOLOGY


@pytest.fixture
def client(hub: Hub) -> Iterator[predhub.Client]:
    with predhub.Client(hub.url, hub.token) as c:
        yield c


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A dataset name no other test uses (the session hub is shared by every test module)."""
    return f"{request.node.originalname}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def dataset(client: predhub.Client, name: str) -> predhub.Dataset:
    """A fresh dataset with 30 samples img-000..img-029 of 640x480."""
    created = client.create_dataset(name, ONTOLOGY, description="sdk test")
    client.add_samples(
        created,
        [
            predhub.NewSample(f"img-{i:03d}", url=f"https://example.test/{i}.jpg", width=640, height=480)
            for i in range(30)
        ],
    )
    return created
