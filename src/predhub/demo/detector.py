"""The demo's prediction run from a real detector: SSD MobileNet v2 (COCO) through OpenCV DNN.

Implements :class:`~predhub.demo.predictions.PredictionSource`, so the demo runs it with
``run_demo(..., predictions=DetectorPredictions())`` in place of the hand-written file. Objects of
classes the demo's ontology does not have (a "bowl" under the coffee cup) are left out, so that
every uploaded label is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from predhub.core import Ontology
from predhub.core.serde import label_to_dict
from predhub.demo.images import DemoImage
from predhub.demo.predictions import PredictionRun, load_data
from predhub.models import DEFAULT_DETECTOR, Prediction, deploy

__all__ = ["DetectorPredictions", "describe"]


class DetectorPredictions:
    """``say`` gets one line per photo: what the detector found there."""

    def __init__(
        self,
        model: str = DEFAULT_DETECTOR,
        conf: float = 0.4,
        say: Callable[[str], None] | None = None,
        label_set: str = "predictions",
    ) -> None:
        self.model = model
        self.conf = conf
        self.say = say
        self.label_set = label_set
        self.predictions: list[Prediction] = []

    def predict(self, images: Sequence[DemoImage]) -> PredictionRun:
        ontology = Ontology.from_dict(load_data("ontology.json"))
        handle = deploy(self.model, reuse=True)
        wanted = [name for name in ontology.class_names if name in handle.class_names]
        self.predictions = handle.predict([image.path for image in images], classes=wanted, conf=self.conf)
        labels = [
            label_to_dict(p.to_label(sample_key=image.key))
            for p, image in zip(self.predictions, images, strict=True)
        ]
        if self.say is not None:
            self.say(f"{handle.name} ({handle.framework.value}, {handle.device}) found:")
            for line in describe(self.predictions):
                self.say(f"  {line}")
        return PredictionRun(
            label_set=self.label_set,
            model_name=handle.name,
            model_version=handle.version,
            labels=labels,
            description=f"{handle.name} run on the demo photos by predhub (OpenCV DNN, conf >= {self.conf})",
        )


def describe(predictions: Sequence[Prediction]) -> list[str]:
    """One line per image: what the detector found there."""
    lines = []
    for p in predictions:
        found = ", ".join(f"{c} {s:.2f}" for c, s in zip(p.classes, p.scores, strict=True)) or "nothing"
        lines.append(f"{p.key}: {found}")
    return lines
