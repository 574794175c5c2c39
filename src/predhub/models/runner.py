"""The contract between the prediction pipeline and an adapter.

An adapter splits its work in two so that the pipeline can overlap them: :meth:`Runner.prepare`
(resize, normalise: pure CPU work on one decoded image) runs in the loading thread, and
:meth:`Runner.run` (the framework call and the decoding of its output) in the inference thread.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from predhub.core import Classification
from predhub.models.framework import Framework
from predhub.models.objects import PredictedObjects

__all__ = ["ModelOutput", "PredictOptions", "Runner", "Task"]

Prepared = TypeVar("Prepared")
ImageArray = npt.NDArray[np.uint8]


class Task(enum.StrEnum):
    DETECTION = "detection"  # boxes
    CLASSIFICATION = "classification"  # one single-choice answer per image
    SEGMENTATION = "segmentation"  # masks
    OCR = "ocr"  # polygons with the text read in each
    CUSTOM = "custom"  # whatever a Python callable returns


@dataclass(frozen=True, slots=True)
class PredictOptions:
    """predict()'s arguments once checked: ``img_size`` is (height, width) or the model's own."""

    img_size: tuple[int, int] | None = None
    conf: float | None = None
    classes: tuple[str, ...] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ModelOutput:
    """What a model says about one image."""

    objects: PredictedObjects = field(default_factory=PredictedObjects.empty)
    classifications: list[Classification] = field(default_factory=list)


class Runner(ABC, Generic[Prepared]):
    """A loaded model. Subclasses set the attributes and implement :meth:`run`."""

    name: str = "model"
    version: str | None = None
    framework: Framework = Framework.PYTHON
    task: Task = Task.CUSTOM
    class_names: Sequence[str] = ()
    device: str = "cpu"
    #: Objects scoring below this are dropped when predict() gets no ``conf``.
    default_conf: float | None = None
    #: Settings this model reads, with their defaults; predict(settings=...) may only name these.
    default_settings: Mapping[str, Any] = {}
    #: Images per framework call when predict() gets no ``batch_size``.
    preferred_batch_size: int = 1

    def prepare(self, image: ImageArray, options: PredictOptions) -> Prepared:
        """CPU pre-processing of one decoded RGB (H, W, 3) image; runs in the loading thread."""
        return image  # type: ignore[return-value]

    @abstractmethod
    def run(self, batch: Sequence[Prepared], options: PredictOptions) -> list[ModelOutput]:
        """One output per prepared image, in order."""

    def close(self) -> None:
        """Release the framework's resources."""
