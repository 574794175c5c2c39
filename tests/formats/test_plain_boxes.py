"""Plain boxes decoded in bulk: which records become columns, which go to the converter, and how a
file is cut into batches (numbered as the record readers number it)."""

from __future__ import annotations

import io

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.core import Ontology
from predhub.formats import ImportOptions, Record, get_format
from predhub.formats.io import _line_runs, iter_json_array, iter_ndjson, open_batches
from predhub.formats.plain_boxes import BoxTables, coco_results, labelbox_lines

ONTOLOGY = Ontology.from_dict(
    {"objects": [{"name": "car", "kind": "box"}, {"name": "road", "kind": "polygon"}]}
)
OPTIONS = ImportOptions(ontology=ONTOLOGY, categories={1: "car", 2: "road"}, sizes={"7": (100, 50)})


def _record(index: int, item: bytes) -> Record:
    return Record(index, orjson.loads(item))


def test_coco_image_ids_reach_the_sample_whose_key_is_their_str() -> None:
    tables = BoxTables.build("coco", OPTIONS, ["7", "07", "-3", "1_0", " 8", "a", "99999999999999999999"])
    assert {k: v for k, v in tables.sample_of.items() if isinstance(k, int)} == {7: 0, -3: 2}
    assert tables.sample_of["07"] == 1 and tables.sample_of["a"] == 5
    assert tables.class_of == {1: 0}  # road is no box class
    assert tables.size[0].tolist() == [100.0, 50.0] and np.isnan(tables.size[1]).all()


def test_coco_results_plain_boxes_become_columns_the_rest_records() -> None:
    tables = BoxTables.build("coco", OPTIONS, ["7", "a"])
    items = [
        {"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5},
        {"image_id": "a", "category_id": 1, "bbox": [0, 0, 10, 10]},
        {"image_id": 7, "category_id": 2, "bbox": [1, 2, 3, 4], "segmentation": [[1, 1, 2, 2, 3, 1]]},
        {"image_id": 7, "category_id": 1, "bbox": [400, 2, 30, 4]},  # outside the 100x50 image
        {"image_id": 8, "category_id": 1, "bbox": [1, 2, 3, 4]},  # unknown sample
    ]
    run = b",".join(orjson.dumps(i) for i in items)
    parsed = coco_results(run, 10, tables, _record)
    assert parsed is not None
    batch, count = parsed
    assert count == 5
    assert batch.index.tolist() == [10, 11] and batch.sample.tolist() == [0, 1]
    assert batch.xyxy.tolist() == [[1, 2, 4, 6], [0, 0, 10, 10]] and batch.confidence.tolist() == [0.5, 1.0]
    assert [r.index for r in batch.others] == [12, 13, 14] and batch.others[0].data == items[2]
    # A cut inside an item is no run of whole items.
    assert coco_results(run[:-9], 0, tables, _record) is None


def test_labelbox_lines_keep_line_numbers_and_skip_blank_lines() -> None:
    tables = BoxTables.build("labelbox", OPTIONS, ["a"])
    box = {
        "uuid": "u",
        "dataRow": {"globalKey": "a"},
        "name": "car",
        "bbox": {"top": 1, "left": 2, "height": 3, "width": 4},
    }
    lines = [orjson.dumps(box), b"", orjson.dumps({**box, "classifications": []}), b"  ", b"nope"]
    batch = labelbox_lines(lines, 5, tables, lambda i, line: Record(i, line))
    assert batch.index.tolist() == [5] and batch.xyxy.tolist() == [[2, 1, 6, 4]] and batch.ids == ["u"]
    assert [r.index for r in batch.others] == [7, 9]


lines = st.lists(st.sampled_from([b"{}", b"", b" ", b"\r", b'{"a": "x\\ny"}', b"[1, 2]"]), max_size=8)


@settings(max_examples=200, deadline=None)
@given(lines, st.integers(1, 12), st.booleans())
def test_line_runs_number_lines_as_iter_ndjson_does(body: list[bytes], chunk: int, trailing: bool) -> None:
    data = b"\n".join(body) + (b"\n" if trailing else b"")
    expected = [(r.index, r.data) for r in iter_ndjson(io.BytesIO(data))]
    got = [
        (start + k, orjson.loads(line))
        for start, run in _line_runs(io.BytesIO(data), chunk)
        for k, line in enumerate(run)
        if line.strip()
    ]
    assert got == expected


items = st.lists(
    st.fixed_dictionaries(
        {"image_id": st.sampled_from([7, "a"]), "category_id": st.just(1)},
        optional={"s": st.text(max_size=3)},
    ).map(lambda d: {**d, "bbox": [1, 2, 3, 4]}),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(items, st.integers(1, 200), st.sampled_from([b",", b" ,\n ", b", "]))
def test_coco_batches_hold_every_item_once_in_order(
    results: list[dict[str, object]], chunk: int, sep: bytes
) -> None:
    data = b" [" + sep.join(orjson.dumps(r) for r in results) + b"]\n"
    batches, _, tables = open_batches(
        None, get_format("coco"), OPTIONS, ["7", "a"], io.BytesIO(data), batch_bytes=chunk
    )  # type: ignore[arg-type]
    seen: dict[int, object] = {}
    for batch in batches:
        for i, s in zip(batch.index.tolist(), batch.sample.tolist(), strict=True):
            seen[i] = {
                "image_id": 7 if tables.keys[s] == "7" else "a",
                "category_id": 1,
                "bbox": [1, 2, 3, 4],
            }
        seen.update((r.index, r.data) for r in batch.others)
    assert sorted(seen) == list(range(len(results)))
    assert [seen[i] for i in sorted(seen)] == [r.data for r in iter_json_array(io.BytesIO(data))]
