from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from predhub.models import Model, deploy

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
