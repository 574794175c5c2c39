"""The README's SDK example runs as written, against a real hub (so the docs cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

import predhub
from tests.hub_fixtures import Hub

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_sdk_example_runs(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    section = README.read_text().split("## Python SDK", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    # the example names its dataset "streets": give this run its own name on the shared hub
    source = code.group(1).replace('"streets"', f'"streets-{tmp_path.name}"')
    Image.new("RGB", (160, 120)).save(tmp_path / "a.jpg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREDHUB_URL", hub.url)
    monkeypatch.setenv("PREDHUB_TOKEN", hub.token)
    exec(compile(source, str(README), "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("done ")  # print(job.status, ...)
    assert "a.jpg [('car', 0.8)]" in out
    with predhub.Client(hub.url, hub.token) as client:
        dataset = client.get_dataset_by_name(f"streets-{tmp_path.name}")
        assert client.get_sample_by_key(dataset, "a.jpg").width == 160
