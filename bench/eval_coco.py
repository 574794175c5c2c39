"""COCO evaluation speed and memory: pycocotools vs faster-coco-eval (C++) vs predhub, same JSON files.

Generates a COCO-val-sized set (5,000 images, 80 classes with COCO's non-contiguous ids, ~36,000
ground-truth boxes of every size with ~1% crowd, ~400,000 detections: jittered copies of the ground
truth, class confusions and background clutter, scores with ties) from a fixed seed, writes it as
JSON, then runs each tool in its own subprocess (so each one's peak RSS is its own) on the same files:
load, evaluate, accumulate, summarize. predhub runs cold (an empty numba cache, so compiling counts)
and warm (cache filled). faster-coco-eval and warm predhub run --repeat times and the fastest run
counts; wall and CPU seconds (user + sys, start-up included) are both reported, because on a shared
machine the wall clock mostly measures the neighbours. The segm comparison uses a smaller set
(default 1,000 images) because pycocotools needs minutes for mask IoU on the full one; its masks are
polygons (ground truth, as in COCO) and compressed RLE (results, as detectors write them).

Ends with one JSON line holding every figure. Usage:
    PYTHONPATH=src python bench/eval_coco.py [--images 5000] [--segm-images 1000] [--skip-pycocotools]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

COCO_CAT_IDS = [i for i in range(1, 91) if i not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}]

RUNNER = r"""
import json, resource, sys, time, io, contextlib
tool, gt_path, res_path, iou_type = sys.argv[1:5]
t0 = time.perf_counter()
sink = io.StringIO()
if tool == "pycocotools":
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(sink):
        gt = COCO(gt_path); dt = gt.loadRes(res_path)
        E = COCOeval(gt, dt, iou_type); E.evaluate(); E.accumulate(); E.summarize()
    stats = [float(s) for s in E.stats]
elif tool == "faster-coco-eval":
    from faster_coco_eval import COCO, COCOeval_faster
    with contextlib.redirect_stdout(sink):
        gt = COCO(gt_path); dt = gt.loadRes(res_path)
        E = COCOeval_faster(gt, dt, iou_type); E.evaluate(); E.accumulate(); E.summarize()
    stats = [float(s) for s in E.stats]
