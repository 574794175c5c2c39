"""Drawing a prediction on its image: masks blended in, boxes or polygons outlined, captions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from predhub.models.runner import ImageArray

if TYPE_CHECKING:
    from PIL import Image

    from predhub.models.prediction import Prediction

__all__ = ["PALETTE", "draw_prediction"]

PALETTE = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40),
)  # fmt: skip


def _colour(name: str) -> tuple[int, int, int]:
    # Stable across runs (unlike hash()), so a class keeps its colour from one image to the next.
    return PALETTE[sum(name.encode()) % len(PALETTE)]


def draw_prediction(image: ImageArray, prediction: Prediction, alpha: float = 0.45) -> Image.Image:
    from PIL import Image, ImageDraw

    canvas = image.astype(np.float32)
    objects = prediction.objects
    if objects.masks is not None:
        for mask, name in zip(objects.masks, objects.class_names, strict=True):
            if mask.shape == canvas.shape[:2]:
                canvas[mask] = canvas[mask] * (1 - alpha) + np.asarray(_colour(str(name))) * alpha
    out = Image.fromarray(canvas.clip(0, 255).astype(np.uint8))
    pen = ImageDraw.Draw(out)
    width = max(2, round(max(image.shape[:2]) / 300))
    for i in range(len(objects)):
        name = str(objects.class_names[i])
        colour = _colour(name)
        x0, y0, x1, y1 = (float(v) for v in objects.xyxy[i])
        if objects.polygons is not None:
            pen.polygon([tuple(p) for p in objects.polygons[i]], outline=colour, width=width)
        else:
            pen.rectangle((x0, y0, x1, y1), outline=colour, width=width)
        caption = f"{name} {objects.scores[i]:.2f}"
        if objects.texts is not None:
            caption = f"{objects.texts[i]} {objects.scores[i]:.2f}"
        left, top, right, bottom = pen.textbbox((x0, y0), caption)
        lift = bottom - top + 4
        pen.rectangle(
            (x0, y0 - lift if y0 >= lift else y0, x0 + right - left + 4, y0 if y0 >= lift else y0 + lift),
            fill=colour,
        )
        pen.text((x0 + 2, y0 - lift + 1 if y0 >= lift else y0 + 1), caption, fill=(255, 255, 255))
    for j, c in enumerate(prediction.classifications):
        pen.text((6, 6 + 14 * j), f"{c.name}: {c.answer} {c.confidence or 0:.2f}", fill=(255, 255, 255))
    return out
