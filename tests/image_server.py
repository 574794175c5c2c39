"""Real HTTP servers on 127.0.0.1 for samples added by URL: one serving a folder, and one whose image
is held back until the test lets it go (a hub job reading the image's size runs until then)."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["Gate", "serve_folder", "serve_gated_image"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Gate:
    """``requested`` is set once the hub asked for the image; the image is sent after :meth:`open`."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/held.png"
        self.requested = threading.Event()
        self._open = threading.Event()

    def open(self) -> None:
        self._open.set()


@contextmanager
def serve_gated_image() -> Iterator[Gate]:
    """Serve one 7x5 PNG at ``Gate.url``, each answer held until the gate is opened (it is opened on
    exit, so a job left waiting on it always ends)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (7, 5), (10, 200, 10)).save(buf, format="PNG")
    body = buf.getvalue()
    gate: Gate | None = None

    class Held(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            assert gate is not None
            gate.requested.set()
            gate._open.wait(60)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Held)
    gate = Gate(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gate
    finally:
        gate.open()
        server.shutdown()
        server.server_close()
