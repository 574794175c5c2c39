"""Fixtures of the CLI tests: a real hub subprocess, and a CliRunner pointed at it by environment."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_helpers import Run
from hub_process import HubProcess, postgres_database


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp(f"cli-hub-{request.param}")
    if request.param == "sqlite":
        with HubProcess(folder) as server:
            yield server
    else:
        with postgres_database() as url, HubProcess(folder, url) as server:
            yield server


@pytest.fixture
def run(hub: HubProcess, tmp_path: Path) -> Run:
    return Run(hub, tmp_path)
