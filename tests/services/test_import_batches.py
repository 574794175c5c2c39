"""File imports in batches (plain boxes as numpy columns) store exactly what the converter path stores.

Every file is imported twice into a real SQLite hub database: by :func:`open_batches` and
:func:`import_batches` (the bulk path; batches of a few bytes too, so that samples span batches and
are appended to), and record by record through the format's converter and the core's validation
(:func:`import_records`, then :func:`write_labels`). Stored rows, errors and reports must be identical.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from predhub.core import Ontology
from predhub.formats import (
    ImportMode,
    ImportOptions,
    ImportRejected,
    ImportReport,
    get_format,
    import_records,
    open_records,
)
from predhub.formats.io import open_batches
from predhub.services import auth, datasets, imports, label_sets, samples
from predhub.services.import_rows import Target, import_batches, write_labels
from predhub.services.ingest import SampleInfo
from predhub.services.labels import OnConflict
from predhub.store import Database, migrate
from predhub.store.schema import label_class_stats, labels, objects
from predhub.store.schema import samples as samples_table

ONTOLOGY = {
    "objects": [
        {"name": "car", "kind": "box"},
        {"name": "person", "kind": "box"},
        {"name": "road", "kind": "polygon"},
    ]
}
# Keys that look like COCO image ids ("7", "07"), and images with and without a size.
SIZES: dict[str, tuple[int, int] | None] = {
    "a": (640, 480),
    "b": None,
    "c": (10, 10),
    "7": (100, 100),
    "07": (50, 50),
}
_TIMES = ("id", "label_set_id", "created_at", "updated_at")


class Hub:
    """A migrated SQLite database with one dataset of the samples in :data:`SIZES`."""

    def __init__(self, folder: Path) -> None:
        self.db = Database(f"sqlite:///{folder / 'hub.db'}")
        migrate(self.db)
        token = auth.bootstrap_admin(self.db)
        self.user = auth.authenticate(self.db, token)
        with self.db.write() as conn:
            self.dataset = datasets.create(conn, self.user, "ds", ONTOLOGY)
            records = [
                {"key": key, "url": f"https://example.test/{key}.jpg"}
                | ({} if size is None else {"width": size[0], "height": size[1]})
                for key, size in SIZES.items()
            ]
            samples.create_many(conn, self.user, self.dataset.id, records, None)  # type: ignore[arg-type]
        self._names = itertools.count()

    def target(self) -> Target:
        """A fresh label set to import into."""
        with self.db.write() as conn:
            label_set = label_sets.create(conn, self.user, self.dataset.id, f"ls-{next(self._names)}")
            rows = conn.execute(select(samples_table.c.key, samples_table.c.id)).all()
        found = {r.key: SampleInfo(r.id, *(SIZES[r.key] or (None, None))) for r in rows}
        sizes = {k: size for k, size in SIZES.items() if size is not None}
        options = ImportOptions(ontology=Ontology.from_dict(ONTOLOGY), sizes=sizes)
        return Target(label_set.id, self.dataset.id, self.dataset.workspace_id, found, options)

    def stored(self, label_set_id: int) -> dict[str, list[tuple[Any, ...]]]:
        """The label set's rows (no ids, no times), in a stable order."""
        out = {}
        with self.db.read() as conn:
            for table in (objects, labels, label_class_stats):
                columns = [c for c in table.c if c.name not in _TIMES]
                query = select(*columns).where(table.c.label_set_id == label_set_id)
                out[table.name] = sorted(tuple(r) for r in conn.execute(query))
        return out


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(tmp_path_factory.mktemp("import-batches"))
    yield hub
    hub.db.dispose()


def bulk(hub: Hub, fmt: str, path: Path, mode: str, batch_bytes: int) -> tuple[ImportReport, dict[str, Any]]:
    target = hub.target()
    report = ImportReport(fmt, ImportMode(mode))
    with path.open("rb") as stream:
        batches, options, tables = open_batches(
            path, get_format(fmt), target.options, target.samples, stream, batch_bytes=batch_bytes
        )
        try:
            with hub.db.write() as conn:
                import_batches(
                    conn,
                    get_format(fmt),
                    batches,
                    options,
                    tables,
                    target,
                    ImportMode(mode),
                    OnConflict.REPLACE,
                    report,
                )
        except ImportRejected:
            pass
    return report, hub.stored(target.label_set_id)


