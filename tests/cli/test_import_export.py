"""``predhub import`` / ``predhub export`` against a real hub subprocess."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from predhub.cli.main import cli
from tests.hub_process import HubProcess

FIXTURES = Path(__file__).resolve().parents[1] / "formats" / "fixtures"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with HubProcess(tmp_path_factory.mktemp("hub-cli")) as server:
        yield server


def _run(hub: HubProcess, *args: str) -> str:
    result = CliRunner().invoke(
        cli, list(args), env={"PREDHUB_URL": hub.url, "PREDHUB_TOKEN": hub.token, "COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def _import_coco_ground_truth(hub: HubProcess, path: Path, dataset: str) -> str:
    """``predhub import`` of a COCO dataset file as ground truth, creating ``dataset`` from it."""
    return _run(
        hub,
        "import",
        str(path),
        "--format",
        "coco",
        "--dataset",
        dataset,
        "--label-set",
        "gt",
        "--create-dataset",
        "--image-root",
        "https://example.test/images",
        "--kind",
        "ground_truth",
    )


def test_create_dataset_from_coco_then_export_voc(hub: HubProcess, tmp_path: Path) -> None:
    gt = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
            {"id": 2, "file_name": "b.jpg", "width": 64, "height": 48},
        ],
        "categories": [{"id": 3, "name": "car"}, {"id": 7, "name": "person"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 2, 10, 20], "area": 200, "iscrowd": 0},
            {"id": 2, "image_id": 2, "category_id": 7, "bbox": [5, 5, 4, 4], "area": 16, "iscrowd": 0},
        ],
    }
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    out = _import_coco_ground_truth(hub, path, "coco-cli")
    assert "created dataset 'coco-cli'" in out and "2 labels, 2 objects stored" in out
    zipped = tmp_path / "voc.zip"
    out = _run(
        hub, "export", "--format", "voc", "--dataset", "coco-cli", "--label-set", "gt", "-o", str(zipped)
    )
    assert "2 labels, 2 objects" in out
    with zipfile.ZipFile(zipped) as archive:
        xml = archive.read("a.xml").decode()
    # COCO [1, 2, 10, 20] covers pixel columns 1..10: VOC's 1-based inclusive corners are 2..11.
    assert "<xmin>2</xmin><ymin>3</ymin><xmax>11</xmax><ymax>22</ymax>" in xml


def test_coco_keypoints_dataset_round_trip(hub: HubProcess, tmp_path: Path) -> None:
    # A person_keypoints file cut to three keypoints: the category becomes a point class naming them.
    category = {
        "id": 1,
        "name": "person",
        "keypoints": ["nose", "left_eye", "right_eye"],
        "skeleton": [[1, 2]],
    }
    gt = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
        "categories": [category],
        "annotations": [
            {"id": 9, "image_id": 1, "category_id": 1, "keypoints": [10, 12, 2, 0, 0, 0, 20, 14, 1]},
        ],
    }
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(gt))
    out = _import_coco_ground_truth(hub, path, "coco-kp")
    assert "1 labels, 2 objects stored" in out
    exported = tmp_path / "kp-out.json"
    out = _run(
        hub, "export", "--format", "coco", "--dataset", "coco-kp", "--label-set", "gt", "-o", str(exported)
    )
    assert "could not carry" not in out
    back = json.loads(exported.read_text())
    assert back["categories"] == [category]
    (ann,) = back["annotations"]
    assert ann["id"] == 9 and ann["num_keypoints"] == 2
    assert ann["keypoints"] == [10.0, 12.0, 2, 0, 0, 0, 20.0, 14.0, 1]


def test_import_label_studio_with_created_dataset_and_report(hub: HubProcess, tmp_path: Path) -> None:
    out = _run(
        hub,
        "import",
        str(FIXTURES / "labelstudio_seed.json"),
        "--format",
        "labelstudio",
        "--dataset",
        "ls-cli",
        "--label-set",
        "model",
        "--create-dataset",
        "--image-root",
        "https://example.test",
        "--mode",
        "partial",
    )
    # The create-prediction body names task 2, which is no image of the dataset: reported, not stored.
    assert "1 labels, 4 objects stored, 1 records rejected" in out
    assert "is not in the dataset" in out
    report_path = tmp_path / "out.json"
    out = _run(
        hub,
        "export",
        "--format",
        "coco",
        "--dataset",
        "ls-cli",
        "--label-set",
        "model",
        "-o",
        str(report_path),
        "--json",
    )
    report = json.loads(out)
    # COCO holds a point only as a keypoint set, and no classifications: the export says so.
    assert report["converted"]["point as a one-keypoint set"] == 1
    assert report["dropped"]["classification"] == 2
