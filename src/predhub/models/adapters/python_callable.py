"""A plain Python model: a function of one image, or an object with a batch ``predict``.

It may return :class:`PredictedObjects`, a :class:`ModelOutput`, core ``Object``/``Classification``
values (one or a list), or a dict of columns (``xyxy``, ``scores``/``confidence``, ``class_names``
or ``class_ids``) as supervision and most detectors lay them out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from predhub.core import Box, Classification, Mask, Object, Polygon
from predhub.models.errors import ModelError
from predhub.models.framework import Framework
from predhub.models.objects import PredictedObjects
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner, Task

__all__ = ["CallableRunner", "to_output"]


def _from_objects(objects: Sequence[Object]) -> PredictedObjects:
    if not objects:
        return PredictedObjects.empty()
    boxes = []
    for o in objects:
        g = o.geometry
        b = g if isinstance(g, Box) else g.bounds() if isinstance(g, Mask | Polygon) else None
        if b is None:
            raise ModelError(
                f"model returned a {type(g).__name__} object; predictions hold boxes, masks, polygons"
            )
        boxes.append(b.xyxy)
    kinds = {type(o.geometry) for o in objects}
    if len(kinds) > 1:
        raise ModelError(f"model returned objects of mixed geometry {sorted(k.__name__ for k in kinds)}")
    names = [o.class_name for o in objects]
    table = sorted(set(names))
    masks = polygons = None
    if kinds == {Mask}:
        masks = np.stack([o.geometry.to_array() for o in objects])  # type: ignore[union-attr]
    elif kinds == {Polygon}:
        polygons = [o.geometry.points for o in objects]  # type: ignore[union-attr]
    return PredictedObjects(
        np.asarray(boxes),
        np.asarray([o.confidence for o in objects]),
        np.asarray([table.index(n) for n in names]),
        names,
        masks=masks,
        polygons=polygons,
    )


def _from_columns(data: Mapping[str, Any], class_names: Sequence[str]) -> PredictedObjects:
    if "xyxy" not in data:
        raise ModelError(f"model returned a dict without 'xyxy' (keys: {sorted(data)})")
    xyxy = np.asarray(data["xyxy"], dtype=np.float64).reshape(-1, 4)
    scores = data.get("scores", data.get("confidence", np.ones(len(xyxy))))
    if "class_names" in data:
        names = list(data["class_names"])
        ids = data.get("class_ids", [class_names.index(n) if n in class_names else -1 for n in names])
    else:
        ids = np.asarray(data.get("class_ids", np.zeros(len(xyxy))), dtype=np.int64)
        names = [class_names[i] if 0 <= i < len(class_names) else str(int(i)) for i in ids]
    return PredictedObjects(xyxy, scores, ids, names, masks=data.get("masks"), texts=data.get("texts"))


def to_output(result: Any, class_names: Sequence[str] = ()) -> ModelOutput:
    """Whatever a Python model returned for one image, as a :class:`ModelOutput`."""
    if isinstance(result, ModelOutput):
        return result
    if isinstance(result, PredictedObjects):
        return ModelOutput(result)
    if isinstance(result, Classification):
        return ModelOutput(classifications=[result])
    if isinstance(result, Object):
        return ModelOutput(_from_objects([result]))
    if isinstance(result, Mapping):
        return ModelOutput(_from_columns(result, class_names))
    if isinstance(result, list | tuple):
        objects = [r for r in result if isinstance(r, Object)]
        classifications = [r for r in result if isinstance(r, Classification)]
        if len(objects) + len(classifications) != len(result):
            raise ModelError("model returned a list holding something other than Objects and Classifications")
        return ModelOutput(_from_objects(objects), classifications)
    if result is None:
        return ModelOutput()
    raise ModelError(f"model returned a {type(result).__name__}; see predhub.models.adapters.python_callable")


class CallableRunner(Runner[ImageArray]):
    framework = Framework.PYTHON
    task = Task.CUSTOM

    def __init__(self, model: Any, name: str | None = None, version: str | None = None) -> None:
        batch = getattr(model, "predict", None)
        if not callable(batch) and not callable(model):
            raise ModelError(f"model: a {type(model).__name__} is neither callable nor has predict()")
        self._batch: Callable[[list[ImageArray]], Sequence[Any]] | None = batch if callable(batch) else None
        self._single: Callable[[ImageArray], Any] | None = None if callable(batch) else model
        self.model = model
        self.name = str(
            name or getattr(model, "name", None) or getattr(model, "__name__", type(model).__name__)
        )
        self.version = version or getattr(model, "version", None)
        self.class_names = list(getattr(model, "class_names", ()))
        self.preferred_batch_size = int(getattr(model, "batch_size", 8 if self._batch else 1))

    def run(self, batch: Sequence[ImageArray], options: PredictOptions) -> list[ModelOutput]:
        if self._batch is not None:
            results = list(self._batch(list(batch)))
            if len(results) != len(batch):
                raise ModelError(f"model.predict returned {len(results)} results for {len(batch)} images")
        else:
            assert self._single is not None
            results = [self._single(image) for image in batch]
        return [to_output(r, self.class_names) for r in results]
