"""Confusion matrices with a background row and column, and the objects behind every cell.

Rows are the true (ground-truth) class, columns the predicted class; the last row and column are
``background``: a missed ground-truth object counts in (its class, background), a prediction that
matches nothing in (background, its class). Each cell remembers its objects, so a gallery can show
"the 12 cats predicted as dogs" (FiftyOne keeps the ids behind each cell the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.eval.detection_results import DetectionEvaluation
from predhub.eval.match_table import MatchTable, match_table

__all__ = ["BACKGROUND", "ConfusionMatrix", "detection_confusion"]

I64 = npt.NDArray[np.int64]

BACKGROUND = "background"


@dataclass(slots=True)
class ConfusionMatrix:
    """``matrix[i, j]``: how many objects of true class ``classes[i]`` were predicted as ``classes[j]``.

    ``true_ids`` / ``pred_ids`` hold, per counted entry, the ids of the objects behind it (None where
    that side is background); ``cell_rows`` / ``cell_cols`` its cell. Ids are whatever the inputs
    carried: COCO annotation ids, 1-based result positions, or predhub object ids.
    """

    classes: list[str]  # the last one is BACKGROUND
    matrix: I64
    cell_rows: I64
    cell_cols: I64
    true_ids: npt.NDArray[Any]
    pred_ids: npt.NDArray[Any]

    def _index(self, name: str) -> int:
        if name not in self.classes:
            raise KeyError(f"unknown class {name!r}; classes are {self.classes}")
        return self.classes.index(name)

    def objects(self, true_class: str, predicted_class: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """(ground-truth ids, prediction ids) of the entries in one cell; None for background."""
        hit = (self.cell_rows == self._index(true_class)) & (self.cell_cols == self._index(predicted_class))
        return self.true_ids[hit], self.pred_ids[hit]

    def to_dict(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "matrix": self.matrix.tolist()}

    def __str__(self) -> str:
        width = max(8, *(len(c) for c in self.classes)) + 1
        head = "true \\ pred".ljust(width) + "".join(c[: width - 1].rjust(width) for c in self.classes)
        rows = [
            name.ljust(width) + "".join(str(v).rjust(width) for v in row)
            for name, row in zip(self.classes, self.matrix.tolist(), strict=True)
        ]
        return "\n".join([head, *rows])


def _from_entries(
    classes: list[str], rows: I64, cols: I64, true_ids: npt.NDArray[Any], pred_ids: npt.NDArray[Any]
) -> ConfusionMatrix:
    n = len(classes)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (rows, cols), 1)
    return ConfusionMatrix(classes, matrix, rows, cols, true_ids, pred_ids)


def _keys_or_none(keys: Any, rows: I64) -> npt.NDArray[Any]:
    out = np.full(len(rows), None, dtype=object)
    hit = rows >= 0
    if hit.any():
        out[hit] = keys(rows[hit])
    return out


def detection_confusion(
    ev: DetectionEvaluation, iou: float = 0.5, confidence: float = 0.0, table: MatchTable | None = None
) -> ConfusionMatrix:
    """The confusion matrix of a detection evaluation at one IoU threshold and confidence
    (see :mod:`predhub.eval.match_table` for how objects are paired across classes)."""
    table = table if table is not None else match_table(ev, iou, confidence)
    k = len(ev.category_names)
    bg = k
    dt_rows = np.flatnonzero(table.dt_used)
    matched = dt_rows[table.dt_partner[dt_rows] >= 0]
    unmatched_dt = dt_rows[table.dt_partner[dt_rows] < 0]
    unmatched_gt = np.flatnonzero(table.gt_used & (table.gt_partner < 0))
    partner_gt = table.dt_partner[matched]
    rows = np.concatenate(
        [ev.gt.category[partner_gt], np.full(len(unmatched_dt), bg), ev.gt.category[unmatched_gt]]
    )
    cols = np.concatenate(
        [ev.dt.category[matched], ev.dt.category[unmatched_dt], np.full(len(unmatched_gt), bg)]
    )
    # -1 rows stand for background; keys are predhub object ids or COCO ids
    true_rows = np.concatenate([partner_gt, np.full(len(unmatched_dt), -1), unmatched_gt]).astype(np.int64)
    pred_rows = np.concatenate([matched, unmatched_dt, np.full(len(unmatched_gt), -1)]).astype(np.int64)
    true_ids = _keys_or_none(ev.gt_keys, true_rows)
    pred_ids = _keys_or_none(ev.dt_keys, pred_rows)
    return _from_entries(
        [*ev.category_names, BACKGROUND], rows.astype(np.int64), cols.astype(np.int64), true_ids, pred_ids
    )
