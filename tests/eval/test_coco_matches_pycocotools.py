"""predhub's COCO evaluation against pycocotools itself, on generated data of many shapes.

Every test compares pycocotools' full precision (T,R,K,A,M), recall and scores arrays, the 12 summary
numbers and the per-class AP/AR, to 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from .coco_reference import AreaRange, assert_matches_pycocotools, default_params

# -- generated data -------------------------------------------------------------------------------


@st.composite
def coco_sets(draw: st.DrawFn, masks: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    n_images = draw(st.integers(1, 5))
    cat_ids = draw(st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True))
    images = []
    for i in range(n_images):
        images.append(
            {
                "id": draw(st.integers(0, 10**6)) * 10 + i,
                "height": draw(st.integers(8, 60)),
                "width": draw(st.integers(8, 60)),
            }
        )
    coord = st.one_of(st.integers(-5, 70).map(float), st.floats(-5, 70, allow_nan=False))
    size = st.one_of(st.sampled_from([0.5, 1.0, 2.0, 31.9, 32.0, 96.0, 500.0]), st.floats(0.1, 80))
    anns = []
    ann_id = draw(st.sampled_from([0, 1, 1000]))  # id 0 hits pycocotools' dtMatches==0 quirk
    for im in images:
        for _ in range(draw(st.integers(0, 6))):
            x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
            ann: dict[str, Any] = {
                "id": ann_id,
                "image_id": im["id"],
                # categories on one side only: some ground truth on ids the detections never use
                "category_id": draw(st.sampled_from(cat_ids)),
                "bbox": [x, y, w, h],
                "area": draw(st.one_of(st.just(w * h), st.floats(0, 12000))),
                "iscrowd": draw(st.sampled_from([0, 0, 0, 1])),
            }
            if masks:
                ann["segmentation"] = _segmentation(
                    draw, x, y, w, h, im["height"], im["width"], ann["iscrowd"]
                )
            anns.append(ann)
            ann_id += 1
    results: list[dict[str, Any]] = []
    score = st.one_of(st.sampled_from([0.1, 0.5, 0.5, 0.9, 1.0]), st.floats(0, 1))  # ties on purpose
    for im in images:
        for _ in range(draw(st.integers(0, 12))):
            base = draw(st.sampled_from([a for a in anns if a["image_id"] == im["id"]] or [None]))
            if base is not None and draw(st.booleans()):
                jitter = draw(st.lists(st.floats(-3, 3), min_size=4, max_size=4))
                x, y, w, h = (v + j for v, j in zip(base["bbox"], jitter, strict=True))
                w, h = max(w, 0.2), max(h, 0.2)
                cat = base["category_id"] if draw(st.booleans()) else draw(st.integers(0, 31))
            else:
                x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
                cat = draw(st.sampled_from([*cat_ids, 99]))  # 99: a class only the detector knows
            det: dict[str, Any] = {
                "image_id": im["id"],
                "category_id": cat,
                "bbox": [x, y, w, h],
                "score": draw(score),
            }
            if masks:
                del det["bbox"]
                det["segmentation"] = _compressed(_box_poly(x, y, w, h), im["height"], im["width"])
            results.append(det)
    return {
        "images": images,
        "categories": [{"id": c, "name": f"c{c}"} for c in cat_ids],
        "annotations": anns,
    }, results


def _box_poly(x: float, y: float, w: float, h: float) -> list[float]:
    return [x, y, x + w * 0.9, y + h * 0.1, x + w, y + h, x + w * 0.2, y + h * 0.8]


def _compressed(poly: list[float], height: int, width: int) -> dict[str, Any]:
    rle = mask_utils.frPyObjects([poly], height, width)[0]
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def _segmentation(
    draw: st.DrawFn, x: float, y: float, w: float, h: float, height: int, width: int, crowd: int
) -> Any:
    kind = draw(st.sampled_from(["poly", "multipoly", "rle", "uncompressed"]))
    poly = _box_poly(x, y, w, h)
    if kind == "poly":
        return [poly]
    if kind == "multipoly":
        return [poly, [x + 1, y + 1, x + 4, y + 1, x + 4, y + 6]]
    rle = mask_utils.frPyObjects([poly], height, width)[0]
    if kind == "rle":
        return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
    arr = mask_utils.decode(rle)
    flat = arr.ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(edges).tolist()
    if flat.size and flat[0] == 1:
        counts = [0, *counts]
    return {"size": [height, width], "counts": counts}


FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(coco_sets())
def test_bbox_matches_on_generated_sets(data: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    assert_matches_pycocotools(*data, iou_type="bbox")


@FAST
@given(coco_sets())
def test_bbox_class_agnostic_matches(data: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    assert_matches_pycocotools(*data, params=default_params(use_categories=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coco_sets(masks=True))
def test_segm_matches_on_generated_sets(data: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    assert_matches_pycocotools(*data, iou_type="segm")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    coco_sets(),
    st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4),
    st.lists(st.integers(1, 15), min_size=3, max_size=4),
    st.booleans(),
)
def test_changed_params_match(
    data: tuple[dict[str, Any], list[dict[str, Any]]], ious: list[float], max_dets: list[int], agnostic: bool
) -> None:
    params = default_params(
        iou_thresholds=tuple(sorted(ious)),
        max_dets=tuple(max_dets),
        area_ranges=(
            AreaRange("all", 0, 1e10),
            AreaRange("small", 0, 50),
            AreaRange("medium", 50, 400),
            AreaRange("large", 400, 1e10),
            AreaRange("odd", 10, 20),
        ),
        use_categories=not agnostic,
    )
    assert_matches_pycocotools(*data, params=params)


# -- fixed cases ----------------------------------------------------------------------------------


def _gt(anns: list[dict[str, Any]], n_images: int = 2, cats: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    images = [{"id": i + 1, "height": 100, "width": 120} for i in range(n_images)]
    for i, a in enumerate(anns):
        a.setdefault("id", i + 1)
        a.setdefault("iscrowd", 0)
        a.setdefault("area", a["bbox"][2] * a["bbox"][3])
    return {"images": images, "annotations": anns, "categories": [{"id": c, "name": f"c{c}"} for c in cats]}


def test_empty_results_give_zero_where_ground_truth_exists() -> None:
    gt = _gt([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]}])
    mine = assert_matches_pycocotools(gt, [])
    assert mine.metrics()["AP"] == 0.0


def test_images_without_ground_truth_or_detections() -> None:
    gt = _gt([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]}], n_images=4)
    res = [{"image_id": 3, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9}]
    assert_matches_pycocotools(gt, res)


def test_only_crowd_ground_truth_gives_minus_one() -> None:
    gt = _gt([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 50, 50], "iscrowd": 1}])
    res = [{"image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "score": 0.5}] * 3
    mine = assert_matches_pycocotools(gt, res)
    assert mine.metrics()["AP"] == -1.0


def test_tied_scores_and_tied_ious_follow_pycocotools_order() -> None:
    # two identical ground-truth boxes and several identical detections: the last equal IoU wins
    anns = [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]} for _ in range(2)]
    anns += [{"image_id": 2, "category_id": 1, "bbox": [10, 10, 20, 20]}]
    res = [
        {"image_id": i, "category_id": 1, "bbox": [10, 10, 20, 20.5], "score": 0.7} for i in (2, 1, 1, 2, 1)
    ]
    assert_matches_pycocotools(_gt(anns), res)


def test_more_than_100_detections_per_image() -> None:
    rng = np.random.default_rng(3)
    anns = [{"image_id": 1, "category_id": 1, "bbox": rng.uniform(0, 60, 4).tolist()} for _ in range(40)]
    res = [
        {
            "image_id": 1,
            "category_id": 1,
            "bbox": rng.uniform(0, 60, 4).tolist(),
            "score": float(rng.random()),
        }
        for _ in range(250)
    ]
    assert_matches_pycocotools(_gt(anns), res)


def test_tiny_and_huge_boxes() -> None:
    anns = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e-3, 1e-3]},
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e5, 1e5]},
        {"image_id": 1, "category_id": 2, "bbox": [5, 5, 0, 0]},
    ]
    res = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e-3, 1e-3], "score": 0.3},
        {"image_id": 1, "category_id": 1, "bbox": [1, 1, 9e4, 9e4], "score": 0.2},
        {"image_id": 1, "category_id": 2, "bbox": [5, 5, 0, 0], "score": 0.2},
    ]
    assert_matches_pycocotools(_gt(anns), res)


def test_categories_on_one_side_only() -> None:
    gt = _gt([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]}], cats=(1, 2, 3))
    res = [
        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 10, 10], "score": 0.9},
        {"image_id": 1, "category_id": 7, "bbox": [0, 0, 10, 10], "score": 0.9},
    ]
    mine = assert_matches_pycocotools(gt, res)
    assert mine.class_ap() == {"c1": 0.0, "c2": -1.0, "c3": -1.0}


def test_segm_polygon_results_typed_by_bbox() -> None:
    # first result has a bbox: every area is w*h, polygons rasterised by annToRLE, missing ones boxed
    gt = _gt(
        [
            {
                "image_id": 1,
                "category_id": 1,
                "bbox": [10, 10, 30, 30],
                "segmentation": [[10, 10, 40, 10, 40, 40, 10, 40]],
            }
        ]
    )
    res = [
        {"image_id": 1, "category_id": 1, "bbox": [12, 12, 30, 30], "score": 0.9},
        {"image_id": 1, "category_id": 1, "bbox": [9, 9, 3, 3], "score": 0.8,
         "segmentation": [[9, 9, 30, 9, 30, 30, 9, 30], [31, 31, 35, 31, 35, 35]]},
    ]  # fmt: skip
    assert_matches_pycocotools(gt, res, iou_type="segm")


def test_restricted_image_and_category_ids() -> None:
    anns = [{"image_id": i, "category_id": c, "bbox": [i, c, 10, 10]} for i in (1, 2) for c in (1, 2)]
    res = [
        {"image_id": i, "category_id": c, "bbox": [i + 1, c, 10, 10], "score": 0.5}
        for i in (1, 2)
        for c in (1, 2)
    ]
    assert_matches_pycocotools(_gt(anns), res, params=default_params(image_ids=(2,), category_ids=(2,)))


def test_segm_masks_of_another_size_and_zero_iou_threshold() -> None:
    # rleIou gives -1 for masks of different sizes and 0 for disjoint ones; with an IoU threshold of 0
    # the 0 matches and the -1 does not, exactly as in pycocotools.
    square = [[0, 0, 10, 0, 10, 10, 0, 10]]
    far = [[50, 50, 60, 50, 60, 60, 50, 60]]
    gt = _gt(
        [
            {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "segmentation": square},
            {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "segmentation": far},
        ]
    )
    other_size = mask_utils.frPyObjects([[0, 0, 10, 0, 10, 10, 0, 10]], 90, 120)[0]
    same_size = mask_utils.frPyObjects([[70, 70, 80, 70, 80, 80, 70, 80]], 100, 120)[0]
    res = [
        {"image_id": 1, "category_id": 1, "score": 0.9,
         "segmentation": {"size": other_size["size"], "counts": other_size["counts"].decode()}},
        {"image_id": 1, "category_id": 1, "score": 0.8,
         "segmentation": {"size": same_size["size"], "counts": same_size["counts"].decode()}},
    ]  # fmt: skip
    params = default_params("segm", iou_thresholds=(0.0, 0.5))
    assert_matches_pycocotools(gt, res, iou_type="segm", params=params)
