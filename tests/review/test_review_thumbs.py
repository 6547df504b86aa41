"""Grade previews on the review page show what FFmpeg renders: one .cube reader (broll.grading.lut)."""

from __future__ import annotations

import numpy as np

from broll.grading.lut import bake, shot_filter, write_cube
from broll.hashing import file_sha256
from broll.media.ffmpeg import run_ffmpeg_bytes
from broll.media.frames import sample_frames
from broll.review import thumbs


def _cross_channel(rgb: np.ndarray) -> np.ndarray:
    """Products of channels on a 3-point LUT: a lookup that interpolates any other way than
    FFmpeg's tetrahedral one (the old preview's trilinear reader) lands ~2 code values off."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    return np.stack([r * g, g * b, b * r], axis=-1)


def test_grade_preview_matches_ffmpeg_lut3d_on_the_same_frame(tmp_path, media):
    import cv2

    clip = media.clip("mandel.mp4", source="mandelbrot", size=(480, 270), duration=1.0, audio=None)
    lut = write_cube(bake(_cross_channel, size=3), tmp_path / "cross.cube")
    preview = thumbs.grade_preview(tmp_path, clip, file_sha256(clip), lut, "after")
    shown = cv2.imdecode(np.frombuffer(preview.read_bytes(), np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1].astype(int)

    frame = sample_frames(clip, 1, width=thumbs.PREVIEW_WIDTH)[0]       # the frame the preview shows
    h, w = frame.image.shape[:2]
    raw = run_ffmpeg_bytes(["-i", str(clip), "-vf", f"select=eq(n\\,{frame.index}),{shot_filter([(lut, None, None)])},"
                            "format=rgb24", "-frames:v", "1", "-f", "rawvideo", "-"])
    rendered = np.frombuffer(raw, np.uint8).reshape(h, w, 3).astype(int)
    # measured: 1.7 without JPEG, ~2 with it (YUV->RGB rounding differs by ~2 before any LUT);
    # the trilinear reader the page had before was 3.8 off
    print("preview vs FFmpeg, mean |diff|:", np.abs(shown - rendered).mean())
    assert np.abs(shown - rendered).mean() < 2.8
    assert not hasattr(thumbs, "read_cube")                  # no second .cube parser
