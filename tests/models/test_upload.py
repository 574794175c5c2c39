"""Predictions written into a real hub (a server subprocess): upload modes, pre-labels, copies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import predhub
from predhub.core import LabelStatus
from predhub.models import HubSamples, Model, ModelError, deploy, upload_predictions

from .helpers import Brightness

ONTOLOGY = {
    "objects": [
        {"name": n, "kind": "box"} for n in ("person", "cat", "cup", "motorcycle", "red", "green", "blue")
    ],
    "classifications": [],
}


@pytest.fixture
def dataset(
    client: predhub.Client, photos: dict[str, Path], request: pytest.FixtureRequest
) -> predhub.Dataset:
    created = client.create_dataset(f"{request.node.name}-{id(request)}", ONTOLOGY)
    client.add_samples(
        created,
        [predhub.NewSample(photos[n].name, image=photos[n]) for n in ("astronaut", "chelsea", "coffee")],
    )
    return created


@pytest.fixture
def colours() -> Iterator[Model]:
    model = deploy(Brightness())
    yield model
    model.close()


def _objects(client: predhub.Client, label_set: predhub.LabelSet) -> dict[str, list[str]]:
    return {
        label.sample_key: [o.class_name for o in label.objects] for label in client.list_labels(label_set)
    }


def test_create_records_the_model_then_append_replace_and_iou_merge(
    client: predhub.Client, dataset: predhub.Dataset, colours: Model
) -> None:
    samples = HubSamples(client, dataset)
    predictions = colours.predict(samples, upload="create", label_set="colours")
    assert [p.sample_key for p in predictions] == ["astronaut.png", "chelsea.png", "coffee.png"]
    assert all(p.sample_id is not None and p.dataset_id == dataset.id for p in predictions)
    created = colours.last_upload
    assert created is not None and created.labels == 3 and created.objects == 3
    assert (created.label_set.model_name, created.label_set.model_version) == ("brightness", "1")
    assert created.label_set.kind == "predictions"
    first = _objects(client, created.label_set)
    assert len(first) == 3 and all(len(v) == 1 for v in first.values())

    colours.predict(samples, upload="append", label_set="colours")
    assert all(len(v) == 2 for v in _objects(client, created.label_set).values())

    colours.predict(samples, upload="iou_merge", label_set="colours")
    merged = colours.last_upload
    assert merged is not None and merged.duplicates_dropped == 3 and merged.objects == 0
    assert all(len(v) == 2 for v in _objects(client, created.label_set).values())

    colours.predict(samples, upload="replace", label_set="colours")
    assert _objects(client, created.label_set) == first


def test_iou_merge_threshold_is_a_setting(client: predhub.Client, dataset: predhub.Dataset) -> None:
    samples = HubSamples(client, dataset)
    model = deploy("ssd-mobilenet-v2-coco", reuse=True)
    wanted = ["person", "cat", "cup"]
    model.predict(samples, upload="create", label_set="ssd", classes=wanted)
    # The same model at another input size finds the same objects a little displaced: duplicates
    # at a loose threshold, new objects at a threshold of 1.
    model.predict(samples, upload="iou_merge", label_set="ssd", img_size=320, classes=wanted,
                  settings={"iou_merge_threshold": 0.5})  # fmt: skip
    loose = model.last_upload
    assert loose is not None and loose.objects == 0 and loose.duplicates_dropped >= 3
    model.predict(samples, upload="iou_merge", label_set="ssd", img_size=320, classes=wanted,
                  settings={"iou_merge_threshold": 1.0})  # fmt: skip
    strict = model.last_upload
    assert strict is not None and strict.duplicates_dropped == 0 and strict.objects >= 3


def test_pre_labels_land_in_the_ground_truth_for_review(
    client: predhub.Client, dataset: predhub.Dataset, colours: Model
) -> None:
    truth = client.create_label_set(dataset, "ground-truth", kind="ground_truth")
    colours.predict(HubSamples(client, dataset), upload="append", label_set="ground-truth", prelabel=True)
    labels = list(client.list_labels(truth))
    assert len(labels) == 3 and {label.status for label in labels} == {LabelStatus.PRELABEL}


def test_a_label_is_copied_between_label_sets(
    client: predhub.Client, dataset: predhub.Dataset, colours: Model
) -> None:
    colours.predict(HubSamples(client, dataset), upload="create", label_set="model-run")
    source = client.get_label_set_by_name(dataset, "model-run")
    truth = client.create_label_set(dataset, "truth", kind="ground_truth")
    client.copy_label(source, "chelsea.png", truth, status="prelabel")
    copied = client.get_label(truth, "chelsea.png")
    assert copied.status is LabelStatus.PRELABEL
    assert [o.class_name for o in copied.objects] == [
        o.class_name for o in client.get_label(source, "chelsea.png").objects
    ]


def test_predictions_on_local_files_add_their_images_as_samples(
    client: predhub.Client, colours: Model, tmp_path: Path
) -> None:
    from PIL import Image

    for name, colour in (("r.png", (255, 0, 0)), ("g.png", (0, 255, 0))):
        Image.new("RGB", (20, 10), colour).save(tmp_path / name)
    target = client.create_dataset("from-files", ONTOLOGY)
    predictions = colours.predict(tmp_path)
    result = upload_predictions(client, predictions, dataset="from-files", label_set="colours")
    assert result.samples_added == 2 and result.labels == 2
    assert {s.key: (s.width, s.height) for s in client.list_samples(target)} == {
        "g.png": (20, 10),
        "r.png": (20, 10),
    }
    assert _objects(client, result.label_set) == {"g.png": ["green"], "r.png": ["red"]}


def test_upload_errors_are_clear(client: predhub.Client, dataset: predhub.Dataset, colours: Model) -> None:
    samples = HubSamples(client, dataset)
    with pytest.raises(ModelError, match="needs the label set"):
        colours.predict(samples, upload="append")
    colours.predict(samples, upload="create", label_set="once")
    with pytest.raises(predhub.Conflict):
        colours.predict(samples, upload="create", label_set="once")
    with pytest.raises(ValueError, match="'sometimes' is not a valid UploadMode"):
        colours.predict(samples, upload="sometimes", label_set="once")
    dog = deploy(lambda image: predhub.Object("dog", predhub.Box(0, 0, 1, 1)), name="dogs")
    with pytest.raises(
        ModelError, match=r"prediction 0 \(astronaut\.png\) does not fit .*unknown class 'dog'"
    ):
        dog.predict(samples, upload="create", label_set="dogs")
    # Nothing half-written: no label set was created.
    assert "dogs" not in [ls.name for ls in client.list_label_sets(dataset)]


def test_a_label_sets_samples_and_sample_ids_as_input(
    client: predhub.Client, dataset: predhub.Dataset, colours: Model
) -> None:
    truth = client.create_label_set(dataset, "partial", kind="ground_truth")
    client.put_label(truth, predhub.Label("coffee.png"))
    only = colours.predict(HubSamples(client, dataset, label_set="partial"))
    assert [p.sample_key for p in only] == ["coffee.png"]
    ids = [s.id for s in client.list_samples(dataset)][:2]
    assert [p.sample_id for p in colours.predict(HubSamples(client, sample_ids=ids))] == ids
