"""Mask fetching against a real HTTP server on 127.0.0.1 (loopback allowed explicitly where needed)."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from predhub.formats.fetch import FetchError, FetchPolicy, fetch_mask
from predhub.formats.raster import encode_png, mask_from_png

MASK = np.zeros((6, 8), bool)
MASK[1:4, 2:6] = True
PNG = encode_png(MASK)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny file whose header declares a huge image: the shape of a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/mask.png": (200, PNG, {}),
            "/bomb.png": (200, _png_claiming(5000, 5000), {}),
            "/big.png": (200, b"\0" * (3 * 1024 * 1024), {}),
            "/hop": (302, b"", {"Location": "/mask.png"}),
            "/away": (302, b"", {"Location": "http://elsewhere.invalid/x.png"}),
            "/loop": (302, b"", {"Location": "/loop"}),
        }
        status, body, headers = routes.get(self.path, (404, b"", {}))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gives up on a too-large body resets the connection: expected here


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


LOOPBACK = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), allow_private=True, max_bytes=1024 * 1024)


def test_fetches_an_allowed_mask(server: str) -> None:
    data = fetch_mask(f"{server}/mask.png", LOOPBACK)
    assert np.array_equal(mask_from_png(data), MASK)


def test_nothing_is_allowed_by_default(server: str) -> None:
    with pytest.raises(FetchError, match="not in the allowed hosts"):
        fetch_mask(f"{server}/mask.png", FetchPolicy())


def test_loopback_refused_unless_allowed(server: str) -> None:
    with pytest.raises(FetchError, match="private or loopback"):
        fetch_mask(f"{server}/mask.png", FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"})))


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({"*.example.com"}))
    with pytest.raises(FetchError, match=r"private or loopback address \(10\.1\.2\.3\)"):
        fetch_mask("http://masks.example.com/a.png", policy, resolve=lambda host, port: ["10.1.2.3"])


def test_size_limit(server: str) -> None:
    with pytest.raises(FetchError, match=r"exceeds the limit|more than"):
        fetch_mask(f"{server}/big.png", LOOPBACK)


def test_decompression_bomb_refused_from_its_header(server: str) -> None:
    with pytest.raises(FetchError, match="5000x5000 pixels exceeds"):
        fetch_mask(
            f"{server}/bomb.png",
            FetchPolicy(allowed_hosts=LOOPBACK.allowed_hosts, allow_private=True, max_pixels=1_000_000),
        )


def test_redirects_are_checked_hop_by_hop(server: str) -> None:
    assert fetch_mask(f"{server}/hop", LOOPBACK) == PNG
    with pytest.raises(FetchError, match=r"elsewhere\.invalid"):
        fetch_mask(f"{server}/away", LOOPBACK)
    with pytest.raises(FetchError, match="redirects"):
        fetch_mask(f"{server}/loop", LOOPBACK)


def test_other_schemes_refused() -> None:
    with pytest.raises(FetchError, match="only http"):
        fetch_mask("file:///etc/passwd", LOOPBACK)
