"""The ingest fast path (msgspec structs, plain boxes) answers exactly as the core's parse + validate.

Every record is run twice: as the fast path sees it, and forced down the core's path (an empty
``classifications`` list makes it no longer a plain-box record). Rows and errors must be identical.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.core.box_columns import box_columns_from_records, decode_box_columns, encode_box_columns
from predhub.core.errors import FieldError
from predhub.core.ontology import Ontology
from predhub.services.ingest import (
    BoxRecord,
    Prepared,
    SampleInfo,
    Unparseable,
    decode_records,
    prepare,
    prepare_columns,
)

ONTOLOGY = Ontology.from_dict(
    {
        "objects": [
            {"name": "car", "kind": "box"},
            {"name": "person", "kind": "box"},
            {"name": "road", "kind": "polygon"},
        ]
    }
)
SAMPLES = {"a": SampleInfo(1, 640, 480), "b": SampleInfo(2, None, None), "c": SampleInfo(3, 10, 10)}

numbers = st.one_of(
    st.integers(-200, 900),
    st.floats(-200, 900, allow_nan=False),
    st.sampled_from([1e308, -0.0, True, "3", None]),
)
box_objects = st.fixed_dictionaries(
    {
        "class": st.sampled_from(["car", "person", "road", "bus"]),
        "box": st.lists(numbers, min_size=3, max_size=5),
    },
    optional={"confidence": st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.integers(0, 2), st.none())},
)
records = st.fixed_dictionaries(
    {"sample": st.sampled_from(["a", "b", "c", "zzz"]), "objects": st.lists(box_objects, max_size=4)},
    optional={
        "score": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.none()),
        "status": st.sampled_from(["labeled", "reviewed", "done"]),
    },
)


def _common_rows(prepared: Prepared) -> list[tuple[Any, ...]]:
    """Object rows in one shape, whichever path made them (fast: BOX_COLUMNS; core: OBJECT_COLUMNS)."""
    rows = [(*r[:4], "box", *r[4:8], 0.0, r[8], r[9]) for r in prepared.boxes]
    rows += [(*r[:12],) for r in prepared.objects if all(v is None for v in r[12:])]
    assert len(rows) == len(prepared.boxes) + len(prepared.objects)
    return rows


@settings(max_examples=300, deadline=None)
@given(st.lists(records, min_size=1, max_size=6))
def test_fast_path_matches_the_core(batch: list[dict[str, Any]]) -> None:
    body = b"\n".join(orjson.dumps(r) for r in batch)
    fast = prepare(decode_records(body, ndjson=True), ONTOLOGY, SAMPLES, 7)
    core = prepare([{**r, "classifications": []} for r in batch], ONTOLOGY, SAMPLES, 7)
    assert fast.errors == core.errors
    assert fast.labels == core.labels
    assert _common_rows(fast) == _common_rows(core)
    assert sorted(fast.stats) == sorted(core.stats)


def test_plain_boxes_decode_to_structs_and_the_rest_to_dicts() -> None:
    body = b"\n".join(
        [
            b'{"sample": "a", "objects": [{"class": "car", "box": [1, 2, 3, 4]}]}',
            b'{"sample": "b", "objects": [{"class": "road", "polygon": [[0, 0], [1, 1], [1, 0]]}]}',
            b'{"sample": "a", "objects": [{"class": "car", "box": [1, 2, 3]',
        ]
    )
    decoded = decode_records(body, ndjson=True)
    assert isinstance(decoded[0], BoxRecord) and decoded[0].objects[0].box == (1.0, 2.0, 3.0, 4.0)
    assert isinstance(decoded[1], dict)
    assert isinstance(decoded[2], Unparseable)
    as_array = decode_records(b"[" + body.split(b"\n")[0] + b"," + body.split(b"\n")[1] + b"]", ndjson=False)
    assert isinstance(as_array[0], BoxRecord) and isinstance(as_array[1], dict)
    prepared = prepare(decoded[:2], ONTOLOGY, SAMPLES, 7)
    assert prepared.boxes == [(7, 1, 0, "car", 1.0, 2.0, 3.0, 4.0, 1.0, 4.0)]  # the fast path's rows
    assert [r[4] for r in prepared.objects] == ["polygon"]
    assert prepared.stats == [(7, 1, "car", 1, 1.0), (7, 2, "road", 1, 1.0)]


# --- labels sent as columns (predhub.core.box_columns) -------------------------------------------

finite = st.one_of(st.integers(-200, 900), st.floats(-200, 900, allow_nan=False), st.just(1e308))
column_objects = st.fixed_dictionaries(
    {
        "class": st.sampled_from(["car", "person", "road", "bus"]),
        "box": st.lists(finite, min_size=4, max_size=4),
    },
    optional={"confidence": st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.integers(0, 2))},
)
column_records = st.fixed_dictionaries(
    {"sample": st.sampled_from(["a", "b", "c", "zzz"]), "objects": st.lists(column_objects, max_size=5)},
    optional={"score": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.none())},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(column_records, min_size=1, max_size=8), st.sampled_from(["labeled", "prelabel", "done"]))
def test_columns_match_the_records_they_carry(batch: list[dict[str, Any]], status: str) -> None:
    batch = [{**r, "status": status} for r in batch]
    columns = box_columns_from_records(batch)
    assert columns is not None
    wire = decode_box_columns(encode_box_columns(columns))  # what the hub decodes
    as_columns = prepare_columns(wire, ONTOLOGY, SAMPLES, 7)
    as_records = prepare(
        decode_records(b"\n".join(orjson.dumps(r) for r in batch), ndjson=True), ONTOLOGY, SAMPLES, 7
    )
    assert as_columns.errors == as_records.errors
    assert sorted(as_columns.labels) == sorted(as_records.labels)
    assert sorted(_common_rows(as_columns)) == sorted(_common_rows(as_records))
    assert sorted(as_columns.stats) == sorted(as_records.stats)


def test_columns_keep_only_what_the_record_form_carries_the_same_way() -> None:
    plain = {"sample": "a", "objects": [{"class": "car", "box": [1, 2, 3, 4], "confidence": 0.5}], "score": 2}
    columns = box_columns_from_records([plain, {"sample": "b", "objects": []}])
    assert columns is not None
    assert (columns.samples, columns.counts, columns.classes, columns.class_index) == (
        ["a", "b"],
        [1, 0],
        ["car"],
        [0],
    )
    assert (columns.boxes, columns.confidence, columns.scores) == ([1, 2, 3, 4], [0.5], [2, None])
    assert columns.record(0) == {**plain, "status": "labeled"}
    for other in (
        {**plain, "classifications": []},  # another key
        {"sample": "a", "objects": [{"class": "car", "polygon": [[0, 0], [1, 1], [1, 0]]}]},
        {"sample": "a", "objects": [{"class": "car", "box": [1, 2, 3, float("nan")]}]},  # no JSON form
        {"sample": "a", "objects": [{"class": "car", "box": [1, 2, 3, True]}]},
        {"sample": "b", "objects": [], "status": "reviewed"},  # a second status
    ):
        assert box_columns_from_records([plain, other]) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            b'{"samples": ["a"], "counts": [2], "classes": ["car"], "class": [0], "boxes": [1, 2, 3, 4]}',
            "class",
        ),
        (
            b'{"samples": ["a"], "counts": [1], "classes": ["car"], "class": [1], "boxes": [1, 2, 3, 4]}',
            "class",
        ),
        (b'{"samples": ["a"], "counts": [1], "classes": ["car"], "class": [0], "boxes": [1, 2, 3]}', "boxes"),
        (
            b'{"samples": ["a"], "counts": [1], "classes": ["car"], "class": ["x"], "boxes": [1, 2, 3, 4]}',
            "class[0]",
        ),
        (b'{"samples": ["a"], "counts": [], "classes": [], "class": [], "boxes": []}', "counts"),
        (b'{"samples": ["a"], "counts": [0], "classes": [], "class": [], "boxes": [], "extra": 1}', ""),
    ],
)
def test_malformed_columns_name_the_field(body: bytes, field: str) -> None:
    with pytest.raises(FieldError) as caught:
        decode_box_columns(body)
    assert caught.value.field == field
