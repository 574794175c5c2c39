"""``predhub eval run / show / samples`` against a real hub (a subprocess on SQLite)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

import predhub
from predhub import Box, Label, Object
from tests.hub_process import SRC, HubProcess


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with HubProcess(tmp_path_factory.mktemp("hub")) as server:
        yield server


def _cli(hub: HubProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PYTHONPATH": str(SRC),
        "PATH": "/usr/bin:/bin",
        "PREDHUB_URL": hub.url,
        "PREDHUB_TOKEN": hub.token,
    }
    return subprocess.run(
        [sys.executable, "-c", "from predhub.cli.main import main; main()", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def test_run_show_samples(hub: HubProcess) -> None:
    with predhub.Client(hub.url, hub.token) as client:
        ds = client.create_dataset("cli-eval", {"objects": [{"name": "car", "kind": "box"}]})
        client.add_samples(
            ds, [predhub.NewSample(f"s{i}", url=f"https://example.test/{i}.jpg") for i in range(3)]
        )
        gt = client.create_label_set(ds, "truth", kind="ground_truth")
        pred = client.create_label_set(ds, "model")
        client.add_labels(gt, [Label(f"s{i}", [Object("car", Box(0, 0, 10 + i, 10))]) for i in range(3)])
        client.add_labels(pred, [Label("s0", [Object("car", Box(0, 0, 10, 10), 0.9)]), Label("s1", [])])

    out = _cli(hub, "eval", "run", "truth", "model", "--dataset", "cli-eval", "--json")
    assert out.returncode == 0, out.stderr
    ev = json.loads(out.stdout)
    assert ev["status"] == "done" and ev["summary"]["AP50"] == pytest.approx(1 / 3 * 1.0, abs=0.01)

    shown = _cli(hub, "eval", "show", str(ev["id"]))
    assert shown.returncode == 0, shown.stderr
    assert "AP50" in shown.stdout and "car" in shown.stdout

    rows = _cli(hub, "eval", "samples", str(ev["id"]), "--json")
    assert rows.returncode == 0, rows.stderr
    data = json.loads(rows.stdout)
    assert [r["key"] for r in data][-1] == "s0"  # the one sample they agree on comes last
    assert data[0]["disagreement"] == 1.0
