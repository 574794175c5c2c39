"""Masks named by URL in an import are fetched by the hub, only from allowed hosts (real HTTP server)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import predhub
from predhub.formats.raster import encode_png
from tests.hub_process import HubProcess

ONTOLOGY = {"objects": [{"name": "blob", "kind": "mask"}]}
MASK = np.zeros((48, 64), bool)
MASK[10:20, 5:30] = True


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = encode_png(MASK)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def mask_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/masks/m.png"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def allowing_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    env = {
        "PREDHUB_ALLOWED_MASK_HOSTS": json.dumps(["127.0.0.1"]),
        "PREDHUB_ALLOW_PRIVATE_MASK_HOSTS": "true",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        hub = HubProcess(tmp_path_factory.mktemp("hub-masks")).start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield hub
    finally:
        hub.stop()


def _setup(client: predhub.Client, name: str) -> predhub.LabelSet:
    dataset = client.create_dataset(name, ONTOLOGY)
    client.add_samples(
        dataset, [predhub.NewSample("img-1", url="https://example.test/1.jpg", width=64, height=48)]
    )
    return client.create_label_set(dataset, "preds", kind="predictions")


def _line(url: str) -> dict:
    return {
        "dataRow": {"globalKey": "img-1"},
        "name": "blob",
        "mask": {"instanceURI": url, "colorRGB": [255, 255, 255]},
    }


def test_allowed_host_is_fetched(allowing_hub: HubProcess, mask_server: str, tmp_path: Path) -> None:
    with predhub.Client(allowing_hub.url, allowing_hub.token) as client:
        ls = _setup(client, "masks-allowed")
        path = tmp_path / "masks.ndjson"
        path.write_text(json.dumps(_line(mask_server)) + "\n")
        job = client.import_file(ls, path, format="labelbox", timeout=120)
        assert job.status == "done", job.error
        (obj,) = client.get_label(ls, "img-1").objects
        assert np.array_equal(obj.geometry.to_array(), MASK)  # type: ignore[union-attr]


def test_default_hub_fetches_from_nowhere(hub: HubProcess, mask_server: str) -> None:
    with predhub.Client(hub.url, hub.token) as client:
        ls = _setup(client, f"masks-refused-{id(hub)}")
        with pytest.raises(predhub.ValidationError) as info:
            client.post_records(ls, [_line(mask_server)], format="labelbox")
    (detail,) = info.value.details
    assert detail["field"] == "mask.instanceURI" and "not in the allowed hosts" in detail["message"]
