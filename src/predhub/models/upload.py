"""Writing predictions into a hub's label set: ``upload="create" | "append" | "replace" | "iou_merge"``.

- ``create``: a new predictions label set, the model's name and version recorded on it;
- ``append``: objects added after those already in the sample's label;
- ``replace``: the sample's label replaced;
- ``iou_merge``: appended, minus each new object that overlaps an existing one of its class at
  IoU ≥ ``iou_merge_threshold`` (0.9 by default; the ``iou_merge_threshold`` predict setting).

``prelabel=True`` writes the labels with status ``prelabel`` (Segments.ai's pre-labels: into the
ground truth, queued for review). Predictions on local files, frames or in-memory images add their
images to the dataset as samples first (keyed by file name) unless ``add_samples=False``.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from predhub.core import Label, LabelStatus, validate_label
from predhub.models.errors import ModelError
from predhub.models.merge import iou_merge
from predhub.models.prediction import Prediction

if TYPE_CHECKING:
    from predhub.sdk import Client, Dataset, LabelSet

__all__ = ["UploadMode", "UploadResult", "upload_predictions"]


class UploadMode(enum.StrEnum):
    CREATE = "create"
    APPEND = "append"
    REPLACE = "replace"
    IOU_MERGE = "iou_merge"


@dataclass(frozen=True, slots=True)
class UploadResult:
    label_set: LabelSet
    labels: int  # labels written
    objects: int  # objects written
    duplicates_dropped: int  # iou_merge only
    samples_added: int


def _dataset(client: Client, dataset: int | str | Dataset) -> Dataset:
    from predhub.sdk import Dataset

    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, int):
        return client.get_dataset(dataset)
    return client.get_dataset_by_name(dataset)


def _png(prediction: Prediction) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(prediction.load_image()).save(out, format="PNG")
    return out.getvalue()


def _add_missing_samples(client: Client, dataset: Dataset, predictions: Sequence[Prediction]) -> int:
    from predhub.sdk import NewSample, NotFound

    missing: dict[str, NewSample] = {}
    for p in predictions:
        if p.sample_id is not None or p.key in missing:
            continue
        try:
            client.get_sample_by_key(dataset, p.key)
        except NotFound:
            plain_file = p.image_path is not None and p.frame_index is None
            image = p.image_path if plain_file else _png(p)
            missing[p.key] = NewSample(key=p.key, image=image, metadata={"source": p.source})
    if missing:
        client.add_samples(dataset, list(missing.values()))
    return len(missing)


def _label_set(
    client: Client,
    dataset: Dataset,
    label_set: int | str | LabelSet | None,
    mode: UploadMode,
    model_name: str,
    model_version: str | None,
) -> LabelSet:
    from predhub.sdk import LabelSet

    if isinstance(label_set, LabelSet):
        return label_set
    if mode is UploadMode.CREATE:
        name = label_set if isinstance(label_set, str) else model_name
        return client.create_label_set(
            dataset,
            name,
            kind="predictions",
            description=f"predictions of {model_name}" + (f" {model_version}" if model_version else ""),
            model_name=model_name,
            model_version=model_version,
        )
    if label_set is None:
        raise ModelError(f"upload={mode.value!r} needs the label set to write into (label_set=...)")
    if isinstance(label_set, int):
        return client.get_label_set(label_set)
    return client.get_label_set_by_name(dataset, label_set)


def upload_predictions(
    client: Client,
    predictions: Sequence[Prediction],
    *,
    dataset: int | str | Dataset,
    label_set: int | str | LabelSet | None = None,
    mode: UploadMode | str = UploadMode.CREATE,
    prelabel: bool = False,
    iou_merge_threshold: float = 0.9,
    add_samples: bool = True,
    model_name: str | None = None,
    model_version: str | None = None,
) -> UploadResult:
    """Write ``predictions`` into ``label_set`` of ``dataset`` on the hub ``client`` talks to.

    ``label_set``: a name, an id or a :class:`predhub.LabelSet`; with ``create`` the name of the new
    set (the model's name by default). Raises the SDK's errors (``Conflict`` when ``create`` names an
    existing set, ``ValidationError`` listing the rejected records, nothing stored).
    """
    mode = UploadMode(mode)
    ds = _dataset(client, dataset)
    name = model_name or (predictions[0].model if predictions else "model")
    version = model_version or (predictions[0].model_version if predictions else None)
    status = LabelStatus.PRELABEL if prelabel else LabelStatus.LABELED
    labels: list[Label] = [p.to_label(status=status) for p in predictions]
    # Checked here against the dataset's ontology before anything is written, so that a bad
    # prediction leaves no new samples or empty label set behind.
    for i, label in enumerate(labels):
        errors = validate_label(label, ds.ontology, predictions[i].width, predictions[i].height)
        if errors:
            raise ModelError(
                f"prediction {i} ({label.sample_key}) does not fit dataset {ds.name!r}: {errors[0]}"
                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
                + "; predict(classes=[...]) keeps only the dataset's classes"
            )
    added = _add_missing_samples(client, ds, predictions) if add_samples else 0
    target = _label_set(client, ds, label_set, mode, name, version)
    dropped = 0
    if mode is UploadMode.IOU_MERGE:
        from predhub.sdk import NotFound

        for label in labels:
            try:
                existing = client.get_label(target, label.sample_key).objects
            except NotFound:
                continue
            kept = iou_merge(existing, label.objects, iou_merge_threshold)
            dropped += len(label.objects) - len(kept)
            label.objects = kept
    on_conflict = "replace" if mode in (UploadMode.CREATE, UploadMode.REPLACE) else "append"
    job = client.upload_labels(target, labels, on_conflict=on_conflict)  # type: ignore[arg-type]
    if job.status != "done":
        first = job.errors[0] if job.errors else None
        detail = f": record {first.record}, {first.field}: {first.message}" if first else ""
        raise ModelError(f"upload into label set {target.name!r} {job.status}{detail}")
    return UploadResult(
        label_set=client.get_label_set(target.id),
        labels=len(labels),
        objects=sum(len(label.objects) for label in labels),
        duplicates_dropped=dropped,
        samples_added=added,
    )
