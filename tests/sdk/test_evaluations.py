"""Evaluations on a real hub: queued as a job, stored, read back through the SDK; numbers equal the
pure evaluation of the same labels (and so pycocotools)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

import predhub
from predhub import Box, Classification, Label, Object
from predhub.eval import evaluate_detections, sample_disagreement
from tests.hub_fixtures import Hub


def _labels(seed: int) -> tuple[list[Label], list[Label]]:
    rng = np.random.default_rng(seed)
    gt, pred = [], []
    for i in range(12):
        key = f"img-{i:03d}"
        g_objs, p_objs = [], []
        for _ in range(int(rng.integers(0, 5))):
            x, y = rng.uniform(0, 500, 2)
            w, h = rng.uniform(8, 120, 2)
            cls = str(rng.choice(["car", "person"]))
            g_objs.append(Object(cls, Box(x, y, x + w, y + h)))
            if rng.random() < 0.8:
                dx, dy = rng.normal(0, 4, 2)
                p_cls = cls if rng.random() < 0.8 else ("car" if cls == "person" else "person")
                p_objs.append(Object(p_cls, Box(x + dx, y + dy, x + w + dx, y + h), float(rng.random())))
        for _ in range(int(rng.integers(0, 3))):
            x, y = rng.uniform(0, 500, 2)
            p_objs.append(Object("car", Box(x, y, x + 30, y + 30), float(rng.random())))
        gt.append(Label(key, g_objs, classifications=[Classification.single("weather", "sun")]))
        pred.append(
            Label(
                key,
                p_objs,
                classifications=[Classification.single("weather", str(rng.choice(["sun", "rain"])))],
            )
        )
    return gt, pred


def test_detection_evaluation_job(client: predhub.Client, dataset: predhub.Dataset) -> None:
    gt_labels, pred_labels = _labels(1)
    gt = client.create_label_set(dataset, "gt", kind="ground_truth")
    pred = client.create_label_set(dataset, "model")
    client.add_labels(gt, gt_labels)
    client.add_labels(pred, pred_labels)

    ev = client.create_evaluation(gt, pred, params={"confusion_iou": 0.5}, timeout=120)
    assert ev.status == "done", ev.error
    local = evaluate_detections(gt_labels, pred_labels)
    assert ev.summary is not None
    for name, value in local.metrics().items():
        assert ev.summary[name] == pytest.approx(value, abs=1e-12)
    per_class = {row["class"]: row for row in ev.per_class or []}
    assert per_class["car"]["ap"] == pytest.approx(local.class_ap()["car"], abs=1e-12)
    assert ev.confusion is not None and ev.confusion["classes"] == ["car", "person", "background"]
    assert set(ev.pr_curves or {}) == {"car", "person"}

    # samples, most disagreeing first, with the same scores as the pure computation
    rows = list(client.evaluation_samples(ev.id, page_size=5))
    assert len(rows) == 12
    scores = [r.disagreement for r in rows]
    assert scores == sorted(scores, reverse=True)
    want = sample_disagreement(local)
    by_key = {local.sample_key(i): s for i, s in enumerate(want.score.tolist())}
    assert {r.key: r.disagreement for r in rows} == pytest.approx(by_key)

    # the confusion cell of true person / predicted car names its objects
    matrix = np.asarray(ev.confusion["matrix"])
    cell = client.evaluation_confusion_cell(ev.id, 1, 0)
    assert len(cell["pairs"]) == matrix[1, 0]
    missed = client.evaluation_confusion_cell(ev.id, 0, 2)
    assert len(missed["pairs"]) == matrix[0, 2]

    assert [e.id for e in client.list_evaluations(dataset)] == [ev.id]


def test_bad_requests_name_the_field(client: predhub.Client, dataset: predhub.Dataset) -> None:
    gt = client.create_label_set(dataset, "gt2", kind="ground_truth")
    pred = client.create_label_set(dataset, "model2")
    with pytest.raises(predhub.ValidationError, match="confusion_iou"):
        client.create_evaluation(gt, pred, params={"confusion_iou": 0.42})
    with pytest.raises(predhub.ValidationError, match=r"params\.bogus"):
        client.create_evaluation(gt, pred, params={"bogus": 1})
    with pytest.raises(predhub.NotFound):
        client.create_evaluation(gt, 10**9)


def test_classification_evaluation_job(client: predhub.Client, dataset: predhub.Dataset) -> None:
    gt_labels, pred_labels = _labels(2)
    gt = client.create_label_set(dataset, "gt3", kind="ground_truth")
    pred = client.create_label_set(dataset, "model3")
    client.add_labels(gt, gt_labels)
    client.add_labels(pred, pred_labels)
    ev = client.create_evaluation(gt, pred, kind="classification", timeout=120)
    assert ev.status == "done", ev.error
    sun = sum(1 for p in pred_labels if p.classifications[0].answer == "sun")
    assert ev.summary == {"weather": pytest.approx(sun / 12)}


def test_segmentation_evaluation_job(client: predhub.Client, dataset: predhub.Dataset) -> None:
    from predhub import Polygon
    from predhub.eval import ClassMapping, evaluate_segmentations

    def road(x0: float, x1: float) -> Object:
        return Object("road", Polygon([[x0, 300], [x1, 300], [x1, 480], [x0, 480]]))

    gt_labels = [Label(f"img-{i:03d}", [road(0, 640)]) for i in range(3)]
    pred_labels = [Label("img-000", [road(0, 640)]), Label("img-001", [road(0, 320)]), Label("img-002", [])]
    gt = client.create_label_set(dataset, "seg-gt", kind="ground_truth")
    pred = client.create_label_set(dataset, "seg-model", class_mapping={"road": "road"})
    client.add_labels(gt, gt_labels)
    client.add_labels(pred, pred_labels)
    ev = client.create_evaluation(gt, pred, kind="segmentation", timeout=120)
    assert ev.status == "done", ev.error
    sizes = {lab.sample_key: (480, 640) for lab in gt_labels}
    local = evaluate_segmentations(gt_labels, pred_labels, ClassMapping.from_dict({"road": "road"}), sizes)
    assert ev.summary == {
        "mIoU": pytest.approx(local.mean_iou),
        "pixel_accuracy": pytest.approx(local.pixel_accuracy),
    }
    rows = list(client.evaluation_samples(ev.id))
    assert [r.key for r in rows] == ["img-002", "img-001", "img-000"]
    assert rows[-1].disagreement == 0.0


def test_the_async_client_waits_for_an_evaluation_by_its_job(
    hub: Hub, client: predhub.Client, dataset: predhub.Dataset
) -> None:
    gt_labels, pred_labels = _labels(2)
    gt = client.create_label_set(dataset, "gt-async", kind="ground_truth")
    pred = client.create_label_set(dataset, "model-async")
    client.add_labels(gt, gt_labels)
    client.add_labels(pred, pred_labels)
    queued = client.create_evaluation(gt, pred, wait=False)
    assert queued.job_id is not None

    async def scenario() -> predhub.Evaluation:
        async with predhub.AsyncClient(hub.url, hub.token) as aclient:
            return await aclient.wait_evaluation(queued.id, timeout=120)

    ev = asyncio.run(scenario())
    assert ev.status == "done", ev.error
    assert ev.summary == client.get_evaluation(queued.id).summary
    assert ev.summary is not None
    assert ev.summary["AP"] == pytest.approx(evaluate_detections(gt_labels, pred_labels).metrics()["AP"])
