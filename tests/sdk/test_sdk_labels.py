"""Label sets and labels: one at a time, many at once, listed, read back as core Labels."""

from __future__ import annotations

import predhub
from predhub import Box, Classification, Label, Object, Polygon


def test_label_sets_create_get_list(client: predhub.Client, dataset: predhub.Dataset) -> None:
    gt = client.create_label_set(dataset, "gt", kind="ground_truth", description="by hand")
    preds = client.create_label_set(
        dataset,
        "yolo",
        model_name="yolov8n",
        model_version="8.1",
        class_mapping={"truck": "car", "dog": "_background"},
    )
    assert gt.kind is predhub.LabelSetKind.GROUND_TRUTH
    assert (preds.model_name, preds.model_version) == ("yolov8n", "8.1")
    assert preds.class_mapping == {"truck": "car", "dog": "_background"}
    assert client.get_label_set(preds.id) == preds
    assert [s.name for s in client.list_label_sets(dataset, page_size=1)] == ["gt", "yolo"]
    assert client.get_label_set_by_name(dataset, "yolo").id == preds.id


def test_put_get_list_delete_labels(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "mixed")
    label = Label(
        "img-003",
        [
            Object("car", Box(10, 20, 110, 90), confidence=0.75),
            Object("road", Polygon([[0, 400], [640, 400], [640, 480], [0, 480]])),
        ],
        classifications=[Classification.single("weather", "rain")],
        score=0.5,
    )
    assert client.put_label(label_set, label) == label  # the label as stored
    assert client.get_label(label_set, "img-003") == label
    client.put_label(label_set, {"sample": "img-003", "objects": [{"class": "person", "box": [1, 1, 5, 9]}]})
    replaced = client.get_label(label_set, "img-003")
    assert [o.class_name for o in replaced.objects] == ["person"]
    client.delete_label(label_set, "img-003")
    assert list(client.list_labels(label_set)) == []


def test_add_many_then_list_every_page(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "many")
    labels = [
        Label(f"img-{i:03d}", [Object("car", Box(i, i, i + 10, i + 20), confidence=0.5)] * 3)
        for i in range(30)
    ]
    result = client.add_labels(label_set, labels)
    assert (result.stored, result.rejected) == (30, 0)
    listed = list(client.list_labels(label_set, page_size=7))
    assert sorted(listed, key=lambda x: x.sample_key) == labels
    counts = client.get_label_set(label_set)
    assert (counts.label_count, counts.object_count) == (30, 90)


def test_partial_mode_stores_the_good_records(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "partial")
    records = [
        {"sample": "img-000", "objects": [{"class": "car", "box": [0, 0, 5, 5]}]},
        {"sample": "img-001", "objects": [{"class": "car", "box": [0, 0, 5, 5], "confidence": 7}]},
        {"sample": "img-002", "objects": []},
    ]
    result = client.add_labels(label_set, records, mode="partial")
    assert (result.stored, result.rejected, result.objects) == (2, 1, 1)
    assert [(e.record, e.field) for e in result.errors] == [(1, "objects[0].confidence")]
    assert {x.sample_key for x in client.list_labels(label_set)} == {"img-000", "img-002"}
