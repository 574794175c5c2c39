"""The one-command demo: a hub on SQLite with real images, shipped ground truth and a prediction set.

The CLI's ``predhub demo`` only calls :func:`run_demo`. A real detector replaces the shipped
prediction file by implementing :class:`PredictionSource` and passing it as ``predictions=``.
"""

from predhub.demo.images import DEMO_IMAGES, DemoImage, demo_images
from predhub.demo.predictions import PredictionRun, PredictionSource, ShippedPredictions
from predhub.demo.run import DATASET_NAME, populate, run_demo
from predhub.demo.summary import DatasetSummary, LabelSetSummary, summarize

__all__ = [
    "DATASET_NAME",
    "DEMO_IMAGES",
    "DatasetSummary",
    "DemoImage",
    "LabelSetSummary",
    "PredictionRun",
    "PredictionSource",
    "ShippedPredictions",
    "demo_images",
    "populate",
    "run_demo",
    "summarize",
]
