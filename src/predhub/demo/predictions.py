"""Where the demo's prediction set comes from.

A :class:`PredictionSource` turns the demo images into one prediction run. Today the demo uses
:class:`ShippedPredictions`, a hand-written file (no model runs); a real detector (issue 5) only has
to implement the same protocol and be passed as ``run_demo(..., predictions=detector)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from predhub.demo.images import DemoImage

__all__ = ["PredictionRun", "PredictionSource", "ShippedPredictions", "load_data"]


def load_data(name: str) -> dict[str, Any]:
    """One of the JSON files shipped in ``predhub/demo/data``."""
    data: dict[str, Any] = json.loads((resources.files("predhub.demo") / "data" / name).read_text())
    return data


@dataclass(frozen=True, slots=True)
class PredictionRun:
    """One model run over the demo images: what to call the label set, and the labels (wire dicts)."""

    label_set: str
    model_name: str
    model_version: str | None
    labels: list[dict[str, Any]]
    description: str = ""
    class_mapping: dict[str, str] | None = None


class PredictionSource(Protocol):
    def predict(self, images: Sequence[DemoImage]) -> PredictionRun: ...


class ShippedPredictions:
    """The prediction file that ships with predhub (``demo/data/predictions.json``), written by hand."""

    def predict(self, images: Sequence[DemoImage]) -> PredictionRun:
        data = load_data("predictions.json")
        keys = {image.key for image in images}
        return PredictionRun(
            label_set="predictions",
            model_name=data["model_name"],
            model_version=data.get("model_version"),
            labels=[label for label in data["labels"] if label["sample"] in keys],
            description=data.get("about", ""),
        )