else:
    from click.testing import CliRunner
    from predhub.cli.main import cli
    out = CliRunner().invoke(cli, ["eval", "coco", gt_path, res_path, "--iou-type", iou_type, "--json"])
    if out.exit_code != 0:
        raise SystemExit(out.output)
    data = json.loads(out.output)
    stats = [data[k] for k in ("AP","AP50","AP75","APs","APm","APl","AR1","AR10","AR100","ARs","ARm","ARl")]
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime  # includes interpreter start and imports, like the wall time
rss = usage.ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mb": rss, "stats": stats}))
"""


def generate(n_images: int, seed: int, masks: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A COCO-val-like ground truth and a detector-like results list."""
    rng = np.random.default_rng(seed)
    images, anns, results = [], [], []
    cats = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in COCO_CAT_IDS]
    ann_id = 1
    for i in range(n_images):
        image_id = int(rng.integers(1, 600_000)) * 1000 + i  # sparse ids like COCO's
        width, height = int(rng.choice([640, 480, 500, 427])), int(rng.choice([480, 640, 375, 333]))
        images.append({"id": image_id, "width": width, "height": height, "file_name": f"{image_id}.jpg"})
        n_gt = int(rng.poisson(7.2))
        image_cats = rng.choice(COCO_CAT_IDS, size=int(rng.integers(1, 6)), replace=False)
        gts = []
        for _ in range(n_gt):
            # log-uniform sizes: a third small, a third medium, a third large, like COCO
            w = float(np.exp(rng.uniform(np.log(4), np.log(width * 0.9))))
            h = float(np.clip(w * np.exp(rng.normal(0, 0.4)), 2, height * 0.95))
            x = float(rng.uniform(0, width - w))
            y = float(rng.uniform(0, height - h))
            crowd = int(rng.random() < 0.01)
            cat = int(rng.choice(image_cats))
            ann: dict[str, Any] = {
                "id": ann_id,
                "image_id": image_id,
                "category_id": cat,
                "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                "area": round(w * h * float(rng.uniform(0.55, 0.8)), 2),
                "iscrowd": crowd,
            }
            if masks:
                ann["segmentation"] = _polygon_segmentation(rng, x, y, w, h, crowd, height, width)
            anns.append(ann)
            gts.append(ann)
            ann_id += 1
        n_dt = int(rng.poisson(80))
        for _ in range(n_dt):
            r = rng.random()
            if gts and r < 0.45:
                g = gts[int(rng.integers(len(gts)))]
                x, y, w, h = (np.asarray(g["bbox"]) * (1 + rng.normal(0, 0.08, 4))).tolist()
                cat = g["category_id"] if rng.random() < 0.85 else int(rng.choice(COCO_CAT_IDS))
                score = float(rng.beta(4, 2))
            else:
                w = float(np.exp(rng.uniform(np.log(4), np.log(width * 0.8))))
                h = float(np.clip(w * np.exp(rng.normal(0, 0.5)), 2, height))
                x, y = float(rng.uniform(0, width - w)), float(rng.uniform(0, max(height - h, 1)))
                cat = int(rng.choice(image_cats)) if rng.random() < 0.5 else int(rng.choice(COCO_CAT_IDS))
                score = float(rng.beta(1.2, 5))
            det: dict[str, Any] = {
                "image_id": image_id,
                "category_id": cat,
                "bbox": [round(x, 2), round(y, 2), round(max(w, 1.0), 2), round(max(h, 1.0), 2)],
                "score": round(score, 3),  # 3 decimals: many tied scores, as real detectors give
            }
            results.append(det)
    return {"info": {}, "images": images, "annotations": anns, "categories": cats}, results


def _polygon_segmentation(
    rng: np.random.Generator, x: float, y: float, w: float, h: float, crowd: int, height: int, width: int
) -> Any:
    from pycocotools import mask as mask_utils

    n = int(rng.integers(5, 16))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.6, 1.0, n)
    px = x + w / 2 + np.cos(ang) * rad * w / 2
    py = y + h / 2 + np.sin(ang) * rad * h / 2
    poly = np.round(np.stack([px, py], axis=1).reshape(-1), 2).tolist()
    if crowd:
        rle = mask_utils.frPyObjects([poly], height, width)[0]
        return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
    return [poly]


