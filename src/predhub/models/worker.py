"""A deployment's worker process: one model behind a tiny HTTP server on 127.0.0.1.

``python -m predhub.models.worker --model NAME_OR_PATH --device auto --ready FILE`` loads the model,
listens on a free port, then writes ``{"port", "pid", "name", "version", ...}`` to FILE (atomically)
so that the supervising hub knows it is ready. Requests:

- ``GET /health`` → what the model is;
- ``POST /predict?conf=&classes=a,b&img_size=&settings={json}`` with image bytes → one prediction
  as JSON (``objects`` and ``classifications`` in predhub's label JSON shape, ``width``, ``height``).

One request at a time (an ``HTTPServer``, not a threading one): the model is not shared.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["main", "prediction_record"]


def prediction_record(prediction: Any) -> dict[str, Any]:
    from predhub.core.serde import classification_to_dict, object_to_dict

    return {
        "width": prediction.width,
        "height": prediction.height,
        "model": prediction.model,
        "model_version": prediction.model_version,
        "objects": [object_to_dict(o) for o in prediction.objects.to_objects()],
        "classifications": [classification_to_dict(c) for c in prediction.classifications],
    }


def _handler(model: Any, info: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    from predhub.models.errors import ModelError
    from predhub.models.inputs import decode_bytes

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/health":
                self._reply(200, info)
            else:
                self._reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/predict":
                self._reply(404, {"error": "not found"})
                return
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                image = decode_bytes(body, "image", "the request body")
                [prediction] = model.predict(
                    image,
                    conf=float(query["conf"]) if "conf" in query else None,
                    classes=query["classes"].split(",") if query.get("classes") else None,
                    img_size=int(query["img_size"]) if "img_size" in query else None,
                    settings=json.loads(query["settings"]) if "settings" in query else None,
                )
            except (ModelError, ValueError) as exc:
                field = getattr(exc, "field", None)
                self._reply(422, {"error": str(exc), "field": field})
                return
            self._reply(200, prediction_record(prediction))

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write("predict %s\n" % (format % args))

    return Handler


def _exit_with_parent() -> None:
    """End this worker when the hub that started it dies, even by SIGKILL (no orphans)."""
    parent = os.getppid()
    with contextlib.suppress(Exception):  # Linux: the kernel sends SIGTERM when the parent dies
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    def watch() -> None:  # elsewhere (and as a backstop): notice being re-parented
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m predhub.models.worker")
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"])
    parser.add_argument("--ready", required=True, type=Path, help="file to write when listening")
    args = parser.parse_args(argv)
    _exit_with_parent()

    from predhub.models import deploy

    model = deploy(args.model, device=args.device)
    info = {
        "pid": os.getpid(),
        "name": model.name,
        "version": model.version,
        "framework": model.framework.value,
        "task": model.task.value,
        "device": model.device,
        "classes": model.class_names,
    }
    server = HTTPServer(("127.0.0.1", 0), _handler(model, info))
    info["port"] = server.server_address[1]
    tmp = args.ready.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, args.ready)
    print(
        f"worker {os.getpid()}: {model.name} on {model.device}, listening on port {info['port']}", flush=True
    )

    def shutdown(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    server.serve_forever()
    model.close()


if __name__ == "__main__":
    main()
