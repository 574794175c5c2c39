"""Pure numpy converters from the raw tensors common model heads emit to :class:`PredictedObjects`.

None of them imports a framework: an adapter runs the framework and hands the arrays here, so the
same decoder serves OpenCV DNN, ONNX Runtime and TFLite alike (supervision's ``from_<framework>``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from predhub.core import Answer, Classification
from predhub.models.objects import PredictedObjects

__all__ = [
    "from_class_scores",
    "from_person_mask",
    "from_ssd_output",
    "from_yolo_output",
    "nms",
]

FloatArray = npt.NDArray[np.float64]


def _names(class_ids: npt.NDArray[np.int64], class_names: Sequence[str] | None) -> list[str]:
    if class_names is None:
        return [str(int(c)) for c in class_ids]
    return [class_names[c] if 0 <= c < len(class_names) else str(int(c)) for c in class_ids]


def from_ssd_output(
    detections: npt.ArrayLike,
    width: int,
    height: int,
    class_names: Sequence[str] | None = None,
    conf: float = 0.0,
) -> PredictedObjects:
    """The ``DetectionOutput`` tensor of SSD-style heads (TF Object Detection API through OpenCV,
    Caffe SSD): rows ``[image, class_id, score, x0, y0, x1, y1]`` with corners normalised to 0..1.

    ``class_names`` is indexed by class id (COCO's 90-id table has gaps, so ids are not positions
    in a dense list). Corners are clipped to the image.
    """
    rows = np.asarray(detections, dtype=np.float64).reshape(-1, 7)
    rows = rows[rows[:, 2] >= conf]
    scale = np.array([width, height, width, height], dtype=np.float64)
    xyxy = np.clip(rows[:, 3:7], 0.0, 1.0) * scale
    class_ids = rows[:, 1].astype(np.int64)
    return PredictedObjects(xyxy, rows[:, 2], class_ids, _names(class_ids, class_names))


def nms(xyxy: FloatArray, scores: FloatArray, iou_threshold: float) -> npt.NDArray[np.int64]:
    """Greedy non-maximum suppression; indices kept, best score first (torchvision's ``nms``)."""
    order = np.argsort(-scores, kind="stable")
    areas = np.prod(np.clip(xyxy[:, 2:] - xyxy[:, :2], 0, None), axis=1)
    keep: list[int] = []
    while len(order):
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        lt = np.maximum(xyxy[i, :2], xyxy[rest, :2])
        rb = np.minimum(xyxy[i, 2:], xyxy[rest, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-12)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def from_yolo_output(
    output: npt.ArrayLike,
    width: int,
    height: int,
    class_names: Sequence[str] | None = None,
    conf: float = 0.25,
    nms_iou: float = 0.45,
    objectness: bool = True,
    normalized: bool = True,
    input_size: tuple[int, int] | None = None,
) -> PredictedObjects:
    """YOLO rows ``[cx, cy, w, h, (objectness,) class scores...]``, then class-wise NMS.

    Darknet through OpenCV emits normalised rows with objectness (``objectness=True``,
    ``normalized=True``); YOLOv8 ONNX exports emit (1, 4+C, N) in input pixels without objectness:
    pass it transposed with ``objectness=False, normalized=False, input_size=(h, w)``.
    """
    rows = np.asarray(output, dtype=np.float64)
    rows = rows.reshape(-1, rows.shape[-1])
    head = 5 if objectness else 4
    class_scores = rows[:, head:]
    if objectness:
        class_scores = class_scores * rows[:, 4:5]
    if class_scores.shape[1] == 0:
        return PredictedObjects.empty()
    class_ids = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), class_ids]
    keep = scores >= conf
    rows, class_ids, scores = rows[keep], class_ids[keep], scores[keep]
    if normalized:
        sx, sy = float(width), float(height)
    else:
        ih, iw = input_size if input_size is not None else (height, width)
        sx, sy = width / iw, height / ih
    cx, cy, w, h = rows[:, 0] * sx, rows[:, 1] * sy, rows[:, 2] * sx, rows[:, 3] * sy
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    xyxy = np.clip(xyxy, 0, [width, height, width, height])
    # Class-wise NMS by offsetting each class far apart, as torchvision's batched_nms does.
    offset = class_ids[:, None] * (max(width, height) + 1.0)
    kept = nms(xyxy + offset, scores, nms_iou)
    ids = class_ids[kept].astype(np.int64)
    return PredictedObjects(xyxy[kept], scores[kept], ids, _names(ids, class_names))


def from_class_scores(
    scores: npt.ArrayLike,
    class_names: Sequence[str],
    name: str = "class",
    softmax: bool = False,
) -> Classification:
    """A single-choice classification from one image's class scores: the best class, its
    probability as the confidence of both the answer and the classification. ``softmax=True`` for
    heads that emit logits (a quantised head's probabilities do not sum exactly to one, so this is
    the model's description to give, not something to guess from the values).
    """
    probs = np.asarray(scores, dtype=np.float64).reshape(-1)
    if softmax:
        exp = np.exp(probs - probs.max())
        probs = exp / exp.sum()
    best = int(probs.argmax())
    label = class_names[best] if best < len(class_names) else str(best)
    confidence = float(probs[best])
    return Classification.single(name, Answer(label, confidence=confidence), confidence=confidence)


def from_person_mask(
    probabilities: npt.ArrayLike,
    threshold: float = 0.5,
    class_name: str = "person",
) -> PredictedObjects:
    """One object from a per-pixel foreground probability map (H, W) already at image size.

    Its score is the mean probability over the mask's pixels; no object when no pixel passes.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    mask = probs >= threshold
    if not mask.any():
        return PredictedObjects.empty()
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    xyxy = np.array([[xs[0], ys[0], xs[-1] + 1, ys[-1] + 1]], dtype=np.float64)
    return PredictedObjects(
        xyxy,
        np.array([probs[mask].mean()]),
        np.zeros(1, np.int64),
        [class_name],
        masks=mask[None],
    )
