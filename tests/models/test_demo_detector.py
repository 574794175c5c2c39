from __future__ import annotations

from pathlib import Path

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


@pytest.mark.models
def test_predhub_demo_runs_the_detector_and_says_what_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from predhub import Client
    from predhub.cli.main import cli
    from tests.hub_process import free_port

    from .conftest import HubProcess  # noqa: F401 (tests/ on sys.path for free_port)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREDHUB_CONFIG", str(tmp_path / "config.json"))
    for name in ("PREDHUB_URL", "PREDHUB_TOKEN", "PREDHUB_DATABASE_URL", "PREDHUB_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--port", str(port)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ssd-mobilenet-v2-coco (tensorflow, cpu) found:" in result.output
    assert "chelsea.png: cat" in result.output and "coffee.png: cup" in result.output
    # The hub is stopped after --no-serve; its database holds the run, next to the ground truth.
    import json

    from predhub.demo.hub import local_hub

    with local_hub(tmp_path / "predhub-data", "127.0.0.1", port) as hub, Client(hub.url, hub.token) as client:
        dataset = client.get_dataset_by_name("skimage-demo")
        sets = {s.name: s for s in client.list_label_sets(dataset)}
        assert set(sets) == {"ground-truth", "predictions"}
        assert sets["predictions"].model_name == "ssd-mobilenet-v2-coco"
        cat = client.get_label(sets["predictions"], "chelsea.png")
        assert [o.class_name for o in cat.objects] == ["cat"]
    assert json.loads((tmp_path / "config.json").read_text())["url"].endswith(str(port))
