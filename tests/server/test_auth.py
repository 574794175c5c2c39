"""Tokens, users and workspaces: a user sees only the datasets of the workspaces they are a member of."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Hub

from .test_errors import assert_error


def make_user(api: httpx.Client, name: str) -> tuple[dict[str, Any], str]:
    user = api.post("/users", json={"name": name})
    assert user.status_code == 201, user.text
    token = api.post(f"/users/{user.json()['id']}/tokens", json={"name": "test"})
    assert token.status_code == 201 and token.json()["token"].startswith("ph_")
    return user.json(), token.json()["token"]


def test_first_start_wrote_the_admin_token(hub: Hub) -> None:
    config = json.loads(hub.server.config_path.read_text())
    assert config == {"url": hub.url, "token": hub.token}
    with hub.api() as api:
        me = api.get("/me").json()
    assert me["user"]["name"] == "admin" and me["user"]["is_admin"] is True
    assert {"name": "default"} in [{"name": w["name"]} for w in me["workspaces"]]


def test_other_workspaces_are_404(
    hub: Hub,
    api: httpx.Client,
    dataset: dict[str, Any],
    label_set: dict[str, Any],
    unique: Callable[[str], str],
) -> None:
    _, token = make_user(api, unique("bob"))
    sample = api.get(f"/datasets/{dataset['id']}/samples/by-key/img-00").json()
    upload = api.post(f"/label-sets/{label_set['id']}/uploads", json={}).json()
    with hub.api(token) as bob:
        assert bob.get("/me").json()["workspaces"] == []
        for path in (
            f"/datasets/{dataset['id']}",
            f"/datasets/{dataset['id']}/samples",
            f"/datasets/{dataset['id']}/label-sets",
            f"/samples/{sample['id']}",
            f"/samples/{sample['id']}/image",
            f"/label-sets/{label_set['id']}",
            f"/label-sets/{label_set['id']}/labels",
            f"/uploads/{upload['id']}",
        ):
            assert_error(bob.get(path), 404, "not_found")
        assert dataset["id"] not in [d["id"] for d in bob.get("/datasets").json()["items"]]
        assert_error(bob.delete(f"/datasets/{dataset['id']}"), 404, "not_found")
        assert_error(
            bob.post(f"/label-sets/{label_set['id']}/labels", json=[{"sample": "img-00"}]), 404, "not_found"
        )
        assert_error(
            bob.put(f"/uploads/{upload['id']}/chunks/0", json=[{"sample": "img-00"}]), 404, "not_found"
        )
        assert_error(bob.post("/users", json={"name": unique("eve")}), 404, "not_found")
        # Bob's own workspace and dataset, invisible to nobody but members.
        ws = bob.post("/workspaces", json={"name": unique("bobs")}).json()
        mine = bob.post("/datasets", json={"name": "mine", "workspace_id": ws["id"]})
        assert mine.status_code == 201, mine.text
    assert api.get(f"/datasets/{dataset['id']}").status_code == 200
    assert_error(api.get(f"/datasets/{mine.json()['id']}"), 404, "not_found")  # admin is no member


def test_membership_grants_access(
    hub: Hub, api: httpx.Client, dataset: dict[str, Any], unique: Callable[[str], str]
) -> None:
    user, token = make_user(api, unique("carol"))
    added = api.post(f"/workspaces/{dataset['workspace_id']}/members", json={"user_id": user["id"]})
    assert added.status_code == 201
    with hub.api(token) as carol:
        assert carol.get(f"/datasets/{dataset['id']}").json()["name"] == dataset["name"]


def test_token_of_another_user_only_by_admin(
    hub: Hub, api: httpx.Client, unique: Callable[[str], str]
) -> None:
    dave, token = make_user(api, unique("dave"))
    erin, _ = make_user(api, unique("erin"))
    with hub.api(token) as client:
        assert client.post(f"/users/{dave['id']}/tokens").status_code == 201  # own: yes
        assert_error(client.post(f"/users/{erin['id']}/tokens"), 404, "not_found")
