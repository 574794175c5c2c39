"""Reports computed from a detection evaluation: match status, PR curves, F1, confusion, disagreement."""

from __future__ import annotations

import numpy as np
import pytest

from predhub.core import Box, Label, Mask, Object, Polygon
from predhub.eval import (
    BACKGROUND,
    CocoParams,
    IouType,
    MatchStatus,
    detection_confusion,
    evaluate_detections,
    likely_mislabeled,
    object_metrics,
    sample_disagreement,
    unsupported_predictions,
)


def _labels() -> tuple[list[Label], list[Label]]:
    gt = [
        Label(
            "a.jpg",
            [Object("cat", Box(10, 10, 50, 50), id="g1"), Object("dog", Box(60, 60, 90, 90), id="g2")],
        ),
        Label("b.jpg", [Object("cat", Polygon(np.array([[0, 0], [30, 0], [30, 30], [0, 30]])), id="g3")]),
        Label("c.jpg", [Object("dog", Box(0, 0, 20, 20), id="g4")]),
    ]
    pred = [
        Label(
            "a.jpg",
            [
                Object("cat", Box(11, 11, 50, 50), 0.9, id="p1"),
                Object("cat", Box(60, 60, 90, 91), 0.8, id="p2"),
            ],
        ),
        Label("b.jpg", [Object("dog", Box(0, 0, 30, 30), 0.7, id="p3")]),
        Label("d.jpg", [Object("dog", Box(0, 0, 3, 3), 0.2, id="p4")]),
    ]
    return gt, pred


def test_match_status_partners_and_iou() -> None:
    ev = evaluate_detections(*_labels())
    m = ev.matches(0.5)
    keys = dict(zip(ev.dt_keys().tolist(), range(len(ev.dt)), strict=True))
    assert m.dt_status[keys["p1"]] == MatchStatus.TP
    assert ev.gt_keys([m.dt_partner[keys["p1"]]])[0] == "g1"
    assert m.dt_iou[keys["p1"]] == pytest.approx(39 * 39 / 1600)
    assert m.dt_status[keys["p2"]] == MatchStatus.FP  # a cat on a dog: no same-class match
    gkeys = dict(zip(ev.gt_keys().tolist(), range(len(ev.gt)), strict=True))
    assert m.gt_status[gkeys["g4"]] == MatchStatus.FN


def test_confusion_matrix_with_background_and_ids() -> None:
    ev = evaluate_detections(*_labels())
    cm = detection_confusion(ev, iou=0.5, confidence=0.0)
    assert cm.classes == ["cat", "dog", BACKGROUND]
    # g1<-p1 (cat/cat), g2<-p2 (dog/cat), g3<-p3 (cat/dog), g4 missed, p4 spurious
    assert cm.matrix.tolist() == [[1, 1, 0], [1, 0, 1], [0, 1, 0]]
    assert [x.tolist() for x in cm.objects("dog", "cat")] == [["g2"], ["p2"]]
    assert [x.tolist() for x in cm.objects("dog", BACKGROUND)] == [["g4"], [None]]
    # a confidence above p3's drops it: g3 becomes a miss
    high = detection_confusion(ev, iou=0.5, confidence=0.75)
    assert high.matrix.tolist() == [[1, 0, 1], [1, 0, 1], [0, 0, 0]]


def test_disagreement_orders_samples_and_flags_mislabels() -> None:
    ev = evaluate_detections(*_labels())
    d = sample_disagreement(ev)
    by_key = {ev.sample_key(i): s for i, s in enumerate(d.score.tolist())}
    assert by_key["c.jpg"] == 1.0 and by_key["d.jpg"] == 1.0  # nothing agrees
    assert 0 < by_key["a.jpg"] < 1
    assert by_key["b.jpg"] == pytest.approx(1.0)  # its only pair is a class confusion
    assert [ev.sample_key(int(np.flatnonzero(ev.image_ids == i)[0])) for i in d.ranking()[-1:]] == ["a.jpg"]
    mis = dict(zip(ev.gt_keys().tolist(), likely_mislabeled(ev).tolist(), strict=True))
    assert mis["g1"] == 0.0
    assert mis["g2"] == pytest.approx(0.8 * 900 / 930)
    assert mis["g3"] == pytest.approx(0.7)
    unsupported = dict(zip(ev.dt_keys().tolist(), unsupported_predictions(ev).tolist(), strict=True))
    assert unsupported["p4"] == pytest.approx(0.2)


