"""PP-OCRv4 text detection (DB) and recognition (CRNN + CTC), as the ONNX files rapidocr ships.

We run the two ONNX graphs through :func:`~predhub.models.adapters.onnx_runtime.create_session`
ourselves rather than through rapidocr's pipeline: the same provider choice (GPU when onnxruntime
has one) as every other ONNX model, pre-processing in the loading thread like every other adapter,
and no dependence on rapidocr's Python API (which changed across 1.x releases); the ~120 lines
below follow PaddleOCR's ``DBPostProcess`` and ``CTCLabelDecode``. The 180° text-direction
classifier is not run: text is assumed upright.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from predhub.models.adapters.onnx_runtime import create_session, nchw
from predhub.models.device import Device
from predhub.models.framework import Framework
from predhub.models.objects import PredictedObjects
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner, Task
from predhub.models.zoo.files import package_file

__all__ = ["PPOCRRunner"]

FloatArray = npt.NDArray[np.float32]

# rapidocr's config.yaml values for PP-OCRv4.
_LIMIT_SIDE = 736  # the shorter side is scaled up to at least this
_MAX_SIDE = 2000
_BIN_THRESHOLD = 0.3
_BOX_THRESHOLD = 0.5
_UNCLIP_RATIO = 1.6
_REC_HEIGHT = 48
_REC_MIN_WIDTH = 320


@dataclass(slots=True)
class _Page:
    image: ImageArray  # original RGB
    det_input: FloatArray  # (3, h, w), BGR normalised to [-1, 1]


def _det_size(h: int, w: int) -> tuple[int, int]:
    ratio = max(1.0, _LIMIT_SIDE / min(h, w))
    ratio = min(ratio, _MAX_SIDE / max(h, w)) if max(h, w) * ratio > _MAX_SIDE else ratio
    return max(32, round(h * ratio / 32) * 32), max(32, round(w * ratio / 32) * 32)


def _order_clockwise(points: FloatArray) -> FloatArray:
    # Top-left, top-right, bottom-right, bottom-left, as PaddleOCR's get_mini_boxes orders them.
    by_x = points[np.argsort(points[:, 0])]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _text_boxes(prob: FloatArray, width: int, height: int) -> list[FloatArray]:
    """DBPostProcess: binarise, dilate, one rotated rectangle per blob, scored, grown, rescaled."""
    import cv2

    bitmap = cv2.dilate((prob > _BIN_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    ph, pw = prob.shape
    boxes = []
    for contour in contours[:1000]:
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        if min(rw, rh) < 3:
            continue
        quad = cv2.boxPoints(((cx, cy), (rw, rh), angle)).astype(np.float32)
        # "fast" box score: mean probability under the quadrilateral.
        x0, y0 = np.clip(np.floor(quad.min(0)).astype(int), 0, [pw - 1, ph - 1])
        x1, y1 = np.clip(np.ceil(quad.max(0)).astype(int), 0, [pw - 1, ph - 1])
        mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
        cv2.fillPoly(mask, [(quad - [x0, y0]).astype(np.int32)], 1)
        if cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0] < _BOX_THRESHOLD:
            continue
        # Unclip: the offset polygon of a rectangle by d = area * ratio / perimeter is the rectangle
        # grown by d on every side (pyclipper's round corners fall away in the next minAreaRect).
        d = rw * rh * _UNCLIP_RATIO / (2 * (rw + rh))
        grown = (rw + 2 * d, rh + 2 * d)
        if min(grown) < 5:
            continue
        quad = _order_clockwise(np.asarray(cv2.boxPoints(((cx, cy), grown, angle)), np.float32))
        quad[:, 0] = np.clip(quad[:, 0] * width / pw, 0, width)
        quad[:, 1] = np.clip(quad[:, 1] * height / ph, 0, height)
        boxes.append(quad)
    # Reading order: top to bottom, then left to right.
    return sorted(boxes, key=lambda q: (round(float(q[0, 1]) / 10), float(q[0, 0])))


def _crop(image: ImageArray, quad: FloatArray) -> ImageArray:
    """The quadrilateral warped to an upright rectangle (PaddleOCR's get_rotate_crop_image)."""
    import cv2

    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    crop = cv2.warpPerspective(
        image, cv2.getPerspectiveTransform(quad, target), (max(w, 1), max(h, 1)),
        borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC,
    )  # fmt: skip
    if crop.shape[0] / max(crop.shape[1], 1) >= 1.5:
        crop = np.rot90(crop)  # a vertical line of text
    return np.ascontiguousarray(crop)


class PPOCRRunner(Runner[_Page]):
    name = "ppocr-v4"
    version = "PP-OCRv4 (rapidocr-onnxruntime 1.4.4)"
    framework = Framework.ONNX
    task = Task.OCR
    class_names = ("text",)
    default_conf = 0.5  # rapidocr's text_score

    def __init__(self, device: Device = "auto") -> None:
        det = package_file(
            "rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx", "rapidocr-onnxruntime"
        )
        rec = package_file(
            "rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx", "rapidocr-onnxruntime"
        )
        self._det, self.device = create_session(det, device)
        self._rec, _ = create_session(rec, device)
        # The recogniser carries its alphabet in the ONNX metadata; index 0 is the CTC blank.
        alphabet = self._rec.get_modelmeta().custom_metadata_map["character"].splitlines()
        self._alphabet = ["", *alphabet, " "]

    def prepare(self, image: ImageArray, options: PredictOptions) -> _Page:
        import cv2

        h, w = _det_size(image.shape[0], image.shape[1])
        resized = np.asarray(cv2.resize(image, (w, h)), np.uint8)[..., ::-1]  # PaddleOCR was trained on BGR
        return _Page(image, nchw(resized, (127.5, 127.5, 127.5), 1 / 127.5))

    def run(self, batch: Sequence[_Page], options: PredictOptions) -> list[ModelOutput]:
        return [self._page(page) for page in batch]

    def _page(self, page: _Page) -> ModelOutput:
        prob = self._det.run(None, {"x": page.det_input[None]})[0][0, 0]
        quads = _text_boxes(prob, page.image.shape[1], page.image.shape[0])
        if not quads:
            return ModelOutput()
        texts, scores = self._read([_crop(page.image, q) for q in quads])
        xyxy = np.array([[*q.min(0), *q.max(0)] for q in quads], dtype=np.float64)
        return ModelOutput(
            PredictedObjects(
                xyxy,
                scores,
                np.zeros(len(quads), np.int64),
                ["text"] * len(quads),
                polygons=[q.astype(np.float64) for q in quads],
                texts=texts,
            )
        )

    def _read(self, crops: list[ImageArray]) -> tuple[list[str], npt.NDArray[np.float64]]:
        """CRNN + greedy CTC decoding, all crops of a page in one batch padded to the widest."""
        import cv2

        ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
        width = int(_REC_HEIGHT * max(_REC_MIN_WIDTH / _REC_HEIGHT, *ratios))
        batch = np.zeros((len(crops), 3, _REC_HEIGHT, width), np.float32)
        for i, (crop, ratio) in enumerate(zip(crops, ratios, strict=True)):
            w = min(width, math.ceil(_REC_HEIGHT * ratio))
            resized = cv2.resize(crop, (w, _REC_HEIGHT))[..., ::-1]
            batch[i, :, :, :w] = nchw(resized, (127.5, 127.5, 127.5), 1 / 127.5)
        probs = self._rec.run(None, {"x": batch})[0]  # (B, T, alphabet)
        best, best_p = probs.argmax(axis=2), probs.max(axis=2)
        texts, scores = [], []
        for ids, ps in zip(best, best_p, strict=True):
            # CTC: collapse repeats, drop blanks.
            keep = np.concatenate(([True], ids[1:] != ids[:-1])) & (ids != 0)
            texts.append("".join(self._alphabet[i] for i in ids[keep] if i < len(self._alphabet)))
            scores.append(float(ps[keep].mean()) if keep.any() else 0.0)
        return texts, np.asarray(scores)
