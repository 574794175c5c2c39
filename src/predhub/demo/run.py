"""``predhub demo``: a hub on SQLite, a dataset of real images with ground truth and predictions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from predhub.core import Ontology
from predhub.demo.hub import LocalHub, local_hub
from predhub.demo.images import DemoImage, demo_images
from predhub.demo.predictions import PredictionSource, ShippedPredictions, load_data
from predhub.demo.summary import DatasetSummary, summarize
from predhub.sdk import (
    Client,
    Dataset,
    Evaluation,
    LabelSetKind,
    NewSample,
    NotFound,
    UploadJob,
    UploadStatus,
)

__all__ = ["DATASET_NAME", "evaluate", "populate", "run_demo"]

DATASET_NAME = "skimage-demo"
DESCRIPTION = "Photographs that ship with scikit-image, with hand-placed ground truth boxes."


def _check(job: UploadJob, what: str) -> None:
    if job.status is not UploadStatus.DONE or job.counts.rejected:
        problems = "; ".join(str(e) for e in job.errors[:5])
        raise RuntimeError(f"the hub rejected the demo's {what}: {problems}")


def populate(
    client: Client,
    images: Sequence[DemoImage],
    predictions: PredictionSource,
    say: Callable[[str], None] = lambda _: None,
) -> Dataset:
    """(Re)create the demo dataset: samples from the images, the shipped ground truth, one prediction set."""
    try:
        client.delete_dataset(client.get_dataset_by_name(DATASET_NAME))
        say(f"replacing the existing dataset {DATASET_NAME!r}")
    except NotFound:
        pass
    dataset = client.create_dataset(
        DATASET_NAME, Ontology.from_dict(load_data("ontology.json")), description=DESCRIPTION
    )
    client.add_samples(
        dataset, [NewSample(i.key, image=i.path, metadata={"credit": i.credit}) for i in images]
    )
    say(f"dataset {DATASET_NAME!r}: {len(images)} images uploaded to the hub's blob store")

    ground_truth = load_data("ground_truth.json")
    gt_set = client.create_label_set(
        dataset, "ground-truth", kind=LabelSetKind.GROUND_TRUTH, description=ground_truth["about"]
    )
    _check(client.upload_labels(gt_set, ground_truth["labels"]), "ground truth")
    say("ground truth uploaded")

    run = predictions.predict(images)
    pred_set = client.create_label_set(
        dataset,
        run.label_set,
        kind=LabelSetKind.PREDICTIONS,
        description=run.description,
        model_name=run.model_name,
        model_version=run.model_version,
        class_mapping=run.class_mapping,
    )
    _check(client.upload_labels(pred_set, run.labels), "predictions")
    say(f"prediction set {run.label_set!r} ({run.model_name}) uploaded")
    return dataset


def evaluate(client: Client, dataset: Dataset, say: Callable[[str], None] = lambda _: None) -> Evaluation:
    """Measure the demo's prediction set against its ground truth on the hub (COCO protocol)."""
    sets = list(client.list_label_sets(dataset))
    truth = next(ls for ls in sets if ls.kind is LabelSetKind.GROUND_TRUTH)
    preds = next(ls for ls in sets if ls.kind is LabelSetKind.PREDICTIONS)
    ev = client.create_evaluation(truth, preds, name=f"{preds.name} vs {truth.name}", timeout=300)
    if ev.status != "done" or ev.summary is None:
        raise RuntimeError(f"the demo's evaluation ended {ev.status}: {ev.error}")
    s = ev.summary
    say(f"{preds.name} against {truth.name}: AP {s['AP']:.3f}, AP50 {s['AP50']:.3f}, AR100 {s['AR100']:.3f}")
    worst = [w for w in client.evaluation_samples(ev.id) if w.disagreement > 0][:3]
    if worst:
        say("most disagreement: " + ", ".join(f"{w.key} ({w.fp} FP, {w.fn} FN)" for w in worst))
    return ev


def run_demo(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8470,
    serve: bool = True,
    predictions: PredictionSource | None = None,
    say: Callable[[str], None] = lambda _: None,
    show: Callable[[DatasetSummary], None] = lambda _: None,
    on_ready: Callable[[LocalHub], None] = lambda _: None,
) -> DatasetSummary:
    """Start a hub on SQLite in ``data_dir``, fill it, ``show`` the summary, then serve until Ctrl-C
    (unless ``serve`` is False). Returns the summary."""
    images = demo_images()
    with local_hub(data_dir, host, port) as hub:
        say(f"hub on SQLite in {data_dir} at {hub.url}")
        with Client(hub.url, hub.token) as client:
            dataset = populate(client, images, predictions or ShippedPredictions(), say)
            summary = summarize(client, dataset)
            show(summary)
            evaluation = evaluate(client, dataset, say)
        say(
            f"gallery: {hub.url}/#/datasets/{dataset.id}  evaluation: {hub.url}/#/evaluations/{evaluation.id}"
        )
        if serve:
            on_ready(hub)
            hub.serve_forever()
    return summary