def converter(hub: Hub, fmt: str, path: Path, mode: str) -> tuple[ImportReport, dict[str, Any]]:
    target = hub.target()
    report = ImportReport(fmt, ImportMode(mode))
    with path.open("rb") as stream:
        records, options = open_records(path, get_format(fmt), target.options, stream)
        try:
            parsed = list(
                import_records(
                    get_format(fmt), records, options, mode=mode, samples=target.samples, report=report
                )
            )
        except ImportRejected:
            parsed = []
    with hub.db.write() as conn:
        write_labels(conn, target, parsed, OnConflict.REPLACE)
    return report, hub.stored(target.label_set_id)


def assert_same(hub: Hub, fmt: str, path: Path, mode: str, batch_bytes: int) -> None:
    fast_report, fast_rows = bulk(hub, fmt, path, mode, batch_bytes)
    slow_report, slow_rows = converter(hub, fmt, path, mode)
    assert fast_rows == slow_rows
    if mode == "strict" and slow_report.error_count:
        # Counts of what would have been stored stop at the first error, at different places.
        fast, slow = fast_report.to_dict(), slow_report.to_dict()
        for key in ("objects", "labels"):
            fast.pop(key), slow.pop(key)
        assert fast == slow
        assert not fast_rows["objects"]
    else:
        assert fast_report.to_dict() == slow_report.to_dict()


numbers = st.one_of(
    st.integers(-100, 700),
    st.floats(-100, 700, allow_nan=False),
    st.sampled_from([1e300, -0.0, 2**60, 2**53 + 1, 0.5, True, "3", None]),
)
confidences = st.one_of(st.floats(-0.5, 1.5, allow_nan=False), st.integers(0, 2), st.none(), st.just("0.5"))
batch_sizes = st.sampled_from([1, 100, 400, 1 << 20])

# Most records are plain boxes that pass every check (the bulk path's case); the rest probe its edges.
small = st.one_of(st.integers(0, 60), st.floats(0, 60))
plain_coco = st.fixed_dictionaries(
    {
        "image_id": st.sampled_from([7, "7", "07", "a", "b"]),
        "category_id": st.sampled_from([1, 2]),
        "bbox": st.lists(small, min_size=4, max_size=4),
    },
    optional={"score": st.floats(0, 1)},
)
odd_coco = st.fixed_dictionaries(
    {
        "image_id": st.sampled_from([7, "7", "07", "a", "b", "c", 8, "zzz", 7.0, True]),
        "category_id": st.sampled_from([1, 1, 2, 3, 4, 1.0, True, "1"]),
        "bbox": st.one_of(
            st.lists(numbers, min_size=4, max_size=4), st.lists(numbers, min_size=3, max_size=5)
        ),
    },
    optional={
        "score": confidences,
        "id": st.integers(1, 9),
        "iscrowd": st.sampled_from([0, 1]),
        "segmentation": st.just([[1, 1, 5, 1, 5, 5]]),
    },
)
coco_results = st.one_of(plain_coco, plain_coco, odd_coco)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(coco_results, max_size=14), st.sampled_from(["strict", "partial"]), batch_sizes, st.booleans()
)
def test_coco_results_in_batches_store_what_the_converter_stores(
    hub: Hub, tmp_path: Path, items: list[dict[str, Any]], mode: str, batch_bytes: int, spaced: bool
) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(b"[" + (b",\n " if spaced else b",").join(orjson.dumps(i) for i in items) + b"]")
    assert_same(hub, "coco", path, mode, batch_bytes)


