"""Datasets through the sync client against a real hub: create, get, by name, list every page, delete."""

from __future__ import annotations

import pytest

import predhub

from .conftest import ONTOLOGY


def test_create_get_and_find_by_name(client: predhub.Client) -> None:
    created = client.create_dataset("streets", ONTOLOGY, description="city streets")
    assert created.name == "streets"
    assert created.description == "city streets"
    assert created.ontology.class_names == ["car", "person", "road"]
    assert created.ontology.classification("weather") is not None
    assert client.get_dataset(created.id) == created
    assert client.get_dataset_by_name("streets").id == created.id


def test_ontology_object_and_dict_give_the_same_dataset(client: predhub.Client) -> None:
    ontology = predhub.Ontology.from_dict(ONTOLOGY)
    a = client.create_dataset("from-object", ontology)
    b = client.create_dataset("from-dict", ONTOLOGY)
    assert a.ontology == b.ontology == ontology


def test_list_iterates_every_page(client: predhub.Client) -> None:
    names = {f"paged-{i}" for i in range(7)}
    for name in sorted(names):
        client.create_dataset(name, ONTOLOGY)
    listed = list(client.list_datasets(page_size=2))
    assert names <= {d.name for d in listed}
    assert len({d.id for d in listed}) == len(listed)  # no page repeats an item


def test_delete(client: predhub.Client) -> None:
    created = client.create_dataset("doomed", ONTOLOGY)
    client.delete_dataset(created)
    with pytest.raises(predhub.NotFound):
        client.get_dataset(created.id)
    assert "doomed" not in {d.name for d in client.list_datasets()}


def test_update_adds_a_class(client: predhub.Client) -> None:
    created = client.create_dataset("growing", ONTOLOGY)
    bigger = {**ONTOLOGY, "objects": [*ONTOLOGY["objects"], {"name": "bus", "kind": "box"}]}
    updated = client.update_dataset(created, description="now with buses", ontology=bigger)
    assert updated.description == "now with buses"
    assert "bus" in updated.ontology.class_names