def test_object_metrics_per_class_and_sample() -> None:
    ev = evaluate_detections(*_labels())
    om = object_metrics(ev)
    cat = om.per_class()["cat"]
    # cat: TP g1/p1; FP p2 (on a dog); FN g3 (called a dog)
    assert cat["precision"] == pytest.approx(0.5) and cat["recall"] == pytest.approx(0.5)
    assert cat["iou"] == pytest.approx((39 * 39 / 1600) / 3)
    assert om.per_sample()["d.jpg"]["precision"] == 0.0
    assert om.per_sample()["d.jpg"]["recall"] is None


def test_pr_curve_and_f1_optimal_threshold() -> None:
    gt = [Label(f"{i}", [Object("cat", Box(0, 0, 10, 10))]) for i in range(4)]
    scores = [0.9, 0.8, 0.3, 0.2]
    pred = [
        Label("0", [Object("cat", Box(0, 0, 10, 10), 0.9)]),
        Label("1", [Object("cat", Box(0, 0, 10, 10), 0.8)]),
        Label("2", [Object("cat", Box(50, 50, 60, 60), 0.3)]),
        Label("3", [Object("cat", Box(0, 0, 10, 10), 0.2)]),
    ]
    ev = evaluate_detections(gt, pred)
    conf, f1 = ev.f1_optimal("cat", iou=0.5)
    # keep >= 0.8: P=1 R=.5 F1=.667 ; keep all: P=.75 R=.75 F1=.75
    assert conf == scores[-1] and f1 == pytest.approx(0.75)
    curve = ev.pr_curve("cat", iou=0.5)
    assert curve.precision[0] == 1.0 and curve.precision[-1] == 0.0
    assert curve.precision[75] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        ev.pr_curve("cat", iou=0.42)


def test_segm_from_labels_with_masks_and_holes() -> None:
    ring = np.array([[0, 0], [20, 0], [20, 20], [0, 20]], dtype=float)
    hole = np.array([[5, 5], [15, 5], [15, 15], [5, 15]], dtype=float)
    arr = np.zeros((30, 30), dtype=bool)
    arr[0:20, 0:20] = True
    arr[5:15, 5:15] = False
    gt = [Label("s", [Object("ring", Polygon(ring, holes=(hole,)))])]
    pred = [Label("s", [Object("ring", Mask.from_array(arr), 0.9)])]
    ev = evaluate_detections(gt, pred, params=CocoParams(iou_type=IouType.SEGM), image_sizes={"s": (30, 30)})
    assert ev.metrics()["AP50"] == pytest.approx(1.0)
    assert ev.matches(0.95).dt_iou[0] > 0.95


def test_evaluation_reports_render() -> None:
    ev = evaluate_detections(*_labels())
    text = str(ev)
    assert text.count("\n") == 11 and "Average Precision" in text
    d = ev.to_dict()
    assert set(d) >= {"AP", "AP50", "ARl", "per_class"}
    assert "cat" in str(detection_confusion(ev))


def test_label_set_evaluation_rows() -> None:
    from predhub.eval import evaluate_label_sets

    seen: list[float] = []
    res = evaluate_label_sets(*_labels(), progress=lambda f, _m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    rows = {r["object"]: r for r in res.object_rows()}
    assert rows["g1"]["status"] == "tp" and rows["g1"]["partner"] == "p1"
    assert rows["g2"]["status"] == "fn" and rows["g2"]["partner"] == "p2"
    assert rows["g2"]["confused_with"] == "cat"
    assert rows["p4"]["status"] == "fp" and rows["p4"]["partner"] is None
    samples = res.sample_rows()
    assert samples[-1]["sample"] == "a.jpg"
    summary = res.summary()
    assert summary["coco"]["AP"] == res.detection.metrics()["AP"]
    assert summary["confusion"]["classes"] == ["cat", "dog", "background"]
