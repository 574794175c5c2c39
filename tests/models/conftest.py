from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

import predhub
from predhub.models import Model, deploy
from tests.hub_process import HubProcess, postgres_database

from .helpers import Brightness

SKIMAGE_DATA = Path(next(iter(importlib.util.find_spec("skimage").submodule_search_locations))) / "data"  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def photos() -> dict[str, Path]:
    """Real photos shipped by scikit-image."""
    names = {
        "astronaut": "astronaut.png",
        "chelsea": "chelsea.png",
        "coffee": "coffee.png",
        "motorcycle": "motorcycle_left.png",
        "rocket": "rocket.jpg",
    }
    return {key: SKIMAGE_DATA / name for key, name in names.items()}


@pytest.fixture
def brightness() -> Iterator[Model]:
    model = deploy(Brightness())
    yield model
    model.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp(f"models-hub-{request.param}")
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
