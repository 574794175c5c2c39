"""Fixtures of the CLI tests: a real hub subprocess, and a CliRunner pointed at it by environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from predhub.cli.main import cli
from tests.hub_process import HubProcess, postgres_database


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    folder = tmp_path_factory.mktemp(f"cli-hub-{request.param}")
    if request.param == "sqlite":
        with HubProcess(folder) as server:
            yield server
    else:
        with postgres_database() as url, HubProcess(folder, url) as server:
            yield server


class Run:
    """``run("datasets", "list")`` invokes the predhub command as a user would, against the hub."""

    def __init__(self, hub: HubProcess, tmp_path: Path) -> None:
        # No ambient config: the URL and token come from the environment, as in CI.
        self.env = {
            "PREDHUB_URL": hub.url,
            "PREDHUB_TOKEN": hub.token,
            "PREDHUB_CONFIG": str(tmp_path / "none.json"),
        }
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, list(args), env=self.env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run(hub: HubProcess, tmp_path: Path) -> Run:
    return Run(hub, tmp_path)
