"""``predhub predict``, run in-process with click's runner, real models and a real hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import predhub
from predhub.cli.main import cli

from .conftest import HubProcess
from .helpers import write_video

ONTOLOGY = {"objects": [{"name": n, "kind": "box"} for n in ("person", "cat", "cup")], "classifications": []}


@pytest.mark.models
def test_predictions_print_as_json_lines(photos: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        cli,
        ["predict", "efficientnet-lite3-imagenet", str(photos["chelsea"]), str(photos["rocket"]), "--json"],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [Path(r["source"]).name for r in records] == ["chelsea.png", "rocket.jpg"]
    assert "cat" in records[0]["classifications"][0]["answer"]["name"]
    assert records[0]["model"] == "efficientnet-lite3-imagenet"


@pytest.mark.models
def test_a_video_with_a_frame_selection_prints_one_line_per_frame(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.avi", frames=12)
    result = CliRunner().invoke(
        cli, ["predict", "selfie-segmentation", str(video), "--stride", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    frames = [json.loads(line)["frame_index"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert frames == [0, 5, 10]


@pytest.mark.models
def test_predictions_upload_into_a_dataset(
    client: predhub.Client, hub: HubProcess, photos: dict[str, Path]
) -> None:
    dataset = client.create_dataset("cli-predict", ONTOLOGY)
    client.add_samples(
        dataset, [predhub.NewSample(photos[n].name, image=photos[n]) for n in ("chelsea", "coffee")]
    )
    args = ["--url", hub.url, "--token", hub.token]
    result = CliRunner().invoke(
        cli,
        ["predict", "ssd-mobilenet-v2-coco", "--dataset", "cli-predict", "--label-set", "ssd",
         "--classes", "person,cat,cup", *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote 2 labels" in result.output
    label_set = client.get_label_set_by_name(dataset, "ssd")
    assert label_set.model_name == "ssd-mobilenet-v2-coco"
    found = {
        label.sample_key: {o.class_name for o in label.objects} for label in client.list_labels(label_set)
    }
    assert found == {"chelsea.png": {"cat"}, "coffee.png": {"cup"}}


def test_usage_errors(photos: dict[str, Path]) -> None:
    runner = CliRunner()
    no_input = runner.invoke(cli, ["predict", "ssd-mobilenet-v2-coco"])
    assert no_input.exit_code == 2 and "give an INPUT" in no_input.output
    no_dataset = runner.invoke(
        cli, ["predict", "ssd-mobilenet-v2-coco", str(photos["chelsea"]), "--upload", "append"]
    )
    assert no_dataset.exit_code == 2 and "--dataset" in no_dataset.output
    unknown = runner.invoke(cli, ["predict", "no-such-model", str(photos["chelsea"])])
    assert unknown.exit_code == 1 and "neither a file nor a bundled model" in unknown.output
    missing = runner.invoke(cli, ["predict", "ssd-mobilenet-v2-coco", "/no/such/image.jpg"])
    assert missing.exit_code == 1 and "input[0]: no such file" in missing.output
