"""A real TCP proxy in front of a hub that breaks chosen exchanges, to test the SDK's retries.

Not a mock: the SDK talks HTTP over real sockets to a real server; the proxy only forwards bytes, except
that for a request whose first line starts with a chosen prefix it can, once per rule:

- ``"drop"``: forward the request, let the hub handle it, then close the client's connection before
  any byte of the response (a response lost on the way back: the write happened, the client can't know);
- ``"503"``: answer ``503 Service Unavailable`` itself without forwarding (a restarting hub behind a proxy).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["FlakyProxy"]


@dataclass
class _Rule:
    prefix: bytes
    action: str
    times: int


@dataclass
class FlakyProxy:
    target_port: int
    rules: list[_Rule] = field(default_factory=list)
    hits: Counter[bytes] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def add(self, prefix: str, action: str, times: int = 1) -> None:
        with self._lock:
            self.rules.append(_Rule(prefix.encode(), action, times))

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _take(self, data: bytes) -> str | None:
        with self._lock:
            for rule in self.rules:
                if data.startswith(rule.prefix):
                    self.hits[rule.prefix] += 1
                    if rule.times > 0:
                        rule.times -= 1
                        return rule.action
            return None

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        drop = threading.Event()

        def back() -> None:  # hub -> client
            try:
                while data := upstream.recv(65536):
                    if drop.is_set():
                        break
                    client.sendall(data)
            except OSError:
                pass
            finally:
                _close(client, upstream)

        threading.Thread(target=back, daemon=True).start()
        try:
            while data := client.recv(65536):
                action = self._take(data)
                if action == "503":
                    client.sendall(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    break
                if action == "drop":
                    drop.set()
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            if not drop.is_set():
                _close(client, upstream)


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()
