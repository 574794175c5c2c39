"""Every input kind predict() takes, through a small real Python model that reports what it saw."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from predhub.models import InputError, Model, SettingsError, deploy

from .helpers import Brightness


def _solid(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def test_image_path_pil_and_numpy_are_seen_as_rgb(brightness: Model, tmp_path: Path) -> None:
    red = _solid(tmp_path / "red.png", (250, 0, 0))
    [from_path] = brightness.predict(red)
    assert from_path.classes == ["red"] and from_path.source == str(red) and from_path.image_path == red
    assert (from_path.width, from_path.height) == (40, 30)
    assert from_path.boxes.tolist() == [[0, 0, 40, 30]]
    [from_pil] = brightness.predict(Image.new("RGB", (8, 8), (0, 200, 0)))
    assert from_pil.classes == ["green"] and from_pil.source == "<PIL image>"
    array = np.zeros((5, 7, 3), np.uint8)
    array[..., 2] = 255
    [from_numpy] = brightness.predict(array)
    assert from_numpy.classes == ["blue"] and from_numpy.image is not None
    assert np.array_equal(from_numpy.load_image(), array)


def test_a_list_mixing_kinds_keeps_its_order(brightness: Model, tmp_path: Path) -> None:
    inputs = [
        _solid(tmp_path / "a.jpg", (0, 0, 255)),
        np.full((4, 4, 3), (255, 0, 0), np.uint8),
        Image.new("RGB", (3, 3), (0, 255, 0)),
        str(_solid(tmp_path / "b.png", (255, 0, 0))),
    ]
    predictions = brightness.predict(inputs, batch_size=3)
    assert [p.classes[0] for p in predictions] == ["blue", "red", "green", "red"]
    assert predictions[0].key == "a.jpg" and predictions[3].key == "b.png"


def test_a_folder_and_its_sub_folders(brightness: Model, tmp_path: Path) -> None:
    _solid(tmp_path / "shots" / "1.png", (255, 0, 0))
    _solid(tmp_path / "shots" / "2.jpg", (0, 255, 0))
    _solid(tmp_path / "shots" / "deeper" / "3.png", (0, 0, 255))
    (tmp_path / "shots" / "notes.txt").write_text("not an image")
    flat = brightness.predict(tmp_path / "shots")
    assert [Path(p.source).name for p in flat] == ["1.png", "2.jpg"]
    deep = brightness.predict(tmp_path / "shots", recursive=True)
    assert [Path(p.source).name for p in deep] == ["1.png", "2.jpg", "3.png"]
    assert deep[2].classes == ["blue"]


class _OneImage(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path != "/img/red.png":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a free port) serving one PNG."""
    _OneImage.body = _solid(tmp_path / "red.png", (255, 0, 0)).read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OneImage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_urls_only_through_the_allow_list(image_server: str) -> None:
    url = f"{image_server}/img/red.png"
    closed = deploy(Brightness())
    with pytest.raises(InputError, match="not in the URL allow-list") as err:
        closed.predict(url)
    assert err.value.field == "input"
    allowed = deploy(Brightness(), url_allowlist=[f"{image_server}/img/"])
    [prediction] = allowed.predict(url)
    assert prediction.classes == ["red"] and prediction.image_url == url and prediction.key == "red.png"
    assert prediction.load_image().shape == (30, 40, 3)
    with pytest.raises(InputError, match="not in the URL allow-list"):
        allowed.predict(f"{image_server}/elsewhere/red.png")
    with pytest.raises(InputError, match=r"input\[0\]: cannot fetch .*404"):
        allowed.predict([f"{image_server}/img/missing.png"])


def test_bad_inputs_name_the_input_and_start_nothing(brightness: Model, tmp_path: Path) -> None:
    good = _solid(tmp_path / "ok.png", (1, 2, 3))
    cases: list[tuple[object, str]] = [
        (None, "input: nothing to predict on"),
        ([], "input: the list is empty"),
        ([good, tmp_path / "missing.jpg"], r"input\[1\]: no such file or folder"),
        ([good, 42], r"input\[1\]: cannot predict on a int"),
        (np.zeros((4, 4, 3), np.float32), "input: a numpy image must be uint8"),
        (np.zeros((4, 4, 2), np.uint8), r"must be \(H, W, 3\) RGB"),
        ("ftp://example.com/a.png", r"only http\(s\) URLs"),
        (tmp_path / "empty", "no such file or folder"),
    ]
    (tmp_path / "notes.txt").write_text("hello")
    cases.append((tmp_path / "notes.txt", "not an image or video extension"))
    for value, message in cases:
        with pytest.raises(InputError, match=message):
            brightness.predict(value)
    assert brightness.runner.model.calls == []  # type: ignore[attr-defined]


def test_a_corrupt_image_fails_with_its_index(brightness: Model, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(InputError, match=r"input\[1\]: cannot decode .*broken\.jpg"):
        brightness.predict([_solid(tmp_path / "ok.png", (9, 9, 9)), broken])


def test_bad_arguments_are_refused(brightness: Model) -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    for kwargs, message in [
        ({"conf": 1.5}, "conf: must be a number between 0 and 1"),
        ({"img_size": (0, 3)}, "img_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"classes": "red"}, "classes: must be a list"),
        ({"classes": ["purple"]}, r"\['purple'\] not among brightness's classes"),
        ({"settings": {"speed": 3}}, r"settings\.speed: unknown"),
        ({"settings": {"iou_merge_threshold": "high"}}, "must be a number"),
    ]:
        with pytest.raises(SettingsError, match=message):
            brightness.predict(image, **kwargs)  # type: ignore[arg-type]


def test_classes_and_conf_filter_objects(brightness: Model) -> None:
    dark_red = np.zeros((4, 4, 3), np.uint8)
    dark_red[..., 0] = 60  # mean brightness 20/255
    assert brightness.predict(dark_red, classes=["red"])[0].classes == ["red"]
    assert brightness.predict(dark_red, classes=["blue"])[0].classes == []
    assert brightness.predict(dark_red, conf=0.5)[0].classes == []
