"""Exports read runs of plain-box labels as columns and everything else label by label; the file is
the same as reading every label whole (``columnar=False``), on SQLite and PostgreSQL.

The label set mixes plain-box labels with labels that must go the per-label way (a label score,
label classifications, object classifications or attributes, rotated boxes, polygons, points,
polylines), stored out of sample order, and is larger than one export page (in labels and in
objects), so that runs are cut at pages and around every kind of label.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

import orjson

from predhub.services import auth, datasets, exports, label_sets, labels, samples
from predhub.services.auth import User
from predhub.store import Database
from predhub.store.blobs import LocalBlobStore
from predhub.store.export_pages import PAGE_LABELS, PAGE_OBJECTS
from tests.hub_fixtures import ONTOLOGY

SAMPLES = PAGE_LABELS + 300


def _object(rng: random.Random, i: int, j: int) -> dict[str, Any]:
    x, y = round(rng.uniform(0, 500), 2), round(rng.uniform(0, 400), 2)
    obj: dict[str, Any] = {
        "class": rng.choice(["car", "person"]),
        "box": [x, y, round(x + rng.uniform(1, 100), 3), round(y + rng.uniform(1, 60), 3)],
    }
    if rng.random() < 0.7:
        obj["confidence"] = round(rng.random(), 4)
    if rng.random() < 0.5:
        obj["id"] = f"obj-{i}-{j}"
    return obj


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    objects = [_object(rng, i, j) for j in range(rng.randrange(5, 30))]
    record: dict[str, Any] = {"sample": f"img-{i}" if i % 4 else str(i), "objects": objects}
    kind = i % 10
    if kind == 1:
        record["score"] = 0.5
    elif kind == 2:
        record["classifications"] = [{"name": "weather", "answer": "sun"}]
    elif kind == 3:
        objects[1] = {
            "class": "car",
            "box": [1, 2, 30, 40],
            "classifications": [{"name": "color", "answer": "red"}],
        }
    elif kind == 4:
        objects[0]["box"], objects[0]["rotation"] = [10, 10, 50, 30], 15.0
    elif kind == 5:
        objects.insert(2, {"class": "road", "polygon": [[0, 0], [100, 0], [50, 80]], "confidence": 0.3})
        objects.append({"class": "head", "point": [5, 6]})
        objects.append({"class": "lane", "polyline": [[0, 0], [10, 10], [20, 5]], "id": f"lane-{i}"})
    elif kind == 6:
        objects[0]["attributes"] = {"occluded": True}
    elif kind == 7:
        record["objects"] = []
    elif kind == 8:
        record["status"] = "reviewed"
    return record


def _populate(db: Database, folder: Path) -> tuple[User, int]:
    token = auth.bootstrap_admin(db)
    user = auth.authenticate(db, token)
    with db.write() as conn:
        dataset = datasets.create(conn, user, "exports", ONTOLOGY)
        samples.create_many(
            conn,
            user,
            dataset.id,
            [
                {
                    "key": f"img-{i}" if i % 4 else str(i),
                    "url": f"https://example.test/{i}.jpg",
                    "width": 640,
                    "height": 480,
                }
                for i in range(SAMPLES)
            ],
            samples.SampleStore(LocalBlobStore(folder / "blobs"), None),
        )
        label_set = label_sets.create(conn, user, dataset.id, "preds", model_version="v7")
    rng = random.Random(5)
    records = [_record(rng, i) for i in range(SAMPLES)]
    rng.shuffle(records)  # label ids, the export's order, are not the samples' order
    for start in range(0, len(records), 400):
        labels.ingest(db, user, label_set.id, records[start : start + 400])
    return user, label_set.id


def _contents(path: Path) -> dict[str, bytes]:
    data = path.read_bytes()
    if data[:2] != b"PK":
        return {"": data}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


FORMATS: list[tuple[str, dict[str, Any]]] = [
    ("coco", {}),
    ("coco", {"ground_truth": True}),
    ("labelbox", {}),
    ("labelstudio", {}),
    ("openlabel", {}),
    ("segments", {}),
    ("supervisely", {}),
    ("yolo", {}),
    ("voc", {}),
]


def test_columnar_export_is_the_per_label_export(db: Database, tmp_path: Path) -> None:
    user, label_set_id = _populate(db, tmp_path)
    for name, options in FORMATS:
        fast, slow = tmp_path / f"{name}-fast", tmp_path / f"{name}-slow"
        fast_report = exports.export_label_set(db, user, label_set_id, name, fast, options)
        slow_report = exports.export_label_set(db, user, label_set_id, name, slow, options, columnar=False)
        assert fast_report.to_dict() == slow_report.to_dict(), name
        assert _contents(fast) == _contents(slow), (name, options)
        assert fast_report.labels == SAMPLES

    report = exports.export_label_set(db, user, label_set_id, "labelbox", tmp_path / "lb")
    lines = [orjson.loads(line) for line in (tmp_path / "lb").read_bytes().splitlines()]
    assert report.objects > PAGE_OBJECTS  # more than a page of objects, and of labels
    assert report.dropped["label.score"] == SAMPLES // 10
    assert {line["uuid"] for line in lines if line["uuid"].startswith("obj-")}
    assert any("confidence" not in line for line in lines) and any("confidence" in line for line in lines)
    assert len({line["uuid"] for line in lines}) == len(lines)


def test_export_of_an_empty_label_set(db: Database, tmp_path: Path) -> None:
    token = auth.bootstrap_admin(db)
    user = auth.authenticate(db, token)
    with db.write() as conn:
        dataset = datasets.create(conn, user, "empty", ONTOLOGY)
        label_set = label_sets.create(conn, user, dataset.id, "nothing")
    for name in ("coco", "labelbox"):
        report = exports.export_label_set(db, user, label_set.id, name, tmp_path / name)
        assert report.labels == report.objects == 0
    assert orjson.loads((tmp_path / "coco").read_bytes()) == []
    assert (tmp_path / "labelbox").read_bytes() == b""
