"""Chunking and serialisation of labels, on the SDK side (no server needed)."""

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from predhub import Box, Classification, Label, Object, Point, Polygon, UploadJob
from predhub.core.serde import label_from_dict, label_to_dict
from predhub.sdk._encoding import ChunkPlan, encode_ndjson, label_record


@given(n=st.integers(0, 5000), chunk_size=st.integers(1, 700))
def test_chunk_plan_covers_every_record_once_within_the_chunk_size(n: int, chunk_size: int) -> None:
    records = [{"sample": str(i)} for i in range(n)]
    plan = ChunkPlan.by_size(records, chunk_size)
    spans = [plan.bounds(i) for i in range(plan.total_chunks)]
    assert [i for start, stop in spans for i in range(start, stop)] == list(range(n))
    assert all(0 < stop - start <= chunk_size for start, stop in spans)


def test_a_resumed_plan_cuts_the_same_chunks_from_the_chunk_count_alone() -> None:
    records = [{"sample": str(i), "objects": []} for i in range(1050)]
    first = ChunkPlan.by_size(records, 100)
    job = UploadJob.from_json(
        {
            "id": 7,
            "label_set_id": 1,
            "status": "open",
            "chunks_stored": [0, 3],
            "total_chunks": first.total_chunks,
        }
    )
    resumed = ChunkPlan.for_job(job, records)
    assert [resumed.body(i) for i in range(11)] == [first.body(i) for i in range(11)]
    assert job.missing_chunks() == [1, 2, 4, 5, 6, 7, 8, 9, 10]


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        ChunkPlan.by_size([], 0)


def test_labels_and_wire_dicts_encode_to_the_same_ndjson_as_the_core_serde() -> None:
    labels = [
        Label(
            "a", [Object("car", Box(1, 2, 3, 4), confidence=0.5), Object("car", Box(0, 0, 5, 5, rotation=10))]
        ),
        Label(
            "b",
            [
                Object("road", Polygon([[0, 0], [4, 0], [4, 4]])),
                Object("pin", Point(2, 3), attributes={"k": 1}),
            ],
            classifications=[Classification.single("weather", "rain")],
            score=0.25,
        ),
    ]
    body = encode_ndjson(labels)
    lines = body.split(b"\n")
    assert [orjson.loads(line) for line in lines] == [label_to_dict(label) for label in labels]
    assert encode_ndjson([label_record(label) for label in labels]) == body
    assert [label_from_dict(orjson.loads(line)) for line in lines] == labels
