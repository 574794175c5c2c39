from __future__ import annotations

import pytest

from predhub.core import Ontology
from predhub.core.serde import label_from_dict
from predhub.core.validation import validate_label
from predhub.demo.detector import DetectorPredictions, describe
from predhub.demo.images import demo_images
from predhub.demo.predictions import load_data


@pytest.mark.models
def test_the_demo_detector_finds_the_photos_objects_within_the_ontology() -> None:
    source = DetectorPredictions()
    images = demo_images()
    run = source.predict(images)
    assert run.model_name == "ssd-mobilenet-v2-coco" and run.model_version
    ontology = Ontology.from_dict(load_data("ontology.json"))
    labels = {label["sample"]: label_from_dict(label) for label in run.labels}
    assert set(labels) == {image.key for image in images}
    for label in labels.values():
        assert validate_label(label, ontology) == []
    assert "person" in {o.class_name for o in labels["astronaut.png"].objects}
    assert "cat" in {o.class_name for o in labels["chelsea.png"].objects}
    assert "cup" in {o.class_name for o in labels["coffee.png"].objects}
    assert "motorcycle" in {o.class_name for o in labels["motorcycle_left.png"].objects}
    lines = describe(source.predictions)
    assert any(line.startswith("chelsea.png: cat") for line in lines)
