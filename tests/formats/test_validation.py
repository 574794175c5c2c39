"""Errors name the record and the field in each format's own words; strict and partial modes."""

from __future__ import annotations

import io
import tracemalloc
from typing import Any

import orjson
import pytest

from predhub.core import Ontology
from predhub.formats import ImportOptions, ImportRejected, ImportReport, Record, get_format, import_records
from predhub.formats.io import iter_json_array

ONTOLOGY = Ontology.from_dict(
    {
        "objects": [
            {
                "name": "car",
                "kind": "box",
                "classifications": [
                    {"name": "color", "kind": "single", "options": [{"name": "red"}, {"name": "blue"}]}
                ],
            },
            {"name": "road", "kind": "polygon"},
        ],
        "classifications": [{"name": "weather", "kind": "single", "options": [{"name": "sun"}]}],
    }
)
SIZES = {"a.jpg": (100, 80)}


def _errors(format: str, record: Any, key: str | None = None, **options: Any) -> list[str]:
    report = ImportReport(format)
    opts = ImportOptions(ontology=ONTOLOGY, sizes=SIZES, **options)
    list(
        import_records(get_format(format), [Record(0, record, key=key)], opts, mode="partial", report=report)
    )
    return [f"{e.field}: {e.message}" for e in report.errors]


def _ls_task(value: dict, rtype: str = "rectanglelabels") -> dict:
    region = {
        "id": "r1",
        "type": rtype,
        "from_name": "label",
        "to_name": "image",
        "original_width": 100,
        "original_height": 80,
        "value": value,
    }
    return {"data": {"image": "a.jpg"}, "predictions": [{"result": [region]}]}


@pytest.mark.parametrize(
    ("format", "record", "key", "expected"),
    [
        (
            "labelstudio",
            _ls_task({"x": 10, "y": 10, "width": -5, "height": 5, "rectanglelabels": ["car"]}),
            None,
            "predictions[0].result[0].value.width: must be >= 0 (x1 < x0)",
        ),
        (
            "labelstudio",
            _ls_task({"x": 10, "y": 10, "width": 5, "height": 5, "rectanglelabels": ["truck"]}),
            None,
            "predictions[0].result[0].value.labels: unknown class 'truck' (known: car, road)",
        ),
        (
            "labelstudio",
            _ls_task({"points": [[1, 1], [2, 2]], "polygonlabels": ["road"]}, "polygonlabels"),
            None,
            "predictions[0].result[0].value.points: needs at least 3 points, got 2",
        ),
        (
            "labelstudio",
            _ls_task({"x": 900, "y": 10, "width": 5, "height": 5, "rectanglelabels": ["car"]}),
            None,
            "predictions[0].result[0].value: lies far outside the 100x80 image",
        ),
        (
            "segments",
            {
                "sample_uuid": "a.jpg",
                "attributes": {
                    "format_version": "0.1",
                    "annotations": [{"id": 1, "category_id": 2, "type": "bbox", "points": [[1, 1], [5, 5]]}],
                },
            },
            None,
            "attributes.annotations[0].points: class 'road' is drawn as polygon, not box",
        ),
        (
            "segments",
            {
                "sample_uuid": "a.jpg",
                "attributes": {
                    "format_version": "0.1",
                    "annotations": [
                        {
                            "id": 1,
                            "category_id": 1,
                            "type": "bbox",
                            "points": [[1, 1], [5, 5]],
                            "attributes": {"color": "green"},
                        }
                    ],
                },
            },
            None,
            "attributes.annotations[0].attributes[0].answer: 'green' is not an option of 'color' (red, blue)",
        ),
        (
            "supervisely",
            {
                "size": {"width": 100, "height": 80},
                "objects": [
                    {
                        "classTitle": "road",
                        "geometryType": "polygon",
                        "points": {"exterior": [[1, 1], [2, 2]], "interior": []},
                    }
                ],
            },
            "a.jpg",
            "objects[0].points.exterior: needs at least 3 points, got 2",
        ),
        (
            "supervisely",
            {
                "size": {"width": 100, "height": 80},
                "tags": [{"name": "weather", "value": "snow"}],
                "objects": [],
            },
            "a.jpg",
            "tags.answer: 'snow' is not an option of 'weather' (sun)",
        ),
        ("yolo", "0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n", "a.jpg", "lines[1].class: unknown class id 7"),
        ("yolo", "1 0.5 0.5 0.2 0.2\n", "a.jpg", "lines[0]: class 'road' is drawn as polygon, not box"),
        (
            "voc",
            "<annotation><filename>a.jpg</filename><object><name>car</name><bndbox><xmin>10</xmin>"
            "<ymin>1</ymin><xmax>4</xmax><ymax>5</ymax></bndbox></object></annotation>",
            None,
            "object[0].bndbox.xmax: must be >= 0 (x1 < x0)",
        ),
        (
            "voc",
            "<annotation><filename>b.jpg</filename></annotation>",
            None,
            "filename: sample 'b.jpg' is not in the dataset",
        ),
    ],
)
def test_error_paths(format: str, record: Any, key: str | None, expected: str) -> None:
    samples_check = format == "voc"
    report = ImportReport(format)
    opts = ImportOptions(
        ontology=ONTOLOGY, sizes=SIZES, categories={1: "car", 2: "road"} if format == "segments" else None
    )
    if format == "yolo":
        opts = ImportOptions(ontology=ONTOLOGY, sizes=SIZES, categories={0: "car", 1: "road"})
    list(
        import_records(
            get_format(format),
            [Record(0, record, key=key)],
            opts,
            mode="partial",
            report=report,
            samples={"a.jpg"} if samples_check else None,
        )
    )
    assert [f"{e.field}: {e.message}" for e in report.errors] == [expected]


