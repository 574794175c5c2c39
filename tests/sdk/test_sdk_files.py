"""Reading label files in predhub's JSON shape: NDJSON, a JSON array, {"labels": [...]}, one record."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from predhub import read_labels

RECORDS = [{"sample": f"s{i}", "objects": [{"class": "car", "box": [0, 0, i + 1, 2]}]} for i in range(3)]


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(json.dumps(r) for r in RECORDS) + "\n\n",
        json.dumps(RECORDS),
        json.dumps({"labels": RECORDS}),
    ],
    ids=["ndjson", "array", "labels-object"],
)
def test_every_shape_reads_to_the_same_records(tmp_path: Path, text: str) -> None:
    path = tmp_path / "labels"
    path.write_text(text)
    assert read_labels(path) == RECORDS
    assert gc.isenabled()  # the collector paused for decoding is running again


def test_a_single_record_file(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(RECORDS[0]))
    assert read_labels(path) == [RECORDS[0]]


def test_a_bad_ndjson_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_text(json.dumps(RECORDS[0]) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"bad.ndjson:2: not valid JSON"):
        read_labels(path)
    assert gc.isenabled()


def test_a_json_scalar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text("42")
    with pytest.raises(ValueError, match="expected label records"):
        read_labels(path)