def masks_for_results(gt: dict[str, Any], results: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Segm results: each detection's box turned into an ellipse-like polygon, written as compressed RLE."""
    from pycocotools import mask as mask_utils

    rng = np.random.default_rng(seed + 1)
    sizes = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
    out = []
    for det in results:
        h_img, w_img = sizes[det["image_id"]]
        x, y, w, h = det["bbox"]
        seg = _polygon_segmentation(rng, x, y, w, h, 0, h_img, w_img)
        rle = mask_utils.frPyObjects(seg, h_img, w_img)[0]
        out.append(
            {
                "image_id": det["image_id"],
                "category_id": det["category_id"],
                "segmentation": {"size": rle["size"], "counts": rle["counts"].decode("ascii")},
                "score": det["score"],
            }
        )
    return out


def run_tool(tool: str, gt: Path, res: Path, iou_type: str, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, tool, str(gt), str(res), iou_type],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{proc.stdout}\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--segm-images", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--skip-pycocotools", action="store_true")
    parser.add_argument("--skip-segm", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of faster-coco-eval and warm predhub; the fastest counts"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    gt, results = generate(args.images, args.seed, masks=False)
    gt_path, res_path = args.out / "coco_gt.json", args.out / "coco_results.json"
    gt_path.write_text(json.dumps(gt))
    res_path.write_text(json.dumps(results))
    sets = {"bbox": (gt_path, res_path, len(gt["images"]), len(gt["annotations"]), len(results))}
    if not args.skip_segm:
        sgt, sres = generate(args.segm_images, args.seed + 7, masks=True)
        sres = masks_for_results(sgt, sres, args.seed)
        sgt_path, sres_path = args.out / "coco_gt_segm.json", args.out / "coco_results_segm.json"
        sgt_path.write_text(json.dumps(sgt))
        sres_path.write_text(json.dumps(sres))
        sets["segm"] = (sgt_path, sres_path, len(sgt["images"]), len(sgt["annotations"]), len(sres))
    print(f"generated in {time.perf_counter() - t:.1f}s", file=sys.stderr)

    figures: dict[str, Any] = {}
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for iou_type, (g, r, n_img, n_gt, n_dt) in sets.items():
            tools = ["faster-coco-eval", "predhub-cold", "predhub-warm"]
            if not args.skip_pycocotools:
                tools.insert(0, "pycocotools")
            entry: dict[str, Any] = {"images": n_img, "gt": n_gt, "detections": n_dt}
            for tool in tools:
                tool_env = dict(env)
                if tool.startswith("predhub"):
                    tool_env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba")
                out = run_tool(
                    tool.split("-")[0] if tool.startswith("predhub") else tool, g, r, iou_type, tool_env
                )
                entry[tool] = out
                print(
                    f"{iou_type} {tool}: {out['seconds']:.2f}s {out['peak_rss_mb']:.0f} MB", file=sys.stderr
                )
            ref = entry.get("pycocotools", entry["faster-coco-eval"])["stats"]
            for tool in tools:
                entry[tool]["max_abs_diff_vs_reference"] = float(
                    np.max(np.abs(np.asarray(entry[tool]["stats"]) - np.asarray(ref)))
                )
            fce = entry["faster-coco-eval"]["seconds"]
            fce_cpu = entry["faster-coco-eval"]["cpu_seconds"]
            entry["ratio_predhub_warm_vs_faster_coco_eval"] = entry["predhub-warm"]["seconds"] / fce
            entry["ratio_predhub_cold_vs_faster_coco_eval"] = entry["predhub-cold"]["seconds"] / fce
            entry["cpu_ratio_predhub_warm_vs_faster_coco_eval"] = (
                entry["predhub-warm"]["cpu_seconds"] / fce_cpu
            )
            entry["cpu_ratio_predhub_cold_vs_faster_coco_eval"] = (
                entry["predhub-cold"]["cpu_seconds"] / fce_cpu
            )
            figures[iou_type] = entry
            for tool in tools:
                e = entry[tool]
                size = f"{n_img}/{n_gt}/{n_dt}"
                rows.append((iou_type, size, tool, e["seconds"], e["cpu_seconds"], e["peak_rss_mb"],
                             e["seconds"] / fce, e["max_abs_diff_vs_reference"]))  # fmt: skip

    head = ("type", "images/gt/dets", "tool", "wall s", "CPU s", "peak MB", "× fce", "max |Δ|")
    widths = (5, 20, 18, 8, 8, 8, 6, 9)
    pairs = enumerate(zip(head, widths, strict=True))
    print(" ".join(f"{h:<{w}}" if i < 3 else f"{h:>{w}}" for i, (h, w) in pairs))
    for iou_type, size, tool, sec, cpu, mb, ratio, diff in rows:
        cells = f"{sec:>8.2f} {cpu:>8.2f} {mb:>8.0f} {ratio:>6.2f} {diff:>9.1e}"
        print(f"{iou_type:<5} {size:<20} {tool:<18} {cells}")
    for entry in figures.values():
        for v in entry.values():
            if isinstance(v, dict):
                v.pop("stats", None)
    print(json.dumps({"bench": "eval_coco", "cpu_count": os.cpu_count(), **figures}))


if __name__ == "__main__":
    main()
