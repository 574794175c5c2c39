"""Helpers the model tests share: a small real Python model and a video writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from predhub.models import PredictedObjects

__all__ = ["Brightness", "frame_of", "write_video"]


class Brightness:
    """A real (if simple) Python model: one object per image, the whole frame, classed by its
    brightest channel and scored by its mean brightness, so a test can tell which pixels it saw."""

    name = "brightness"
    version = "1"
    class_names = ("red", "green", "blue")

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, images: list[np.ndarray]) -> list[PredictedObjects]:
        self.calls.append(len(images))
        out = []
        for image in images:
            h, w = image.shape[:2]
            channel = int(image.reshape(-1, 3).mean(axis=0).argmax())
            out.append(
                PredictedObjects(
                    np.array([[0, 0, w, h]]),
                    np.array([image.mean() / 255.0]),
                    np.array([channel]),
                    [self.class_names[channel]],
                )
            )
        return out


def write_video(path: Path, frames: int, fps: float = 10.0, size: tuple[int, int] = (64, 48)) -> Path:
    """An MJPG video whose frame i is a flat grey of level 4 * i (so frame i is recognisable)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 4 * i, np.uint8))
    writer.release()
    return path


def frame_of(prediction: object) -> int:
    """Which frame the Brightness model saw, from the grey level it scored."""
    return round(float(prediction.scores[0]) * 255 / 4)  # type: ignore[attr-defined]
