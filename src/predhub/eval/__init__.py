"""Evaluation: any label set measured against any other — COCO-exact detection metrics, confusion,
disagreement, classification, free text and semantic segmentation.

Pure: numpy columns and the neutral core in, result dataclasses out. No plotting, no database.
One entry point per task:

- :func:`evaluate_coco_files` / :func:`evaluate_coco` — COCO JSON, identical to pycocotools' COCOeval
- :func:`evaluate_detections` — predhub labels through the same evaluation
- :func:`detection_confusion`, :func:`sample_disagreement`, :func:`likely_mislabeled`,
  :func:`object_metrics` — reports computed from a :class:`DetectionEvaluation`
- :func:`evaluate_label_sets` — all of the above for two label sets, with rows ready to store
- :func:`evaluate_classifications` — single/multiple choice (nested) and free text
- :func:`evaluate_segmentations` / :func:`evaluate_segmentation_maps` — semantic segmentation with a
  class mapping
"""

from predhub.eval.classification import (
    ChoiceResult,
    ClassificationEvaluation,
    TextResult,
    character_error_rate,
    edit_distance,
    evaluate_classifications,
)
from predhub.eval.coco_accumulate import STAT_NAMES
from predhub.eval.coco_data import CocoGroundTruth, CocoObjects, load_coco_gt, load_coco_results
from predhub.eval.coco_eval import evaluate_coco, evaluate_coco_files
from predhub.eval.coco_params import AreaRange, CocoParams, IouType
from predhub.eval.confusion import BACKGROUND, ConfusionMatrix, detection_confusion
from predhub.eval.detection_results import (
    DetectionEvaluation,
    EvaluatedObjects,
    MatchStatus,
    ObjectMatches,
    PRCurve,
)
from predhub.eval.detections import evaluate_detections, labels_to_coco
from predhub.eval.disagreement import (
    SampleDisagreement,
    likely_mislabeled,
    sample_disagreement,
    unsupported_predictions,
)
from predhub.eval.label_sets import LabelSetEvaluation, evaluate_label_sets
from predhub.eval.match_table import ImagePairs, MatchTable, image_pairs, match_table
from predhub.eval.sample_metrics import ObjectMetrics, object_metrics
from predhub.eval.segmentation import (
    BACKGROUND_CLASS,
    ClassMapping,
    SegmentationEvaluation,
    evaluate_segmentation_maps,
    evaluate_segmentations,
    rasterize_label,
)

__all__ = [
    "BACKGROUND",
    "BACKGROUND_CLASS",
    "STAT_NAMES",
    "AreaRange",
    "ChoiceResult",
    "ClassMapping",
    "ClassificationEvaluation",
    "CocoGroundTruth",
    "CocoObjects",
    "CocoParams",
    "ConfusionMatrix",
    "DetectionEvaluation",
    "EvaluatedObjects",
    "ImagePairs",
    "IouType",
    "LabelSetEvaluation",
    "MatchStatus",
    "MatchTable",
    "ObjectMatches",
    "ObjectMetrics",
    "PRCurve",
    "SampleDisagreement",
    "SegmentationEvaluation",
    "TextResult",
    "character_error_rate",
    "detection_confusion",
    "edit_distance",
    "evaluate_classifications",
    "evaluate_coco",
    "evaluate_coco_files",
    "evaluate_detections",
    "evaluate_label_sets",
    "evaluate_segmentation_maps",
    "evaluate_segmentations",
    "image_pairs",
    "labels_to_coco",
    "likely_mislabeled",
    "load_coco_gt",
    "load_coco_results",
    "match_table",
    "object_metrics",
    "rasterize_label",
    "sample_disagreement",
    "unsupported_predictions",
]
