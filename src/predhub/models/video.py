"""Which frames of a video to predict on, and reading just those frames.

One object says it all, instead of a loose dict of ``video_params`` (the Supervisely reviewer's
ask): a start and an end, each as a frame index or a time in seconds, a stride, and a cap.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from predhub.models.errors import InputError

__all__ = ["VIDEO_EXTENSIONS", "FrameSelection", "Video", "read_frame", "read_frames", "video_info"]

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})


@dataclass(frozen=True, slots=True)
class FrameSelection:
    """Frames ``start, start + stride, ...`` before ``end``, at most ``max_frames`` of them.

    Give the start as ``start_frame`` or ``start_time`` (seconds), the end (exclusive) as
    ``end_frame`` or ``end_time``; all optional. ``FrameSelection()`` is every frame.
    """

    stride: int = 1
    start_frame: int | None = None
    end_frame: int | None = None
    start_time: float | None = None
    end_time: float | None = None
    max_frames: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.stride, int) or self.stride < 1:
            raise InputError("frames.stride", f"must be a positive integer, got {self.stride!r}")
        if self.start_frame is not None and self.start_time is not None:
            raise InputError("frames.start_frame", "give start_frame or start_time, not both")
        if self.end_frame is not None and self.end_time is not None:
            raise InputError("frames.end_frame", "give end_frame or end_time, not both")
        for name in ("start_frame", "end_frame", "max_frames"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InputError(f"frames.{name}", f"must be a non-negative integer, got {value!r}")
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise InputError(f"frames.{name}", f"must be a non-negative number of seconds, got {value!r}")

    def indices(self, frame_count: int, fps: float) -> range:
        """The selected frame indices of a video with ``frame_count`` frames at ``fps``."""
        start = self.start_frame if self.start_frame is not None else 0
        if self.start_time is not None:
            start = math.ceil(self.start_time * fps - 1e-9)
        end = frame_count
        if self.end_frame is not None:
            end = min(end, self.end_frame)
        if self.end_time is not None:
            end = min(end, math.ceil(self.end_time * fps - 1e-9))
        frames = range(start, max(start, end), self.stride)
        return frames if self.max_frames is None else frames[: self.max_frames]


@dataclass(frozen=True, slots=True)
class Video:
    """A video input with its own frame selection, for lists mixing videos and images."""

    path: str | Path
    frames: FrameSelection = FrameSelection()


def video_info(path: Path, field: str = "input") -> tuple[int, float]:
    """(frame count, frames per second); raises ``InputError`` when OpenCV cannot open it."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputError(field, f"cannot open video {str(path)!r}")
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(capture.get(cv2.CAP_PROP_FPS)) or 25.0
        return max(count, 0), fps
    finally:
        capture.release()


def read_frames(path: Path, frames: range) -> Iterator[tuple[int, np.ndarray]]:
    """The selected frames as RGB arrays, in order; skipped frames are grabbed, never decoded."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not frames:
            return
        position = 0
        if frames.start > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, frames.start)
            position = int(capture.get(cv2.CAP_PROP_POS_FRAMES))
            if position != frames.start:  # the container cannot seek exactly: read from the start
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                position = 0
        wanted = iter(frames)
        target = next(wanted, None)
        while target is not None:
            if position < target:
                if not capture.grab():
                    return
                position += 1
                continue
            ok, bgr = capture.read()
            position += 1
            if not ok:
                return
            yield target, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            target = next(wanted, None)
    finally:
        capture.release()


def read_frame(path: Path, index: int) -> np.ndarray:
    """One frame as an RGB array."""
    for _, frame in read_frames(path, range(index, index + 1)):
        return frame
    raise InputError("frame_index", f"{str(path)!r} has no frame {index}")
