from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from predhub.models import InputError, PredictedObjects, deploy

from .helpers import Brightness, frame_of, write_video


class Gated:
    """A Python model that predicts one image each time the test opens its gate."""

    name = "gated"

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)

    def __call__(self, image: np.ndarray) -> PredictedObjects:
        self.gate.acquire()
        return PredictedObjects([[0, 0, 1, 1]], [image.mean() / 255], [0], ["thing"])


def _images(n: int) -> list[np.ndarray]:
    return [np.full((4, 4, 3), (10 * i) % 256, np.uint8) for i in range(n)]


def test_a_detached_session_streams_predictions_as_they_are_made() -> None:
    gated = Gated()
    session = deploy(gated).predict_detached(_images(5))
    assert session.next(block=False) is None  # nothing predicted yet, and no waiting
    assert session.next(timeout=0.05) is None
    status = session.status()
    assert (status.state, status.done, status.total, status.progress) == ("running", 0, 5, 0.0)
    assert not session.is_done()

    gated.gate.release()
    first = session.next(timeout=30)
    assert first is not None and first.scores[0] == pytest.approx(0.0)
    assert session.status().done == 1 and session.status().progress == pytest.approx(0.2)

    for _ in range(4):
        gated.gate.release()
    rest = list(session)
    assert [round(p.scores[0] * 255) for p in rest] == [10, 20, 30, 40]
    assert session.is_done()
    final = session.status()
    assert (final.state, final.progress, final.error) == ("done", 1.0, None)
    assert final.message == "predicted 5 images" and final.context["model"] == "gated"
    with pytest.raises(StopIteration):
        session.next()


def test_stop_ends_the_work_and_keeps_what_was_made() -> None:
    gated = Gated()
    session = deploy(gated).predict_detached(_images(50))
    gated.gate.release()
    gated.gate.release()
    kept = [session.next(timeout=30), session.next(timeout=30)]
    assert all(p is not None for p in kept)
    for _ in range(50):  # let the worker run past anything stop() might wait on
        gated.gate.release()
    session.stop()
    assert session.is_done()
    status = session.status()
    assert status.state == "stopped" and status.done < 50
    leftover = list(session)
    assert 2 + len(leftover) == status.done


def test_a_failure_mid_way_is_reported_and_raised_after_the_good_predictions(tmp_path: Path) -> None:
    from PIL import Image

    good = tmp_path / "good.png"
    Image.new("RGB", (4, 4), (200, 0, 0)).save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG garbage")
    session = deploy(Brightness()).predict_detached([good, broken])
    first = session.next(timeout=30)
    assert first is not None and first.classes == ["red"]
    with pytest.raises(InputError, match=r"input\[1\]: cannot decode"):
        list(session)
    status = session.status()
    assert status.state == "failed" and status.error is not None and "InputError" in status.error
    assert status.message.startswith("failed after 1 of 2 images")


def test_a_detached_session_over_a_video(tmp_path: Path) -> None:
    from predhub.models import FrameSelection

    video = write_video(tmp_path / "v.avi", frames=20)
    session = deploy(Brightness()).predict_detached(video, frames=FrameSelection(stride=5))
    assert session.total == 4
    assert [frame_of(p) for p in session] == [0, 5, 10, 15]


def test_batches_are_formed_from_what_is_loaded() -> None:
    model = Brightness()
    predictions = deploy(model).predict(_images(10), batch_size=4)
    assert len(predictions) == 10
    assert sum(model.calls) == 10 and max(model.calls) <= 4


def test_two_sessions_on_one_model_never_call_it_at_once() -> None:
    class Exclusive:
        name = "exclusive"

        def __init__(self) -> None:
            self.inside = 0
            self.overlaps = 0

        def __call__(self, image: np.ndarray) -> PredictedObjects:
            self.inside += 1
            if self.inside > 1:
                self.overlaps += 1
            threading.Event().wait(0.002)  # hold the model a moment, as a framework call would
            self.inside -= 1
            return PredictedObjects.empty()

    model = Exclusive()
    handle = deploy(model)
    sessions = [handle.predict_detached(_images(20)) for _ in range(3)]
    assert [len(list(s)) for s in sessions] == [20, 20, 20]
    assert model.overlaps == 0
