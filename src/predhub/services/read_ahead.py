"""Items made in a thread, a step ahead of their consumer: overlap for work that releases the GIL.

SQLite steps a multi-row INSERT without the GIL, so an import parses the next batch while the last
one is inserted. Reading rows is the opposite case: the driver hands the GIL over at every row, so a
reader thread only slows its consumer (exports use processes instead: services.export_parts).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_END = object()


def read_ahead(items: Iterator[T], depth: int = 1, *, name: str = "predhub-read-ahead") -> Iterator[T]:
    """``items`` computed in a thread (named ``name``), up to ``depth`` ahead of the consumer, so
    memory stays at a few batches. The thread's exceptions are raised here; closing this generator
    stops the thread, which closes ``items`` (a generator holding a connection closes it there)."""
    ready: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                ready.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_END, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
