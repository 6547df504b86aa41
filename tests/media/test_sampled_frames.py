"""Every frame's luma thumbnail, a colour picture only on demand, the same picture as iter_frames."""

from __future__ import annotations

import cv2
import numpy as np

from broll.media.frames import iter_frames
from broll.media.sampled_frames import THUMB_SIZE, iter_sampled_frames
from broll.media.synth import make_clip


def test_pictures_match_iter_frames_and_thumbnails_follow_the_luma(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", size=(480, 270), duration=1.0, audio=None)
    plain = list(iter_frames(clip, width=160, fmt="bgr24"))
    sampled = list(iter_sampled_frames(clip, width=160))
    assert [f.index for f in sampled] == [f.index for f in plain] and len(sampled) == 30
    for s, p in zip(sampled[::7], plain[::7]):
        assert abs(s.time - p.time) < 1e-9
        assert np.array_equal(s.bgr(), p.image), "the tracker's picture is unchanged"
    for s, p in zip(sampled, plain):
        assert s.thumb.shape == THUMB_SIZE[::-1] and s.thumb.dtype == np.uint8
        grey = cv2.resize(cv2.cvtColor(p.image, cv2.COLOR_BGR2GRAY), THUMB_SIZE, interpolation=cv2.INTER_AREA)
        assert np.abs(s.thumb.astype(int) - grey).mean() < 4, "full-range luma, like the picture's grey"


def test_start_and_end_select_by_time(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", size=(320, 180), duration=2.0, audio=None)
    times = [f.time for f in iter_sampled_frames(clip, width=160, start=0.5, end=1.0)]
    assert len(times) == 15 and times[0] >= 0.5 - 1e-6 and times[-1] < 1.0