keys = ["a", "b", "c", "7", "zzz"]
plain_labelbox = st.fixed_dictionaries(
    {
        "dataRow": st.sampled_from([{"globalKey": k} for k in ("a", "b", "7")]),
        "name": st.sampled_from(["car", "person"]),
        "bbox": st.fixed_dictionaries({"top": small, "left": small, "height": small, "width": small}),
    },
    optional={"uuid": st.uuids().map(str), "confidence": st.floats(0, 1)},
)
odd_labelbox = st.fixed_dictionaries(
    {
        "dataRow": st.sampled_from(
            [{"globalKey": k} for k in keys] + [{"id": "a"}, {"globalKey": "a", "id": None}, {"globalKey": 7}]
        ),
        "name": st.sampled_from(["car", "car", "person", "road", "bus", ""]),
        "bbox": st.one_of(
            st.fixed_dictionaries({"top": numbers, "left": numbers, "height": numbers, "width": numbers}),
            st.just({"top": 1, "left": 2, "height": 3}),
            st.just({"top": 1, "left": 2, "height": 3, "width": 4, "depth": 5}),
        ),
    },
    optional={
        "uuid": st.one_of(st.uuids().map(str), st.integers(0, 9), st.none()),
        "confidence": confidences,
        "classifications": st.just([]),
    },
)
other_lines = st.sampled_from(
    [
        {
            "dataRow": {"globalKey": "a"},
            "name": "road",
            "polygon": [{"x": 1, "y": 1}, {"x": 5, "y": 1}, {"x": 5, "y": 5}],
        },
        {"dataRow": {"globalKey": "b"}, "name": "weather", "answer": {"name": "sunny"}},
        {
            "dataRow": {"globalKey": "a"},
            "name": "car",
            "bbox": {"top": 1, "left": 1, "height": 2, "width": 2},
            "customMetrics": [1],
        },
    ]
)
raw_lines = st.sampled_from(
    [
        b"not json",
        b"",
        b"   ",
        # A payload pasted from Labelbox's docs (Python quotes): read with a warning.
        b"{'dataRow': {'globalKey': 'a'}, 'name': 'car', "
        b"'bbox': {'top': 1, 'left': 2, 'height': 3, 'width': 4}}",
    ]
)
lines = st.one_of(
    plain_labelbox.map(orjson.dumps),
    plain_labelbox.map(orjson.dumps),
    odd_labelbox.map(orjson.dumps),
    other_lines.map(orjson.dumps),
    raw_lines,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(lines, max_size=14),
    st.sampled_from(["strict", "partial"]),
    batch_sizes,
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
)
def test_labelbox_lines_in_batches_store_what_the_converter_stores(
    hub: Hub,
    tmp_path: Path,
    body: list[bytes],
    mode: str,
    batch_bytes: int,
    newline: bytes,
    trailing: bool,
) -> None:
    path = tmp_path / "predictions.ndjson"
    path.write_bytes(newline.join(body) + (newline if trailing else b""))
    assert_same(hub, "labelbox", path, mode, batch_bytes)


def _box(key: str, i: int, top: float = 10.0) -> bytes:
    line = {
        "uuid": f"u{i}",
        "dataRow": {"globalKey": key},
        "name": "car",
        "bbox": {"top": top, "left": 5, "height": 20, "width": 30},
    }
    return orjson.dumps(line)


def test_a_sample_that_comes_back_later_is_appended_to_across_batches(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "apart.ndjson"
    path.write_bytes(b"\n".join([_box("a", 0), _box("b", 1), _box("a", 2), _box("a", 3), _box("b", 4)]))
    for batch_bytes in (1, 200, 1 << 20):
        report, rows = bulk(hub, "labelbox", path, "strict", batch_bytes)
        assert (report.records, report.objects, report.labels) == (5, 5, 4)
        # objects: (sample, position, ..., external id); labels: (sample, status, ..., object count, max conf)
        assert [(r[1], r[-1]) for r in rows["objects"]] == [
            (0, "u0"),
            (1, "u2"),
            (2, "u3"),
            (0, "u1"),
            (1, "u4"),
        ]
        assert [r[-2:] for r in rows["labels"]] == [(3, 1.0), (2, 1.0)]


def test_import_file_notes_progress_and_stores_one_transaction(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "many.ndjson"
    path.write_bytes(b"\n".join(_box(("a", "b", "7")[i % 3], i) for i in range(30)))
    target = hub.target()
    noted: list[tuple[float, str]] = []
    result = imports.import_file(
        hub.db, hub.user, target.label_set_id, "labelbox", path, progress=lambda f, m: noted.append((f, m))
    )
    assert (result["records"], result["stored_objects"], result["labels"]) == (30, 30, 30)
    assert noted and noted[-1] == (1.0, "30 records read, 30 objects stored")

    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(path.read_bytes() + b"\n" + _box("zzz", 99))
    again = hub.target()
    with pytest.raises(ImportRejected) as rejected:
        imports.import_file(hub.db, hub.user, again.label_set_id, "labelbox", bad)
    assert [str(e) for e in rejected.value.report.errors] == [
        "line 31: dataRow.globalKey: sample 'zzz' is not in the dataset"
    ]
    assert hub.stored(again.label_set_id)["objects"] == []
