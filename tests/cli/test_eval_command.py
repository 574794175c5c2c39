"""``predhub eval coco``: the standalone pycocotools drop-in, run as the real command."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def _write_set(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(5)
    images = [{"id": i, "height": 200, "width": 200} for i in range(1, 6)]
    anns, res = [], []
    for im in images:
        for _ in range(4):
            x, y, w, h = rng.uniform(0, 150, 2).tolist() + rng.uniform(5, 120, 2).tolist()
            cat = int(rng.integers(1, 4))
            anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": cat, "bbox": [x, y, w, h],
                         "area": w * h, "iscrowd": 0})  # fmt: skip
            res.append({"image_id": im["id"], "category_id": cat, "bbox": [x + 3, y - 2, w, h],
                        "score": float(rng.random())})  # fmt: skip
    gt = {
        "images": images,
        "annotations": anns,
        "categories": [{"id": c, "name": f"k{c}"} for c in (1, 2, 3)],
    }
    gt_path, res_path = tmp_path / "gt.json", tmp_path / "res.json"
    gt_path.write_text(json.dumps(gt))
    res_path.write_text(json.dumps(res))
    return gt_path, res_path


def _predhub(*args: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return subprocess.run(
        [sys.executable, "-c", "from predhub.cli.main import main; main()", *args],
        capture_output=True, text=True, env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}, check=False,
    )  # fmt: skip


def test_json_output_equals_pycocotools(tmp_path: Path) -> None:
    gt_path, res_path = _write_set(tmp_path)
    out = _predhub("eval", "coco", str(gt_path), str(res_path), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
        ev = COCOeval(gt, gt.loadRes(str(res_path)), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    np.testing.assert_allclose([data[k] for k in KEYS], ev.stats, atol=1e-9, rtol=0)
    assert set(data["per_class"]) == {"k1", "k2", "k3"}


def test_text_output_is_pycocotools_summary(tmp_path: Path) -> None:
    gt_path, res_path = _write_set(tmp_path)
    out = _predhub("eval", "coco", str(gt_path), str(res_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.rstrip("\n").splitlines()
    assert len(lines) == 12
    assert lines[0].startswith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ")


def test_bad_record_is_named(tmp_path: Path) -> None:
    gt_path, res_path = _write_set(tmp_path)
    res_path.write_text(json.dumps([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5}]))
    out = _predhub("eval", "coco", str(gt_path), str(res_path))
    assert out.returncode == 1
    assert "results[0].bbox" in out.stderr
