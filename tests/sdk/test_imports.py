"""Imports and exports in other formats, through the SDK, against a real hub (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path

import pytest

import predhub
from tests.flaky_proxy import FlakyProxy
from tests.hub_process import HubProcess

SEEDS = Path(__file__).resolve().parents[1] / "formats" / "fixtures"


def _label_set(client: predhub.Client, dataset: predhub.Dataset, name: str = "preds") -> predhub.LabelSet:
    return client.create_label_set(dataset, name, kind="predictions", model_name="m", model_version="v1")


def test_import_coco_results_then_export(
    client: predhub.Client, dataset: predhub.Dataset, tmp_path: Path
) -> None:
    results = [
        {"image_id": i // 10, "category_id": 1 + i % 2, "bbox": [10.0 + i, 20.0, 30.0, 40.0], "score": 0.5}
        for i in range(100)
    ]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    ls = _label_set(client, dataset)
    image_ids = {str(i): f"img-{i:03d}" for i in range(10)}
    job = client.import_file(ls, path, format="coco", options={"image_ids": image_ids}, timeout=120)
    assert job.status == "done", job.error
    assert job.result["labels"] == 10 and job.result["objects"] == 100 and job.result["stored_objects"] == 100
    label = client.get_label(ls, "img-003")
    assert len(label.objects) == 10
    assert {o.class_name for o in label.objects} == {"car", "person"}
    assert label.objects[0].geometry == predhub.Box(40.0, 20.0, 70.0, 60.0)

    out = tmp_path / "export.json"
    report = client.export(
        ls, out, format="coco", options={"image_ids": {v: int(k) for k, v in image_ids.items()}}
    )
    assert report["objects"] == 100 and report["dropped"] == {}
    exported = json.loads(out.read_text())
    assert len(exported) == 100 and {r["image_id"] for r in exported} == set(range(10))

    zipped = tmp_path / "yolo.zip"
    client.export(ls, zipped, format="yolo")
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == [f"img-{i:03d}.txt" for i in range(10)]
        assert len(archive.read("img-003.txt").decode().splitlines()) == 10


def test_strict_import_with_errors_stores_nothing(
    client: predhub.Client, dataset: predhub.Dataset, tmp_path: Path
) -> None:
    lines = [
        {
            "dataRow": {"globalKey": "img-001"},
            "name": "car",
            "bbox": {"top": 1, "left": 1, "height": 5, "width": 5},
        },
        {
            "dataRow": {"globalKey": "img-002"},
            "name": "car",
            "bbox": {"top": 1, "left": 1, "height": 5, "width": -5},
        },
        {
            "dataRow": {"globalKey": "nope"},
            "name": "car",
            "bbox": {"top": 1, "left": 1, "height": 5, "width": 5},
        },
    ]
    path = tmp_path / "preds.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    ls = _label_set(client, dataset)
    job = client.import_file(ls, path, format="labelbox", timeout=120)
    assert job.status == "failed"
    assert "line 2: bbox.width: must be >= 0 (x1 < x0)" in (job.error or "")
    assert "line 3: dataRow.globalKey: sample 'nope' is not in the dataset" in (job.error or "")
    assert list(client.list_labels(ls)) == []
    job = client.import_file(ls, path, format="labelbox", mode="partial", timeout=120)
    assert job.status == "done" and job.result["rejected"] == 2
    assert [label.sample_key for label in client.list_labels(ls)] == ["img-001"]


def test_labelbox_lines_of_one_sample_apart_are_appended(
    client: predhub.Client, dataset: predhub.Dataset, tmp_path: Path
) -> None:
    def line(key: str, left: int) -> str:
        return json.dumps(
            {
                "dataRow": {"globalKey": key},
                "name": "car",
                "bbox": {"top": 1, "left": left, "height": 5, "width": 5},
            }
        )

    path = tmp_path / "preds.ndjson"
    path.write_text("\n".join([line("img-001", 1), line("img-002", 2), line("img-001", 3)]))
    ls = _label_set(client, dataset)
    assert client.import_file(ls, path, format="labelbox", timeout=120).status == "done"
    assert [o.geometry.x0 for o in client.get_label(ls, "img-001").objects] == [1.0, 3.0]  # type: ignore[union-attr]


def _openlabel(scene: str, n: int) -> dict:
    doc = json.loads((SEEDS / "openlabel_seed.json").read_text())
    doc["sceneUuid"] = scene
    ol = doc["openlabelContent"]["openlabel"]
    (oid,) = ol["objects"]
    ol["objects"][oid]["type"] = "car"
    ol["frames"]["0"]["objects"][oid]["object_data"]["bbox"][0]["val"] = [100 + n, 80, 40, 30]
    return doc


def test_kognic_style_concurrent_uploads(
    hub: HubProcess, client: predhub.Client, dataset: predhub.Dataset
) -> None:
    """10 clients at once, one OpenLABEL prediction per request (seed 000); responses lost on the way
    back are retried by the SDK with the same Idempotency-Key: every scene lands once, in any order."""
    ls = _label_set(client, dataset)
    proxy = FlakyProxy(hub.port)
    proxy.add(f"POST /api/v1/label-sets/{ls.id}/records", "drop", times=3)
    proxy.add(f"POST /api/v1/label-sets/{ls.id}/records", "503", times=2)

    async def upload(n: int) -> dict:
        async with predhub.AsyncClient(proxy.url, hub.token) as c:
            return await c.post_records(ls, _openlabel(f"img-{n:03d}", n), format="openlabel")

    async def main() -> list[dict]:
        return await asyncio.gather(*(upload(n) for n in range(10)))

    try:
        answers = asyncio.run(main())
    finally:
        proxy.close()
    assert all(a["stored"] == 1 and a["objects"] == 1 for a in answers)
    stored = {label.sample_key: label for label in client.list_labels(ls)}
    assert sorted(stored) == [f"img-{n:03d}" for n in range(10)]
    for n in range(10):
        (obj,) = stored[f"img-{n:03d}"].objects
        assert obj.geometry == predhub.Box(80.0 + n, 65.0, 120.0 + n, 95.0) and obj.confidence == 0.91
    # A client re-sending a document without a key still leaves one label: on_conflict=replace.
    client.post_records(ls, _openlabel("img-004", 4), format="openlabel")
    assert len(client.get_label(ls, "img-004").objects) == 1


def test_bad_openlabel_document_is_a_422_naming_the_field(
    client: predhub.Client, dataset: predhub.Dataset
) -> None:
    ls = _label_set(client, dataset)
    doc = _openlabel("img-001", 1)
    doc["openlabelContent"]["openlabel"]["metadata"]["schema_version"] = "2"
    with pytest.raises(predhub.ValidationError) as info:
        client.post_records(ls, doc, format="openlabel")
    assert info.value.details[0]["field"] == "openlabelContent.openlabel.metadata.schema_version"
    with pytest.raises(predhub.ValidationError):
        client.post_records(ls, doc, format="nonsense")


def test_async_client_imports_a_yolo_folder_and_exports(
    hub: HubProcess, client: predhub.Client, dataset: predhub.Dataset, tmp_path: Path
) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "img-001.txt").write_text("0 0.5 0.5 0.25 0.5 0.9\n1 0.25 0.25 0.1 0.1\n")
    (folder / "img-002.txt").write_text("")
    ls = _label_set(client, dataset)

    async def main() -> tuple[predhub.Job, dict]:
        async with predhub.AsyncClient(hub.url, hub.token) as c:
            job = await c.import_file(ls, folder, format="yolo", timeout=120)
            report = await c.export(ls, tmp_path / "voc.zip", format="voc")
            return job, report

    job, report = asyncio.run(main())
    assert job.status == "done", job.error
    car, person = client.get_label(ls, "img-001").objects
    assert car.geometry == predhub.Box(240.0, 120.0, 400.0, 360.0) and car.confidence == 0.9
    assert person.class_name == "person"
    assert report["labels"] == 2 and report["objects"] == 2 and report["dropped"] == {}
