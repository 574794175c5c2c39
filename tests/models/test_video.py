from __future__ import annotations

from pathlib import Path

import pytest

from predhub.models import FrameSelection, InputError, Model, Video

from .helpers import frame_of, write_video


def test_frame_selection_by_index_time_stride_and_cap() -> None:
    assert list(FrameSelection().indices(5, 10.0)) == [0, 1, 2, 3, 4]
    assert list(FrameSelection(stride=3, start_frame=2, end_frame=11).indices(20, 10.0)) == [2, 5, 8]
    assert list(FrameSelection(start_time=0.5, end_time=1.0).indices(30, 10.0)) == [5, 6, 7, 8, 9]
    assert list(FrameSelection(stride=2, max_frames=3).indices(30, 10.0)) == [0, 2, 4]
    assert list(FrameSelection(start_frame=25).indices(20, 10.0)) == []


def test_frame_selection_refuses_contradictions() -> None:
    with pytest.raises(InputError, match=r"frames\.stride"):
        FrameSelection(stride=0)
    with pytest.raises(InputError, match=r"frames\.start_frame: give start_frame or start_time, not both"):
        FrameSelection(start_frame=1, start_time=0.1)
    with pytest.raises(InputError, match=r"frames\.max_frames"):
        FrameSelection(max_frames=-1)


def test_a_video_predicts_the_selected_frames(brightness: Model, tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.avi", frames=30, fps=10.0)
    every = brightness.predict(video)
    assert [p.frame_index for p in every] == list(range(30))
    assert [frame_of(p) for p in every] == list(range(30))

    picked = brightness.predict(video, frames=FrameSelection(stride=4, start_frame=3, max_frames=5))
    assert [p.frame_index for p in picked] == [3, 7, 11, 15, 19]
    assert [frame_of(p) for p in picked] == [3, 7, 11, 15, 19]
    assert picked[1].key == "clip.avi#frame=7"
    # load_image() reads the frame back from the file.
    assert round(picked[2].load_image().mean() / 4) == 11

    by_time = brightness.predict(video, frames=FrameSelection(start_time=1.0, end_time=1.5))
    assert [p.frame_index for p in by_time] == [10, 11, 12, 13, 14]


def test_videos_with_their_own_selection_in_a_list(brightness: Model, tmp_path: Path) -> None:
    a = write_video(tmp_path / "a.avi", frames=12)
    b = write_video(tmp_path / "b.avi", frames=12)
    predictions = brightness.predict(
        [Video(a, FrameSelection(end_frame=2)), Video(b, FrameSelection(start_frame=10))]
    )
    assert [(Path(p.source).name, p.frame_index) for p in predictions] == [
        ("a.avi", 0),
        ("a.avi", 1),
        ("b.avi", 10),
        ("b.avi", 11),
    ]


def test_an_unreadable_video_is_refused(brightness: Model, tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"not a video at all")
    with pytest.raises(InputError, match=r"input\[0\]: cannot open video"):
        brightness.predict([fake])
