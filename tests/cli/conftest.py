"""Fixtures of the CLI tests: a CliRunner pointed, by environment, at the shared real hub."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.cli_helpers import Run
from tests.hub_fixtures import Hub


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A dataset name no other test uses (the session hub is shared by every test module)."""
    return f"{request.node.originalname}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def run(hub: Hub, tmp_path: Path) -> Run:
    return Run(hub.url, hub.token, tmp_path)
