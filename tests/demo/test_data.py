"""The demo's shipped data: every image exists in scikit-image, and the ground truth and predictions
are valid labels for the ontology and inside their images."""

from __future__ import annotations

import pytest
from PIL import Image

from predhub.core import Ontology, validate_label
from predhub.core.serde import label_from_dict
from predhub.demo import DEMO_IMAGES, ShippedPredictions, demo_images
from predhub.demo.predictions import load_data


def test_every_demo_image_ships_with_scikit_image() -> None:
    images = demo_images()
    assert [i.key for i in images] == [name for name, _ in DEMO_IMAGES]
    for image in images:
        with Image.open(image.path) as im:
            assert im.width >= 300 and im.height >= 300


@pytest.mark.parametrize("name", ["ground_truth.json", "predictions.json"])
def test_shipped_labels_are_valid_and_inside_their_images(name: str) -> None:
    ontology = Ontology.from_dict(load_data("ontology.json"))
    sizes = {}
    for image in demo_images():
        with Image.open(image.path) as im:
            sizes[image.key] = im.size
    labels = [label_from_dict(record) for record in load_data(name)["labels"]]
    assert {label.sample_key for label in labels} == set(sizes)
    for label in labels:
        width, height = sizes[label.sample_key]
        assert validate_label(label, ontology, width, height) == [], label.sample_key
        for obj in label.objects:
            x0, y0, x1, y1 = obj.geometry.xyxy  # type: ignore[union-attr]
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (label.sample_key, obj)


def test_ground_truth_covers_every_class_and_predictions_carry_confidences() -> None:
    ontology = Ontology.from_dict(load_data("ontology.json"))
    gt = [label_from_dict(r) for r in load_data("ground_truth.json")["labels"]]
    assert {o.class_name for label in gt for o in label.objects} == set(ontology.class_names)
    run = ShippedPredictions().predict(demo_images())
    assert run.model_name == "handmade"
    assert all(0 < o["confidence"] < 1 for label in run.labels for o in label["objects"])
