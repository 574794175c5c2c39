"""Large exports written in parts by worker processes: the same file and report as one process
writes, on SQLite and PostgreSQL, from one snapshot of the store."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from predhub.formats import ExportOptions, ExportReport, get_format
from predhub.formats.io import write_stream
from predhub.services import export_items, export_parts, exports
from predhub.store import Database
from predhub.store.export_pages import LAST_ID
from tests.hub_fixtures import ONTOLOGY
from tests.services.test_exports import SAMPLES, _populate

PART = 4000  # objects a part at least (the label set holds about 22,000)


def test_parts_cover_the_label_set_in_order_with_about_equal_objects(db: Database, tmp_path: Path) -> None:
    _user, label_set_id = _populate(db, tmp_path)
    with db.read() as conn:
        counts = dict(
            conn.exec_driver_sql(
                f"SELECT id, object_count FROM labels WHERE label_set_id = {label_set_id} ORDER BY id"
            ).all()
        )
        bounds = export_parts.plan_parts(conn, label_set_id, 3, PART)
        assert export_parts.plan_parts(conn, label_set_id, 1, PART) == [(0, LAST_ID)]
        assert export_parts.plan_parts(conn, label_set_id, 8, 10**9) == [(0, LAST_ID)]
    assert len(bounds) == 3
    assert bounds[0][0] == 0 and bounds[-1][1] == LAST_ID
    assert all(a[1] == b[0] for a, b in pairwise(bounds))
    total = sum(counts.values())
    for after, upto in bounds:
        objects = sum(n for label_id, n in counts.items() if after < label_id <= upto)
        assert abs(objects - total / 3) <= max(counts.values())  # cut at a label's end
    assert sum(1 for label_id in counts if any(a < label_id <= u for a, u in bounds)) == SAMPLES


@pytest.mark.parametrize(("name", "options"), [("coco", {}), ("labelbox", {})])
def test_an_export_in_parts_is_the_export_in_one_piece(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, options: dict[str, bool]
) -> None:
    user, label_set_id = _populate(db, tmp_path)
    one, parts = tmp_path / "one", tmp_path / "parts"
    single = exports.export_label_set(db, user, label_set_id, name, one, options, processes=1)
    monkeypatch.setattr(export_parts, "MIN_PART_OBJECTS", PART)
    several = exports.export_label_set(db, user, label_set_id, name, parts, options, processes=3)
    assert several.to_dict() == single.to_dict()
    assert parts.read_bytes() == one.read_bytes()
    assert single.labels == SAMPLES


def test_workers_write_the_parts(db: Database, tmp_path: Path) -> None:
    _user, label_set_id = _populate(db, tmp_path)
    fmt = get_format("labelbox")
    options = ExportOptions(ontology=ONTOLOGY)
    report, whole = ExportReport("labelbox"), ExportReport("labelbox")
    out = tmp_path / "parts.ndjson"
    assert export_parts.write_in_parts(
        db, label_set_id, fmt, options, out, report, ids=True, processes=4, min_objects=PART
    )
    with (tmp_path / "one.ndjson").open("wb") as stream:
        write_stream(fmt, export_items.items(db, label_set_id), options, stream, whole)
    assert out.read_bytes() == (tmp_path / "one.ndjson").read_bytes()
    assert report.to_dict() == whole.to_dict()
    # Too small for parts, or one process: nothing written, the caller writes it whole.
    small = tmp_path / "small"
    assert not export_parts.write_in_parts(
        db, label_set_id, fmt, options, small, ExportReport("labelbox"), ids=True, processes=4
    )
    assert not export_parts.write_in_parts(
        db, label_set_id, fmt, options, small, ExportReport("labelbox"), ids=True, processes=1, min_objects=1
    )
    assert not small.exists()


def test_a_busy_sqlite_writer_means_one_piece(db: Database, tmp_path: Path) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL shares a snapshot without holding writers")
    _user, label_set_id = _populate(db, tmp_path)
    with db.hold_writes(timeout=5) as held:  # as another writer would
        assert held
        done = export_parts.write_in_parts(
            db,
            label_set_id,
            get_format("coco"),
            ExportOptions(ontology=ONTOLOGY, categories={1: "car", 2: "person"}),
            tmp_path / "out",
            ExportReport("coco"),
            ids=False,
            processes=2,
            min_objects=PART,
        )
    assert not done and not (tmp_path / "out").exists()
