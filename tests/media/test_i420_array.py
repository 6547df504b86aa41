"""A decoded 4:2:0 frame copied plane by plane is the array PyAV's reformat + to_ndarray gives."""

from __future__ import annotations

import av
import numpy as np

from broll.media.analysis_frames import i420_array
from broll.media.frames import iter_frames
from broll.media.synth import make_clip


def test_i420_array_matches_to_ndarray_with_padded_rows(tmp_path):
    # 330 px: the chroma rows (165 px) are padded in the decoder's planes, so row strides differ from widths
    clip = make_clip(tmp_path / "c.mp4", size=(330, 186), duration=0.5, audio=None)
    with av.open(str(clip)) as c:
        frames = list(c.decode(video=0))
    assert frames and frames[0].format.name == "yuv420p"
    assert any(p.line_size != p.width for p in frames[0].planes)
    for f in frames:
        want = f.reformat(width=f.width, height=f.height, format="yuv420p", interpolation="AREA").to_ndarray()
        assert np.array_equal(i420_array(f), want)
    got = [fr.image for fr in iter_frames(clip, fmt="yuv420p")]
    assert len(got) == len(frames)
    assert all(np.array_equal(g, f.to_ndarray()) for g, f in zip(got, frames))
