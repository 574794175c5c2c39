"""Users, tokens and workspaces through the SDK: another workspace's dataset is not found (404)."""

from __future__ import annotations

import pytest

import predhub
from tests.hub_fixtures import Hub
from tests.sdk_helpers import ONTOLOGY


def test_a_user_sees_only_the_datasets_of_their_workspaces(
    hub: Hub, client: predhub.Client, dataset: predhub.Dataset, name: str
) -> None:
    bob = client.create_user(f"bob-{name}")
    assert not bob.is_admin
    team = client.create_workspace(f"team-{name}")
    client.add_member(team, bob)
    client.add_member(team, bob)  # twice is harmless
    with predhub.Client(hub.url, client.create_token(bob, name="laptop")) as as_bob:
        me = as_bob.me()
        assert me.user.name == f"bob-{name}"
        assert [w.name for w in me.workspaces] == [f"team-{name}"]
        assert [w.name for w in as_bob.list_workspaces()] == [f"team-{name}"]
        with pytest.raises(predhub.NotFound):
            as_bob.get_dataset(dataset.id)  # the admin's default workspace
        with pytest.raises(predhub.NotFound):
            as_bob.get_dataset_by_name(dataset.name)
        own = as_bob.create_dataset(f"bobs-{name}", ONTOLOGY, workspace_id=team.id)
        assert own.workspace_id == team.id
        assert dataset.id not in {d.id for d in as_bob.list_datasets()}
        with pytest.raises(predhub.NotFound):
            as_bob.create_user(f"eve-{name}")  # the users collection is the admins'


def test_update_a_label_set(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "to-rename", model_name="m")
    updated = client.update_label_set(
        label_set, name="renamed", model_version="2", class_mapping={"bus": "car"}
    )
    assert (updated.name, updated.model_name, updated.model_version) == ("renamed", "m", "2")
    assert updated.class_mapping == {"bus": "car"}
    assert client.get_label_set(label_set).name == "renamed"
