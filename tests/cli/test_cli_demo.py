"""`predhub demo` end to end in a temp folder, on SQLite: shipped images, ground truth, predictions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from predhub import Client
from predhub.cli.main import cli
from tests.hub_process import SRC, free_port


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREDHUB_CONFIG", str(tmp_path / "config.json"))
    for name in ("PREDHUB_URL", "PREDHUB_TOKEN", "PREDHUB_DATABASE_URL", "PREDHUB_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_demo_no_serve_prints_the_summary(in_tmp: Path) -> None:
    port = free_port()
    result = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--port", str(port), "--predictions", "shipped"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "dataset skimage-demo: 6 samples, 8 classes" in out
    # label sets with their counts: 10 ground truth boxes, 10 predicted (one miss, one false positive)
    assert "│ ground-truth │ ground_truth │            │ 6      │ 10      │" in out
    assert "│ predictions  │ predictions  │ handmade 1 │ 6      │ 10      │" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 4}
    counts = {
        cls: [c.strip() for c in rows[cls].split("│")[2:4]] for cls in ("person", "bicycle", "rocket", "cat")
    }
    assert counts == {"person": ["2", "3"], "bicycle": ["1", "0"], "rocket": ["2", "2"], "cat": ["1", "1"]}
    # The hub's state is in ./predhub-data, and the first start wrote the config the CLI reads.
    assert (in_tmp / "predhub-data" / "predhub.db").exists()
    config = json.loads((in_tmp / "config.json").read_text())
    assert config["url"] == f"http://127.0.0.1:{port}"


def test_demo_twice_in_the_same_folder_replaces_its_dataset(in_tmp: Path) -> None:
    port = free_port()
    for _ in range(2):
        result = CliRunner().invoke(
            cli,
            ["demo", "--no-serve", "--port", str(port), "--predictions", "shipped"],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
    assert "replacing the existing dataset" in result.output
    assert "and 1 other" not in result.output


def test_demo_serves_until_interrupted(in_tmp: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    code = "from predhub.cli.main import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "demo", "--port", str(port)],
        cwd=in_tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, b"")), daemon=True)
    reader.start()
    try:
        # readiness wait (not a speed assertion): the demo says when it serves, after filling the hub
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            if any(b"Ctrl-C to stop" in line for line in lines):
                break
            time.sleep(0.2)
        assert process.poll() is None, b"".join(lines).decode()
        token = json.loads((in_tmp / "config.json").read_text())["token"]
        with Client(f"http://127.0.0.1:{port}", token) as client:
            dataset = client.get_dataset_by_name("skimage-demo")
            assert {s.name for s in client.list_label_sets(dataset)} == {"ground-truth", "predictions"}
            assert [ev.status for ev in client.list_evaluations(dataset)] == ["done"]
            sample_id = next(iter(client.list_samples(dataset))).id
        image = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/samples/{sample_id}/image",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert image.status_code == 200 and len(image.content) > 10_000
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "predhub" in page.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        reader.join(timeout=10)
        output = b"".join(lines).decode()
        assert "AP50" in output and "gallery: http://127.0.0.1:" in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
