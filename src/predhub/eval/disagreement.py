"""How much two label sets disagree on each sample, and which ground-truth objects look mislabeled.

Per-sample disagreement (documented in docs/evaluation.md). Over the match table at an IoU threshold
(0.5 by default) and confidence, each ground-truth object weighs 1 and each prediction weighs its
confidence ``s`` (so low-confidence clutter counts little). Disagreement mass:

- a ground-truth object nothing matched: 1
- a prediction that matched nothing: ``s``
- a prediction matched to an object of another class: ``1 + s``
- a same-class match: ``(1 + s) * (1 - IoU)`` — a sloppy box disagrees a little

The score is that mass over the total weight ``n_gt + sum(s)``, so it lies in [0, 1] and busy images
do not float to the top by size alone: 0 means full agreement, 1 that nothing agrees.

Likely mislabeled (per ground-truth object): ``max(0, contradiction - support)``, where ``support`` is
the best ``s * IoU`` of a same-class prediction on the object and ``contradiction`` the best
``s * IoU`` of a prediction of another class — high when a confident prediction covers the object
well but calls it something else and nothing of its own class backs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.eval.detection_results import DetectionEvaluation
from predhub.eval.match_table import ImagePairs, MatchTable, image_pairs, match_table

__all__ = ["SampleDisagreement", "likely_mislabeled", "sample_disagreement", "unsupported_predictions"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(slots=True)
class SampleDisagreement:
    """One row per evaluated image (sample)."""

    image_ids: I64
    score: F64  # disagreement in [0, 1]
    mass: F64  # the un-normalised disagreement
    weight: F64  # n_gt + sum of confidences
    matched: I64  # same-class matches
    confused: I64  # matches across classes
    missed: I64  # ground truth nothing matched
    spurious: I64  # predictions that matched nothing

    def ranking(self) -> I64:
        """Image ids, most disagreeing first (ties: larger mass, then id)."""
        order = np.lexsort((self.image_ids, -self.mass, -self.score))
        return self.image_ids[order]

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_ids": self.image_ids.tolist(),
            "score": self.score.tolist(),
            "mass": self.mass.tolist(),
            "matched": self.matched.tolist(),
            "confused": self.confused.tolist(),
            "missed": self.missed.tolist(),
            "spurious": self.spurious.tolist(),
        }


def sample_disagreement(
    ev: DetectionEvaluation, iou: float = 0.5, confidence: float = 0.0, table: MatchTable | None = None
) -> SampleDisagreement:
    table = table if table is not None else match_table(ev, iou, confidence)
    n_img = len(ev.image_ids)
    s = ev.dt.score
    used = table.dt_used
    has = used & (table.dt_partner >= 0)
    same = has & ~table.cross_class
    cross = has & table.cross_class
    spurious = used & (table.dt_partner < 0)
    missed = table.gt_used & (table.gt_partner < 0)
    dimg, gimg = ev.dt.image, ev.gt.image

    def per_image(mask: npt.NDArray[np.bool_], img: I64, weights: F64 | None = None) -> F64:
        return np.bincount(
            img[mask], weights=None if weights is None else weights[mask], minlength=n_img
        ).astype(np.float64)

    mass = (
        per_image(missed, gimg)
        + per_image(spurious, dimg, s)
        + per_image(cross, dimg, 1 + s)
        + per_image(same, dimg, (1 + s) * (1 - table.dt_iou))
    )
    weight = per_image(table.gt_used, gimg) + per_image(used, dimg, s)
    score = np.divide(mass, weight, out=np.zeros(n_img), where=weight > 0)
    return SampleDisagreement(
        image_ids=ev.image_ids.copy(),
        score=score,
        mass=mass,
        weight=weight,
        matched=per_image(same, dimg).astype(np.int64),
        confused=per_image(cross, dimg).astype(np.int64),
        missed=per_image(missed, gimg).astype(np.int64),
        spurious=per_image(spurious, dimg).astype(np.int64),
    )


def likely_mislabeled(ev: DetectionEvaluation, pairs: ImagePairs | None = None) -> F64:
    """(G,) score in [0, 1] per evaluated ground-truth object (crowd regions 0); see the module doc."""
    pairs = pairs if pairs is not None else image_pairs(ev)
    g, d = pairs.gt_row, pairs.dt_row
    strength = ev.dt.score[d] * np.clip(pairs.iou, 0, 1)
    same = ev.gt.category[g] == ev.dt.category[d]
    support = np.zeros(len(ev.gt))
    contradiction = np.zeros(len(ev.gt))
    np.maximum.at(support, g[same], strength[same])
    np.maximum.at(contradiction, g[~same], strength[~same])
    out = np.maximum(contradiction - support, 0.0)
    out[ev.gt.crowd] = 0.0
    return out


def unsupported_predictions(ev: DetectionEvaluation, pairs: ImagePairs | None = None) -> F64:
    """(D,) ``s * (1 - best IoU with any regular ground-truth object)``: confident predictions where
    the ground truth has nothing — candidates for a missing annotation."""
    pairs = pairs if pairs is not None else image_pairs(ev)
    regular = ~ev.gt.crowd[pairs.gt_row]
    best = np.zeros(len(ev.dt))
    np.maximum.at(best, pairs.dt_row[regular], np.clip(pairs.iou[regular], 0, 1))
    out: F64 = ev.dt.score * (1 - best)
    return out