def test_partial_keeps_good_records_and_strict_reports_all() -> None:
    good = {"image_id": "a.jpg", "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}
    bad = [
        {**good, "bbox": [1, 1, -5, 5]},
        {**good, "category_id": 9},
        {**good, "score": 1.5},
        {"category_id": 1, "bbox": [1, 1, 5, 5]},
    ]
    records = [Record(i, r) for i, r in enumerate([good, *bad, good])]
    options = ImportOptions(ontology=ONTOLOGY, sizes=SIZES, categories={1: "car", 2: "road"})
    report = ImportReport("coco")
    labels = list(import_records(get_format("coco"), records, options, mode="partial", report=report))
    assert sum(len(label.objects) for label in labels) == 2
    assert [str(e) for e in report.errors] == [
        "record 1: bbox[2]: must be >= 0 (x1 < x0)",
        "record 2: category_id: unknown category id 9",
        "record 3: score: must be between 0 and 1",
        "record 4: image_id: is required",
    ]
    with pytest.raises(ImportRejected) as info:
        list(import_records(get_format("coco"), records, options, mode="strict"))
    assert info.value.report.error_count == 4


def _peak_while_importing(n: int) -> tuple[int, int]:
    record = {"category_id": 1, "bbox": [1.5, 2.5, 30.25, 40.75], "score": 0.5}
    data = b"[" + b",".join(orjson.dumps({**record, "image_id": f"img-{i // 100}"}) for i in range(n)) + b"]"
    options = ImportOptions(ontology=ONTOLOGY, sizes=SIZES, categories={1: "car"})
    tracemalloc.start()
    try:
        count = 0
        for label in import_records(get_format("coco"), iter_json_array(io.BytesIO(data)), options):
            count += len(label.objects)
            label.objects.clear()  # a consumer that stores as it goes keeps nothing of the label
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    return peak, len(data)


def test_streaming_keeps_memory_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a COCO results array holds one run of records at a time, not the file: three times
    the file, about the same peak."""
    import predhub.formats.io as fio

    monkeypatch.setattr(fio, "_CHUNK", 1 << 16)
    small, small_size = _peak_while_importing(10_000)
    large, large_size = _peak_while_importing(30_000)
    assert large_size > 2.5 * small_size
    assert large < 1.5 * small, (small, large)


def test_one_sample_with_very_many_objects_comes_in_parts() -> None:
    from predhub.formats.importing import MAX_MERGED_OBJECTS

    record = {"image_id": "a.jpg", "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}
    n = MAX_MERGED_OBJECTS * 2 + 5
    options = ImportOptions(ontology=ONTOLOGY, sizes=SIZES, categories={1: "car"})
    labels = import_records(get_format("coco"), (Record(i, record) for i in range(n)), options)
    assert [len(label.objects) for label in labels] == [MAX_MERGED_OBJECTS, MAX_MERGED_OBJECTS, 5]
