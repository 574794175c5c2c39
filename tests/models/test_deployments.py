"""Deployments a real hub supervises: worker processes, crashes, restarts of the hub, predicting."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

import predhub
from predhub.models import HubSamples, RemoteModel, connect, deploy

from .conftest import HubProcess

pytestmark = pytest.mark.models


def _wait(client: predhub.Client, deployment_id: int, until: str, **expected: object) -> dict[str, object]:
    """Poll the deployment until its status is ``until`` (a readiness wait on a subprocess)."""
    deadline = time.monotonic() + 120
    while True:
        info = client.get_deployment(deployment_id)
        if info["status"] == until and all(info[k] == v for k, v in expected.items()):
            return info
        assert info["status"] != "failed" or until == "failed", info
        assert time.monotonic() < deadline, info
        time.sleep(0.1)


def test_deploy_predict_crash_restart_and_stop(client: predhub.Client, photos: dict[str, Path]) -> None:
    model = deploy("efficientnet-lite3-imagenet", hub=client)
    assert isinstance(model, RemoteModel)
    info = model.status()
    assert info["status"] == "running" and info["framework"] == "tflite" and info["restarts"] == 0
    assert model.name == "efficientnet-lite3-imagenet" and len(model.class_names) == 1000

    [chelsea] = model.predict(photos["chelsea"])
    assert "cat" in str(chelsea.classifications[0].answer)
    assert chelsea.model == "efficientnet-lite3-imagenet" and chelsea.width == 451

    # reuse: the same running deployment; connect(id): a handle to it.
    again = deploy("efficientnet-lite3-imagenet", hub=client, reuse=True)
    assert again.deployment_id == model.deployment_id  # type: ignore[attr-defined]
    assert connect(model.deployment_id, client).name == model.name

    # A crash: the hub starts the worker again under the same id.
    first_pid = info["pid"]
    os.kill(int(first_pid), signal.SIGKILL)  # type: ignore[arg-type]
    after = _wait(client, model.deployment_id, "running", restarts=1)
    assert after["pid"] != first_pid and "worker exited with code -9" in str(after["error"])
    assert sum("starting efficientnet-lite3-imagenet" in line for line in model.logs()) == 2
    [rocket] = model.predict(photos["rocket"])
    assert rocket.classifications

    model.stop()
    stopped = client.get_deployment(model.deployment_id)
    assert stopped["status"] == "stopped" and stopped["pid"] is None


def test_deployment_ids_survive_a_hub_restart(hub: HubProcess, photos: dict[str, Path]) -> None:
    with predhub.Client(hub.url, hub.token) as client:
        model = deploy("selfie-segmentation", hub=client)
        deployment_id = model.deployment_id  # type: ignore[attr-defined]
        old_pid = client.get_deployment(deployment_id)["pid"]
    hub.kill()  # SIGKILL: no shutdown handlers run
    hub.start()
    with predhub.Client(hub.url, hub.token) as client:
        assert deployment_id in [d["id"] for d in client.list_deployments()]
        info = _wait(client, deployment_id, "running")
        assert info["pid"] != old_pid
        [astronaut] = connect(deployment_id, client).predict(photos["astronaut"])
        assert astronaut.classes == ["person"] and astronaut.masks is not None
        assert astronaut.masks[0].shape == (512, 512)
        client.stop_deployment(deployment_id)


def test_predicting_through_a_deployment_uploads_into_a_label_set(
    client: predhub.Client, photos: dict[str, Path]
) -> None:
    ontology = {
        "objects": [{"name": n, "kind": "box"} for n in ("person", "cat", "cup")],
        "classifications": [],
    }
    dataset = client.create_dataset("through-deployment", ontology)
    client.add_samples(
        dataset, [predhub.NewSample(photos[n].name, image=photos[n]) for n in ("chelsea", "coffee")]
    )
    model = deploy("ssd-mobilenet-v2-coco", hub=client, reuse=True)
    model.predict(
        HubSamples(client, dataset), upload="create", label_set="remote-ssd", classes=["person", "cat", "cup"]
    )
    label_set = client.get_label_set_by_name(dataset, "remote-ssd")
    assert label_set.model_name == "ssd-mobilenet-v2-coco"
    found = {
        label.sample_key: {o.class_name for o in label.objects} for label in client.list_labels(label_set)
    }
    assert found == {"chelsea.png": {"cat"}, "coffee.png": {"cup"}}
    model.stop()


def test_bad_deployments_are_refused_or_fail_with_their_error(client: predhub.Client, tmp_path: Path) -> None:
    with pytest.raises(predhub.APIError, match="model") as err:
        client.create_deployment("no-such-model")
    assert err.value.status == 422
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07garbage")  # an ONNX header and nothing behind it, no sidecar
    info = client.create_deployment(str(broken))
    failed = _wait(client, info["id"], "failed")
    assert "broken.onnx" in str(failed["error"])
    with pytest.raises(predhub.APIError) as unavailable:
        client.get_deployment(999999)
    assert unavailable.value.status == 404


def test_the_async_client_lists_the_same_deployments(hub: HubProcess, client: predhub.Client) -> None:
    import asyncio

    async def listed() -> list[dict[str, object]]:
        async with predhub.AsyncClient(hub.url, hub.token) as async_client:
            return await async_client.list_deployments()

    created = client.create_deployment("efficientnet-lite3-imagenet")
    client.stop_deployment(created["id"])
    sync_ids = [d["id"] for d in client.list_deployments()]
    assert created["id"] in sync_ids and [d["id"] for d in asyncio.run(listed())] == sync_ids


def test_the_deployments_command(hub: HubProcess) -> None:
    from click.testing import CliRunner

    from predhub.cli.main import cli

    hub_args = ["--url", hub.url, "--token", hub.token]
    runner = CliRunner()
    started = runner.invoke(cli, ["deployments", "start", "efficientnet-lite3-imagenet", "--json", *hub_args])
    assert started.exit_code == 0, started.output
    import json

    deployment_id = json.loads(started.output)["id"]
    with predhub.Client(hub.url, hub.token) as client:
        _wait(client, deployment_id, "running")
    listed = runner.invoke(cli, ["deployments", "list", "--json", *hub_args])
    assert deployment_id in [d["id"] for d in json.loads(listed.output)]
    logs = runner.invoke(cli, ["deployments", "logs", str(deployment_id), *hub_args])
    assert "starting efficientnet-lite3-imagenet" in logs.output
    stopped = runner.invoke(cli, ["deployments", "stop", str(deployment_id), *hub_args])
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    missing = runner.invoke(cli, ["deployments", "stop", "999999", *hub_args])
    assert missing.exit_code == 1 and "not found" in missing.output
