"""The resource commands (datasets, label-sets, upload, jobs) against a real hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Run

ONTOLOGY = {"objects": [{"name": "car", "kind": "box"}, {"name": "person", "kind": "box"}]}


@pytest.fixture
def ontology_file(tmp_path: Path) -> Path:
    path = tmp_path / "ontology.json"
    path.write_text(json.dumps(ONTOLOGY))
    return path


def _dataset_with_samples(run: Run, name: str, ontology_file: Path, n: int) -> int:
    from predhub import Client

    created = json.loads(run("datasets", "create", name, "--ontology", str(ontology_file), "--json").output)
    with Client(run.env["PREDHUB_URL"], run.env["PREDHUB_TOKEN"]) as client:
        client.add_samples(
            created["id"],
            [
                {"key": f"img-{i}", "url": "https://example.test/x.jpg", "width": 100, "height": 100}
                for i in range(n)
            ],
        )
    dataset_id: int = created["id"]
    return dataset_id


def test_datasets_create_list_show_delete(run: Run, ontology_file: Path) -> None:
    out = run(
        "datasets", "create", "cli-streets", "--ontology", str(ontology_file), "--description", "d"
    ).output
    assert "created dataset" in out and "cli-streets" in out
    listed = json.loads(run("datasets", "list", "--json").output)
    mine = next(d for d in listed if d["name"] == "cli-streets")
    assert mine["ontology"] == {**ONTOLOGY, "classifications": []}
    assert "cli-streets" in run("datasets", "list").output
    shown = json.loads(run("datasets", "show", "cli-streets", "--json").output)
    assert shown["dataset"]["id"] == mine["id"] and shown["label_sets"] == []
    assert "car (box)" in run("datasets", "show", str(mine["id"])).output
    assert "deleted dataset" in run("datasets", "delete", "cli-streets", "--yes").output
    missing = run("datasets", "show", "cli-streets", ok=False)
    assert missing.exit_code == 1 and "no dataset named 'cli-streets'" in missing.output


def test_a_bad_ontology_file_names_the_field(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"objects": [{"name": "car", "kind": "cube"}]}))
    result = run("datasets", "create", "bad", "--ontology", str(bad), ok=False)
    assert result.exit_code == 1
    assert "objects[0].kind" in result.output


def test_label_sets_create_and_list(run: Run, ontology_file: Path) -> None:
    run("datasets", "create", "cli-sets", "--ontology", str(ontology_file))
    out = run(
        "label-sets", "create", "cli-sets", "yolo", "--model-name", "yolov8n", "--model-version", "8"
    ).output
    assert "created label set" in out
    run("label-sets", "create", "cli-sets", "gt", "--kind", "ground_truth")
    listed = json.loads(run("label-sets", "list", "cli-sets", "--json").output)
    assert [(s["name"], s["kind"], s["model_name"]) for s in listed] == [
        ("yolo", "predictions", "yolov8n"),
        ("gt", "ground_truth", None),
    ]
    assert "yolov8n 8" in run("label-sets", "list", "cli-sets").output


def test_upload_ndjson_then_show_the_job(run: Run, ontology_file: Path, tmp_path: Path) -> None:
    _dataset_with_samples(run, "cli-upload", ontology_file, 25)
    labels = tmp_path / "labels.ndjson"
    labels.write_text(
        "\n".join(
            json.dumps(
                {"sample": f"img-{i}", "objects": [{"class": "car", "box": [1, 1, 9, 9], "confidence": 0.5}]}
            )
            for i in range(25)
        )
    )
    result = run(
        "upload",
        str(labels),
        "--dataset",
        "cli-upload",
        "--label-set",
        "preds",
        "--create",
        "--model-name",
        "m",
        "--chunk-size",
        "4",
        "--json",
    )
    job = json.loads(result.output)
    assert job["status"] == "done" and job["counts"] == {"records": 25, "objects": 25, "rejected": 0}
    assert job["total_chunks"] == 7
    shown = run("jobs", "show", str(job["id"]), "--upload").output
    assert f"upload job {job['id']}" in shown and "done" in shown and "7/7 chunks" in shown
    sets = json.loads(run("label-sets", "list", "cli-upload", "--json").output)
    assert [(s["name"], s["label_count"]) for s in sets] == [("preds", 25)]


def test_upload_a_json_array_with_a_bad_record_fails_and_names_it(
    run: Run, ontology_file: Path, tmp_path: Path
) -> None:
    _dataset_with_samples(run, "cli-bad-upload", ontology_file, 3)
    run("label-sets", "create", "cli-bad-upload", "preds")
    labels = tmp_path / "labels.json"
    labels.write_text(
        json.dumps(
            [
                {"sample": "img-0", "objects": [{"class": "car", "box": [1, 1, 9, 9]}]},
                {"sample": "img-1", "objects": [{"class": "truck", "box": [1, 1, 9, 9]}]},
            ]
        )
    )
    result = run("upload", str(labels), "--dataset", "cli-bad-upload", "--label-set", "preds", ok=False)
    assert result.exit_code == 1
    assert "failed" in result.output
    assert "objects[0].class" in result.output and "truck" in result.output


def test_a_label_set_name_needs_its_dataset(run: Run, tmp_path: Path) -> None:
    labels = tmp_path / "l.ndjson"
    labels.write_text("")
    result = run("upload", str(labels), "--label-set", "preds", ok=False)
    assert result.exit_code == 2 and "--dataset" in result.output


def test_an_unknown_job_and_a_bad_token_are_clear_errors(run: Run) -> None:
    result = run("jobs", "show", "999999", ok=False)
    assert result.exit_code == 1 and "not_found" in result.output
    run.env["PREDHUB_TOKEN"] = "ph_wrong"
    result = run("datasets", "list", ok=False)
    assert result.exit_code == 1 and "401 unauthorized" in result.output


def test_jobs_wait_and_show(run: Run, ontology_file: Path, tmp_path: Path) -> None:
    from PIL import Image

    from image_server import serve_folder
    from predhub import Client, NewSample

    Image.new("RGB", (64, 32)).save(tmp_path / "x.png")
    created = json.loads(
        run("datasets", "create", "cli-jobs", "--ontology", str(ontology_file), "--json").output
    )
    with serve_folder(tmp_path) as base, Client(run.env["PREDHUB_URL"], run.env["PREDHUB_TOKEN"]) as client:
        [job_id] = client.add_samples(created["id"], [NewSample("x", url=f"{base}/x.png")]).jobs
        job = json.loads(run("jobs", "wait", str(job_id), "--poll-interval", "0.05", "--json").output)
    assert (job["kind"], job["status"], job["progress"]) == ("sample_sizes", "done", 1.0)
    shown = run("jobs", "show", str(job_id)).output
    assert f"job {job_id} (sample_sizes): done 100%" in shown
