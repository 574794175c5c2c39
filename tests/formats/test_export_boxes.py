"""The bulk writers of plain-box runs (``export_boxes_fn``) write exactly what the per-label converters
write: the same bytes, the same record counts, the same report.

Every case is written twice through :func:`predhub.formats.io.write_stream`: as a :class:`BoxRun`
(the bulk path) and as the run's neutral labels (the per-label path).
"""

from __future__ import annotations

import io
import random
import uuid
from typing import Any

import numpy as np
import orjson
import pytest

from predhub.core import Ontology
from predhub.core.box_run import BoxRun
from predhub.formats import ExportOptions, ExportReport, get_format
from predhub.formats.io import Exportable, export_labels, write_stream
from predhub.formats.labelbox import _uuid

ONTOLOGY = Ontology.from_dict({"objects": [{"name": n, "kind": "box"} for n in ("car", "person", "bus")]})


Box = tuple[str, float, float, float, float, float, str | None]  # class, x0, y0, x1, y1, confidence, id
Labels = list[tuple[str, list[Box]]]


def _run(labels: Labels) -> BoxRun:
    boxes = [b for _, objects in labels for b in objects]
    numbers = np.array([b[1:6] for b in boxes], dtype=np.float64).reshape(-1, 5).T
    return BoxRun(
        keys=[k for k, _ in labels],
        statuses=["labeled"] * len(labels),
        counts=[len(objects) for _, objects in labels],
        classes=[b[0] for b in boxes],
        x0=numbers[0],
        y0=numbers[1],
        x1=numbers[2],
        y1=numbers[3],
        confidence=numbers[4],
        ids=[b[6] for b in boxes],
    )


def _write(name: str, items: list[Exportable], options: ExportOptions) -> tuple[bytes, dict[str, Any]]:
    stream = io.BytesIO()
    report = ExportReport(name)
    write_stream(get_format(name), items, options, stream, report)
    return stream.getvalue(), report.to_dict()


CASES: dict[str, Labels] = {
    "plain": [
        ("1", [("car", 1.5, 2.25, 10.0, 20.0, 0.9, "a"), ("person", 0.0, 0.0, 640.0, 480.0, 1.0, "b")]),
        ("img-2", [("bus", 3.0, 4.0, 5.0, 6.0, 0.123456789012345, "c")]),
    ],
    "empty labels and no ids": [
        ("a", []),
        ("b", [("car", 1.0, 1.0, 2.0, 2.0, 1.0, None), ("car", 1.0, 1.0, 2.0, 2.0, 0.5, "")]),
        ("c", []),
    ],
    "unknown class, degenerate and odd boxes": [
        ("7", [("truck", 1.0, 1.0, 2.0, 2.0, 0.5, "t"), ("car", 5.0, 5.0, 5.0, 5.0, 0.0, "u")]),
        (
            "8",
            [
                ("car", 0.1, 0.2, 0.30000000000000004, 1e-7, 1e-300, "v"),
                ("bus", -0.0, 2.0, 1.0, 1.0, 1.0, "w"),
            ],
        ),
    ],
    # Strings holding the characters the bulk dump splits records at (escaped in JSON, so no boundary).
    "separator inside a string": [
        ('x},{"image_id":', [("car", 1.0, 2.0, 3.0, 4.0, 0.5, 'id},{"uuid":1')]),
        ("y", [("car", 1.0, 2.0, 3.0, 4.0, 0.5, "z")]),
    ],
}


@pytest.mark.parametrize("name", ["coco", "labelbox", "labelstudio", "openlabel", "segments"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bulk_path_writes_what_the_per_label_path_writes(name: str, case: str) -> None:
    run = _run(CASES[case])
    options = ExportOptions(ontology=ONTOLOGY, sizes={"1": (640, 480), "8": (100, 100)})
    bulk = _write(name, [run], options)
    per_label = _write(name, list(run.labels()), options)
    assert bulk == per_label
    if name in ("coco", "labelbox"):
        assert get_format(name).export_boxes_fn is not None  # type: ignore[attr-defined]


def test_runs_and_labels_interleave_in_order() -> None:
    runs = [_run(CASES[case]) for case in sorted(CASES)]
    labels = [label for run in runs for label in run.labels()]
    mixed: list[Exportable] = [runs[0], *runs[1].labels(), runs[2], runs[3]]
    options = ExportOptions(ontology=ONTOLOGY)
    for name in ("coco", "labelbox"):
        assert _write(name, mixed, options) == _write(name, list(labels), options)
    assert [label.sample_key for label in export_labels(mixed)] == [label.sample_key for label in labels]


def test_random_runs_match() -> None:
    rng = random.Random(3)
    labels: Labels = []
    for i in range(300):
        objects: list[Box] = []
        for j in range(rng.randrange(0, 6)):
            x, y = rng.uniform(0, 600), rng.uniform(0, 400)
            objects.append(
                (
                    rng.choice(["car", "person", "bus"]),
                    x,
                    y,
                    x + rng.uniform(0, 50),
                    y + rng.uniform(0, 50),
                    rng.choice([1.0, rng.random()]),
                    rng.choice([None, f"id-{i}-{j}"]),
                )
            )
        labels.append((str(i) if i % 3 else f"img-{i}", objects))
    run = _run(labels)
    options = ExportOptions(ontology=ONTOLOGY)
    for name in ("coco", "labelbox"):
        bulk, report = _write(name, [run], options)
        assert (bulk, report) == _write(name, list(run.labels()), options)
        assert report["objects"] == run.box_count and report["labels"] == len(run)


def test_coco_ground_truth_goes_label_by_label() -> None:
    run = _run(CASES["plain"])
    options = ExportOptions(ontology=ONTOLOGY, ground_truth=True, sizes={"1": (640, 480)})
    bulk, report = _write("coco", [run], options)
    assert (bulk, report) == _write("coco", list(run.labels()), options)
    data = orjson.loads(bulk)
    assert [image["id"] for image in data["images"]] == [1, "img-2"]
    assert len(data["annotations"]) == 3


def test_coco_without_categories_refuses_as_per_label() -> None:
    run = _run(CASES["plain"])
    with pytest.raises(ValueError, match="category ids"):
        _write("coco", [run], ExportOptions())


def test_uuid_is_uuid5() -> None:
    for key in ("a", "img 1/é", ""):
        for i in range(20):
            assert _uuid(key, "o", i) == str(uuid.uuid5(uuid.NAMESPACE_URL, f"predhub:{key}:o{i}"))
