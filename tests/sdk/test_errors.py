"""The hub's one JSON error shape, mapped onto the SDK's error tree, against a real hub."""

from __future__ import annotations

import pytest

import predhub
from tests.hub_process import HubProcess, free_port

from .conftest import ONTOLOGY


def test_a_bad_token_is_unauthorized(hub: HubProcess) -> None:
    with predhub.Client(hub.url, "ph_not-a-token") as bad, pytest.raises(predhub.Unauthorized) as info:
        bad.me()
    assert info.value.status == 401
    assert info.value.code == "unauthorized"


def test_an_unknown_id_is_not_found(client: predhub.Client) -> None:
    with pytest.raises(predhub.NotFound) as info:
        client.get_dataset(987654)
    assert (info.value.status, info.value.code) == (404, "not_found")
    with pytest.raises(predhub.NotFound):
        client.get_dataset_by_name("no-such-dataset")


def test_a_taken_name_is_a_conflict(client: predhub.Client) -> None:
    client.create_dataset("twice", ONTOLOGY)
    with pytest.raises(predhub.Conflict) as info:
        client.create_dataset("twice", ONTOLOGY)
    assert info.value.code == "conflict"


def test_a_bad_ontology_is_a_validation_error_naming_the_field(client: predhub.Client) -> None:
    with pytest.raises(predhub.ValidationError) as info:
        client.create_dataset("bad", {"objects": [{"name": "car", "kind": "cube"}]})
    assert info.value.status == 422
    assert any("kind" in (e.field or "") or "kind" in e.message for e in info.value.errors)


def test_bad_labels_are_rejected_per_record_and_field(
    client: predhub.Client, dataset: predhub.Dataset
) -> None:
    label_set = client.create_label_set(dataset, "bad-labels")
    good = {"sample": "img-000", "objects": [{"class": "car", "box": [1, 2, 30, 40]}]}
    records = [
        good,
        {"sample": "img-001", "objects": [{"class": "tractor", "box": [1, 2, 3, 4]}]},
        {"sample": "img-002", "objects": [{"class": "car", "box": [10, 2, 3, 4]}]},
        {"sample": "no-such-sample", "objects": []},
    ]
    with pytest.raises(predhub.ValidationError) as info:
        client.add_labels(label_set, records)
    by_record = {e.record: e for e in info.value.errors}
    assert set(by_record) == {1, 2, 3}
    assert by_record[1].field == "objects[0].class"
    assert by_record[2].field is not None and by_record[2].field.startswith("objects[0].box")
    assert by_record[3].field == "sample"
    assert "record 1" in str(info.value)
    assert client.get_label_set(label_set).label_count == 0  # strict: nothing stored


def test_errors_all_descend_from_one_root(client: predhub.Client) -> None:
    with pytest.raises(predhub.PredhubError):
        client.get_dataset(987654)


def test_nothing_listening_is_a_connect_error() -> None:
    port = free_port()
    no_retries = predhub.RetryPolicy(max_retries=0)
    with (
        predhub.Client(f"http://127.0.0.1:{port}", "ph_x", retries=no_retries) as c,
        pytest.raises(predhub.ConnectError, match=str(port)),
    ):
        c.me()
