"""Helpers of the server tests: the running hub, a rich ontology, and the one error shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.hub_process import HubProcess

__all__ = ["ONTOLOGY", "Hub", "assert_error"]


class Hub:
    """A running hub for tests: its URL and admin token, its data folder, its process."""

    def __init__(self, server: HubProcess) -> None:
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def data_dir(self) -> Path:
        return self.server.folder / "data"

    @property
    def process(self) -> object:
        return self.server.process

    def api(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        """An httpx client for ``/api/v1`` with a bearer token (the admin's unless given)."""
        headers = {"Authorization": f"Bearer {token or self.token}"} if token != "" else {}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=60.0, **kwargs)  # type: ignore[arg-type]

    def kill(self) -> None:
        self.server.kill()

    def restart(self) -> None:
        self.server.start()


ONTOLOGY = {
    "objects": [
        {"name": "car", "kind": "box", "classifications": [
            {"name": "color", "kind": "single", "options": [
                {"name": "red"}, {"name": "blue", "classifications": [
                    {"name": "shade", "kind": "text"}]}]}]},
        {"name": "person", "kind": "box"},
        {"name": "road", "kind": "polygon"},
        {"name": "lane", "kind": "polyline"},
        {"name": "head", "kind": "point"},
        {"name": "sky", "kind": "mask"},
    ],
    "classifications": [
        {"name": "weather", "kind": "single", "options": [{"name": "sun"}, {"name": "rain"}]},
        {"name": "tags", "kind": "multi", "options": [{"name": "night"}, {"name": "blurry"}]},
    ],
}  # fmt: skip


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    for detail in error["details"]:
        assert {"record", "field", "message"} <= set(detail)
    return error  # type: ignore[no-any-return]
