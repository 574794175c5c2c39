"""A deployment running on a hub, used like a local model: ``connect(id)`` or ``deploy(..., hub=client)``.

The handle is the same :class:`~predhub.models.deploy.Model` as a local one; its runner encodes each
image (in the loading thread) and sends it to ``POST /deployments/{id}/predict``, so every input
kind, detached sessions and uploads work unchanged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from predhub.core.serde import classification_from_dict, object_from_dict
from predhub.models.adapters.python_callable import to_output
from predhub.models.deploy import Model
from predhub.models.framework import Framework
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner, Task

if TYPE_CHECKING:
    from predhub.sdk import Client

__all__ = ["RemoteRunner", "connect"]


class RemoteRunner(Runner[bytes]):
    """Sends PNG-encoded images to a hub deployment; ``refresh()`` re-reads its status."""

    preferred_batch_size = 1

    def __init__(self, client: Client, deployment_id: int) -> None:
        self.client = client
        self.deployment_id = deployment_id
        self.info: dict[str, Any] = {}
        self.refresh()

    def refresh(self) -> dict[str, Any]:
        self.info = self.client.get_deployment(self.deployment_id)
        self.name = self.info.get("name") or str(self.info["model"])
        self.version = self.info.get("version")
        framework = self.info.get("framework")
        self.framework = Framework(framework) if framework else Framework.PYTHON
        self.task = Task(self.info["task"]) if self.info.get("task") else Task.CUSTOM
        self.class_names = list(self.info.get("classes") or [])
        self.device = str(self.info.get("device", "cpu"))
        return self.info

    def prepare(self, image: ImageArray, options: PredictOptions) -> bytes:
        from PIL import Image

        out = io.BytesIO()
        Image.fromarray(image).save(out, format="PNG", compress_level=1)  # fast, lossless
        return out.getvalue()

    def run(self, batch: Sequence[bytes], options: PredictOptions) -> list[ModelOutput]:
        params: dict[str, Any] = {
            "conf": options.conf,
            "classes": ",".join(options.classes) if options.classes else None,
            "img_size": options.img_size[0] if options.img_size else None,
            "settings": json.dumps(dict(options.settings)) if options.settings else None,
        }
        outputs = []
        for image in batch:
            record = self.client.predict_image(self.deployment_id, image, **params)
            objects = [object_from_dict(o, f"objects[{i}]") for i, o in enumerate(record["objects"])]
            classifications = [classification_from_dict(c) for c in record["classifications"]]
            output = to_output(objects, self.class_names)
            output.classifications = classifications
            outputs.append(output)
        return outputs


class RemoteModel(Model):
    """A hub deployment's handle: predict like a local model, plus ``status()``, ``logs()``, ``stop()``."""

    runner: RemoteRunner

    def __init__(self, runner: RemoteRunner) -> None:
        super().__init__(runner)
        self.id = str(runner.deployment_id)
        self.deployment_id = runner.deployment_id

    def status(self) -> dict[str, Any]:
        return self.runner.refresh()

    def logs(self, tail: int = 200) -> list[str]:
        return self.runner.client.deployment_logs(self.deployment_id, tail=tail)

    def restart(self) -> dict[str, Any]:
        return self.runner.client.restart_deployment(self.deployment_id)

    def close(self) -> None:
        """Stop the deployment on the hub."""
        if not self.closed:
            self.runner.client.stop_deployment(self.deployment_id)
            self.closed = True

    stop = close

    def wait_running(self, timeout: float = 120.0, poll: float = 0.2) -> dict[str, Any]:
        """Wait until the worker has loaded the model; raises if it failed or the time ran out."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            info = self.runner.refresh()
            if info["status"] == "running":
                return info
            if info["status"] in ("failed", "stopped"):
                raise RuntimeError(
                    f"deployment {self.deployment_id} is {info['status']}: {info.get('error')}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"deployment {self.deployment_id} still {info['status']} after {timeout}s")
            time.sleep(poll)


def connect(deployment_id: int, client: Client | None = None) -> RemoteModel:
    """A handle to a running deployment of the hub ``client`` talks to (default: from the config)."""
    if client is None:
        from predhub.sdk import Client

        client = Client()
    return RemoteModel(RemoteRunner(client, int(deployment_id)))


def deploy_on_hub(client: Client, model: str, device: str = "auto", reuse: bool = False) -> RemoteModel:
    """Start ``model`` on the hub (or reuse its running deployment) and wait until it runs."""
    info = client.create_deployment(model, device=device, reuse=reuse)
    handle = RemoteModel(RemoteRunner(client, int(info["id"])))
    handle.wait_running()
    return handle
