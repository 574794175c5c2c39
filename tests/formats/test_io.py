"""Files in and out: streams, COCO headers, per-sample directories, derived ontologies."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.core import Box, GeometryKind, Label, Mask, Object, Ontology, Polygon
from predhub.formats import (
    ExportOptions,
    ImportOptions,
    ImportReport,
    derive_ontology,
    export_file,
    get_format,
    import_records,
    merge_labels,
    open_records,
)
from predhub.formats.io import iter_json, iter_json_array, iter_ndjson

FIXTURES = Path(__file__).parent / "fixtures"
ONTOLOGY = Ontology.from_dict(
    {
        "objects": [
            {"name": "car", "kind": "box"},
            {"name": "road", "kind": "polygon"},
            {"name": "sky", "kind": "mask"},
        ]
    }
)


def _labels() -> list[Label]:
    mask = np.zeros((20, 30), bool)
    mask[2:5, 3:9] = True
    return [
        Label(
            "a.jpg",
            [
                Object("car", Box(1, 2, 11, 12), 0.5),
                Object("road", Polygon(np.array([[0, 0], [9, 0], [9, 9]]))),
            ],
        ),
        Label("b.jpg", [Object("sky", Mask.from_array(mask), 0.75)]),
        Label("c.jpg", [Object("car", Box(3, 3, 7, 9))]),
    ]


def _read_back(
    name: str, out: Path, mode: str = "strict", **import_options: object
) -> tuple[list[Label], ImportReport]:
    fmt = get_format(name)
    options = ImportOptions(**import_options)  # type: ignore[arg-type]
    report = ImportReport(name)
    stream = None if out.is_dir() else out.open("rb")
    try:
        records, options = open_records(out, fmt, options, stream)
        labels = merge_labels(import_records(fmt, records, options, mode=mode, report=report))
    finally:
        if stream:
            stream.close()
    return labels, report


SIZES = {"a.jpg": (30, 20), "b.jpg": (30, 20), "c.jpg": (30, 20)}


@pytest.mark.parametrize(
    "name", ["labelbox", "labelstudio", "openlabel", "segments", "supervisely", "coco", "yolo"]
)
def test_export_file_then_import_it(tmp_path: Path, name: str) -> None:
    labels = _labels()
    if name in ("segments", "yolo"):  # vector-only or box/polygon-only formats
        labels = [labels[0], labels[2]]
    suffix = {"labelbox": "ndjson", "supervisely": "", "yolo": ""}.get(name, "json")
    out = tmp_path / (f"export.{suffix}" if suffix else "export")
    report = export_file(get_format(name), labels, ExportOptions(ontology=ONTOLOGY, sizes=SIZES), out)
    assert report.labels == len(labels)
    masks = {n: (tmp_path / n).read_bytes() for n in report.assets}
    back, read = _read_back(name, out, ontology=ONTOLOGY, sizes=SIZES, masks=masks)
    assert read.ok, read.errors
    back.sort(key=lambda label: label.sample_key)
    assert [b.sample_key for b in back] == [a.sample_key for a in labels]
    for a, b in zip(labels, back, strict=True):
        assert [o.class_name for o in a.objects] == [o.class_name for o in b.objects]
        for x, y in zip(a.objects, b.objects, strict=True):
            if isinstance(x.geometry, Box):
                assert np.allclose(x.geometry.xyxy, y.geometry.xyxy)  # type: ignore[union-attr]
            else:
                assert x.geometry == y.geometry
            if name not in ("segments",):
                assert x.confidence == pytest.approx(y.confidence)


def test_coco_dataset_file_maps_ids_names_and_sizes(tmp_path: Path) -> None:
    out = tmp_path / "gt.json"
    export_file(
        get_format("coco"), _labels(), ExportOptions(ontology=ONTOLOGY, sizes=SIZES, ground_truth=True), out
    )
    data = json.loads(out.read_text())
    assert {c["name"] for c in data["categories"]} == {"car", "road", "sky"}
    assert [i["file_name"] for i in data["images"]] == ["a.jpg", "b.jpg", "c.jpg"]
    back, report = _read_back("coco", out)
    assert report.ok and [b.sample_key for b in back] == ["a.jpg", "b.jpg", "c.jpg"]
    assert back[1].objects[0].geometry == _labels()[1].objects[0].geometry
    ontology = derive_ontology(out, "coco")
    kinds = {o.name: o.kind for o in ontology.objects}
    assert kinds == {"car": GeometryKind.BOX, "road": GeometryKind.POLYGON, "sky": GeometryKind.MASK}


def test_coco_results_stream_with_a_bad_record(tmp_path: Path) -> None:
    results = [
        {"image_id": 1, "category_id": 1, "bbox": [10.0, 40.0, 40.0, 60.0], "score": 0.82},
        {"image_id": 1, "category_id": 1, "bbox": [10.0, 40.0, -4.0, 60.0], "score": 0.8},
        {"image_id": 7, "category_id": 1, "bbox": [1, 1, 1, 1], "score": 0.8},
        {"image_id": 2, "category_id": 9, "bbox": [1, 1, 1, 1], "score": 0.8},
        {"image_id": 2, "category_id": 1, "bbox": [1, 1, 1, 1], "score": float("inf")},
    ]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))  # Python's json writes Infinity, which is not JSON
    back, report = _read_back(
        "coco",
        path,
        mode="partial",
        ontology=ONTOLOGY,
        categories={1: "car"},
        image_ids={1: "a.jpg", 2: "b.jpg"},
        sizes={"a.jpg": (640, 480), "b.jpg": (640, 480)},
    )
    assert [b.sample_key for b in back] == ["a.jpg"] and report.rejected == 4
    assert [str(e) for e in report.errors[:3]] == [
        "record 1: bbox[2]: must be >= 0 (x1 < x0)",
        "record 2: image_id: image 7 is not among the file's or dataset's images",
        "record 3: category_id: unknown category id 9",
    ]
    assert str(report.errors[3]).startswith("record 4: invalid JSON")


def test_far_outside_the_image_is_an_error() -> None:
    record = {"image_id": "a.jpg", "category_id": 1, "bbox": [500.0, 1.0, 10.0, 10.0], "score": 0.5}
    from predhub.formats.base import Record

    report = ImportReport("coco")
    list(
        import_records(
            get_format("coco"),
            [Record(0, record)],
            ImportOptions(ontology=ONTOLOGY, categories={1: "car"}, sizes=SIZES),
            mode="partial",
            report=report,
        )
    )
    assert [str(e) for e in report.errors] == ["record 0: bbox: lies far outside the 30x20 image"]


def test_json_sniffing() -> None:
    doc = b'{\n  "openlabel": {}\n}\n'
    assert [r.data for r in iter_json(io.BytesIO(doc))] == [{"openlabel": {}}]
    assert [r.data for r in iter_json(io.BytesIO(b'{"a": 1}\n{"a": 2}\n'))] == [{"a": 1}, {"a": 2}]
    assert [r.data for r in iter_json(io.BytesIO(b' [{"a": 1}, {"a": 2}]'))] == [{"a": 1}, {"a": 2}]
    broken = list(iter_json(io.BytesIO(b'[{"a": 1}, {"a": ]')))
    assert broken[0].data == {"a": 1} and broken[1].error and broken[1].index == 1
    lines = list(iter_ndjson(io.BytesIO(b'{"a": 1}\n\n{"a": (1, 2)}\n{oops\n')))
    assert [r.index for r in lines] == [0, 2, 3]
    assert lines[1].data == {"a": (1, 2)} and lines[1].warning and lines[2].error


def test_label_studio_ontology_from_tasks() -> None:
    ontology = derive_ontology(FIXTURES / "labelstudio_seed.json", "labelstudio")
    assert {o.name: o.kind for o in ontology.objects} == {
        "car": GeometryKind.BOX,
        "road": GeometryKind.POLYGON,
        "sign": GeometryKind.POINT,
        "sky": GeometryKind.MASK,
    }
    car = ontology.object_class("car")
    assert car is not None and car.classifications[0].name == "color"
    assert [c.name for c in ontology.classifications] == ["weather", "caption"]
    # The seed file imports cleanly against the ontology derived from it.
    report = ImportReport("labelstudio")
    with (FIXTURES / "labelstudio_seed.json").open("rb") as stream:
        list(
            import_records(
                get_format("labelstudio"), iter_json(stream), ImportOptions(ontology=ontology), report=report
            )
        )
    assert report.ok, report.errors


def test_voc_directory(tmp_path: Path) -> None:
    (tmp_path / "img-1.xml").write_text(
        "<annotation><filename>img-1.jpg</filename><size><width>100</width><height>80</height></size>"
        "<object><name>car</name><difficult>1</difficult>"
        "<bndbox><xmin>11</xmin><ymin>41</ymin><xmax>50</xmax><ymax>100</ymax></bndbox></object></annotation>"
    )
    back, report = _read_back("voc", tmp_path, ontology=ONTOLOGY)
    # 1-based inclusive corners: columns 11..50 are pixel edges 10..50. ymax 100 > 80 is within the margin.
    assert report.ok and back[0].objects[0].geometry == Box(10, 40, 50, 100)
    assert back[0].objects[0].attributes == {"difficult": 1}


def test_yolo_needs_sizes_and_names(tmp_path: Path) -> None:
    (tmp_path / "img-1.txt").write_text("0 0.5 0.5 0.2 0.4 0.9\n1 0.1 0.1 0.2 0.1 0.2 0.2\n")
    back, report = _read_back("yolo", tmp_path, ontology=ONTOLOGY, sizes={"img-1.jpg": (100, 50)})
    assert report.ok, report.errors
    car, road = back[0].objects
    assert back[0].sample_key == "img-1.jpg"
    assert np.allclose(car.geometry.xyxy, (40, 15, 60, 35)) and car.confidence == 0.9  # type: ignore[union-attr]
    assert np.allclose(road.geometry.points, [[10, 5], [20, 5], [20, 10]])  # type: ignore[union-attr]
    _, report = _read_back("yolo", tmp_path, mode="partial", ontology=ONTOLOGY)
    assert "size of image" in report.errors[0].message


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["}, {", "},{", '"}', "[", "\\", "x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b}", "c,{"]), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(["k", "bbox", "s}"]), json_values, max_size=3), max_size=12),
    st.sampled_from([b",", b" , ", b",\n"]),
    st.integers(1, 40),
)
def test_chunked_array_reader_matches_a_whole_parse(items: list, sep: bytes, chunk: int) -> None:
    import predhub.formats.io as fio

    data = b"[" + sep.join(orjson.dumps(i) for i in items) + b"]"
    saved = fio._CHUNK
    fio._CHUNK = chunk  # tiny chunks: cuts land everywhere, inside strings and nested values too
    try:
        got = [r.data for r in iter_json_array(io.BytesIO(data))]
    finally:
        fio._CHUNK = saved
    assert got == items


def test_chunked_array_reader_reports_a_broken_item() -> None:
    good = b'{"a": 1}'
    records = list(iter_json_array(io.BytesIO(b"[" + b",".join([good] * 5) + b', {"a": ]')))
    assert [r.data for r in records[:5]] == [{"a": 1}] * 5
    assert records[5].error is not None and records[5].index == 5
