"""The prediction pipeline, and the detached session that streams its predictions.

Three threads overlap the work: the *loading* thread decodes each input and runs the adapter's
``prepare`` (resize, normalise); the *inference* thread batches prepared images through the
adapter's ``run``; the caller takes predictions off a queue as they come. Decoding and
pre-processing thus hide behind inference (numpy, OpenCV, PIL and the frameworks release the GIL
while they work). Bounded queues keep memory flat on a long video or a large folder.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from predhub.models.inputs import ImageRef, InputItem, count_images, iter_images
from predhub.models.prediction import Prediction
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner

__all__ = ["PredictionSession", "SessionStatus"]

_END = object()  # sentinel closing a queue

# One lock per loaded model: framework sessions (an OpenCV Net, a TFLite interpreter) are not safe to
# call from two threads, and two detached sessions on one deployment each have an inference thread.
_run_locks: weakref.WeakKeyDictionary[Runner[Any], threading.Lock] = weakref.WeakKeyDictionary()
_run_locks_guard = threading.Lock()


def _run_lock(runner: Runner[Any]) -> threading.Lock:
    with _run_locks_guard:
        return _run_locks.setdefault(runner, threading.Lock())


def _lower_priority() -> None:
    """Make the calling thread yield the CPU to inference (Linux schedules threads separately).

    On a machine whose cores the framework already keeps busy, decoding at the same priority would
    steal time slices from inference threads and stall them; at a lower priority it fills the gaps
    the framework leaves (single-threaded layers, synchronisation) and runs ahead into the queue.
    """
    # Not Linux, or not permitted: correctness does not depend on it.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """Where a detached session stands. ``progress`` is 0..1; ``error`` the traceback if it failed."""

    state: str  # "running" | "done" | "stopped" | "failed"
    done: int
    total: int
    progress: float
    message: str
    error: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Loaded:
    ref: ImageRef
    image: ImageArray
    prepared: Any


@dataclass(slots=True)
class _Failure:
    error: BaseException


class PredictionSession:
    """Predictions streaming from a background pipeline; iterate it or call :meth:`next`.

    Predictions come in input order. :meth:`stop` ends the work early (what is queued stays
    readable). If the pipeline fails, iteration raises the error after the predictions made before it.
    """

    def __init__(
        self,
        runner: Runner[Any],
        items: Sequence[InputItem],
        options: PredictOptions,
        batch_size: int,
        single: bool = False,
        on_prediction: Callable[[Prediction], None] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self._runner = runner
        self._run_lock = _run_lock(runner)
        self._items = items
        self._options = options
        self._batch_size = max(1, batch_size)
        self._single = single
        self._on_prediction = on_prediction
        self._context = context or {}
        self.total = count_images(items)
        self._done = 0
        self._state = "running"
        self._error: BaseException | None = None
        self._traceback: str | None = None
        self._stop = threading.Event()
        self._loaded: queue.Queue[Any] = queue.Queue(maxsize=2 * self._batch_size + 2)
        self._out: queue.Queue[Any] = queue.Queue(maxsize=256)
        self._finished = threading.Event()
        self._loader = threading.Thread(target=self._load, name="predhub-load", daemon=True)
        self._worker = threading.Thread(target=self._infer, name="predhub-infer", daemon=True)
        self._loader.start()
        self._worker.start()

    # -- the pipeline -------------------------------------------------------------------------

    def _put(self, q: queue.Queue[Any], item: Any) -> bool:
        """Put unless the session is stopped; False when stopped."""
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _load(self) -> None:
        _lower_priority()
        try:
            for ref, image in iter_images(self._items, self._single):
                prepared = self._runner.prepare(image, self._options)
                if not self._put(self._loaded, _Loaded(ref, image, prepared)):
                    return
        except BaseException as exc:  # handed to the inference thread, which reports it
            self._put(self._loaded, _Failure(exc))
            return
        self._put(self._loaded, _END)

    def _next_batch(self) -> tuple[list[_Loaded], Any]:
        """Up to batch_size loaded images without waiting for more than the first; and the
        sentinel or failure that ended the input, if one came."""
        batch: list[_Loaded] = []
        while len(batch) < self._batch_size:
            try:
                item = self._loaded.get(timeout=0.1) if not batch else self._loaded.get_nowait()
            except queue.Empty:
                if batch or self._stop.is_set():
                    break
                continue
            if item is _END or isinstance(item, _Failure):
                return batch, item
            batch.append(item)
        return batch, None

    def _infer(self) -> None:
        try:
            while not self._stop.is_set():
                batch, end = self._next_batch()
                if batch:
                    with self._run_lock:
                        outputs = self._runner.run([b.prepared for b in batch], self._options)
                    for loaded, output in zip(batch, outputs, strict=True):
                        prediction = self._prediction(loaded, output)
                        if self._on_prediction is not None:
                            self._on_prediction(prediction)
                        if not self._put(self._out, prediction):
                            break
                        self._done += 1
                if isinstance(end, _Failure):
                    raise end.error
                if end is _END:
                    self._state = "done"
                    break
            else:
                self._state = "stopped"
        except BaseException as exc:
            self._error = exc
            self._traceback = "".join(traceback.format_exception(exc))
            self._state = "failed"
        finally:
            self._finished.set()

    def _prediction(self, loaded: _Loaded, output: ModelOutput) -> Prediction:
        ref, options = loaded.ref, self._options
        objects = output.objects.filter(
            conf=options.conf if options.conf is not None else self._runner.default_conf,
            classes=options.classes,
        )
        classifications = output.classifications
        if options.classes is not None:
            classifications = [c for c in classifications if c.answer in options.classes]
        return Prediction(
            objects=objects,
            classifications=classifications,
            source=ref.source,
            width=loaded.image.shape[1],
            height=loaded.image.shape[0],
            model=self._runner.name,
            model_version=self._runner.version,
            image_path=ref.path,
            image_url=ref.url,
            image=ref.array,
            frame_index=ref.frame_index,
            sample_id=ref.sample_id,
            sample_key=ref.sample_key,
            dataset_id=ref.dataset_id,
            meta={"ref": ref} if ref.url is not None or ref.fetch is not None else {},
        )

    # -- the caller's side --------------------------------------------------------------------

    def next(self, timeout: float | None = None, block: bool = True) -> Prediction | None:
        """The next prediction; None when none came within ``timeout`` (or at once when
        ``block=False``). Raises ``StopIteration`` when all are read, the pipeline's error if it failed.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                prediction: Prediction = self._out.get_nowait()
                return prediction
            except queue.Empty:
                pass
            # Checked after the queue: the worker queues its last prediction before it finishes.
            if self._finished.is_set() and self._out.empty():
                if self._error is not None:
                    raise self._error
                raise StopIteration
            remaining = None if deadline is None else deadline - time.monotonic()
            if not block or (remaining is not None and remaining <= 0):
                return None
            try:
                prediction = self._out.get(timeout=0.05 if remaining is None else min(0.05, remaining))
                return prediction
            except queue.Empty:
                continue

    def __iter__(self) -> Iterator[Prediction]:
        return self

    def __next__(self) -> Prediction:
        prediction = self.next()
        assert prediction is not None  # a blocking get without timeout always yields
        return prediction

    def is_done(self) -> bool:
        """True once the pipeline finished, failed or was stopped (predictions may still be queued)."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def stop(self) -> None:
        """End the work; predictions already made stay readable."""
        self._stop.set()
        self._worker.join()
        self._loader.join()

    def status(self) -> SessionStatus:
        total = self.total
        done = self._done
        messages = {
            "running": f"predicted {done} of {total} images",
            "done": f"predicted {done} images",
            "stopped": f"stopped after {done} of {total} images",
            "failed": f"failed after {done} of {total} images: {self._error}",
        }
        return SessionStatus(
            state=self._state,
            done=done,
            total=total,
            progress=1.0 if total == 0 else done / total,
            message=messages[self._state],
            error=self._traceback,
            context={"model": self._runner.name, **self._context},
        )
