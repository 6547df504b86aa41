"""match() on real clips: shots, cache, paired mode, 10-bit, HDR refusal."""

from __future__ import annotations

import numpy as np
import pytest

from broll.errors import MediaError
from broll.grading import match
from broll.testing.casts import STANDARD_CASTS
from broll.grading.color import delta_e00, rgb_to_lab, to_float
from broll.grading.render import write_graded_copy
from broll.media import synth
from broll.media.frames import iter_frames
from broll.media.probe import probe


def test_cast_clip_is_matched_and_cached(grade_media, tmp_path):
    clip = grade_media.clip("coffee", STANDARD_CASTS[0], duration=1.0)
    ref = grade_media.still("coffee")
    first = match(clip, ref, cache_root=tmp_path, paired=False)
    assert not first.cached and len(first.shots) == 1
    assert first.methods_used == ["mkl"]
    assert first.de_after < first.de_before / 2
    filt = first.ffmpeg_filter()
    assert filt.startswith("format=gbrp16le,lut3d=file=") and "interp=tetrahedral" in filt
    again = match(clip, ref, cache_root=tmp_path, paired=False)
    assert again.cached and again.shots[0].lut == first.shots[0].lut
    other = match(clip, ref, cache_root=tmp_path, paired=False, strength=0.5)
    assert not other.cached and other.shots[0].lut != first.shots[0].lut


def test_clip_with_a_cut_gets_one_lut_per_shot(grade_media, tmp_path):
    clip = grade_media.two_shot()
    result = match(clip, grade_media.still("coffee"), cache_root=tmp_path)
    assert [(s.start_frame, s.end_frame) for s in result.shots] == [(0, 30), (30, 60)]
    assert result.shots[0].lut != result.shots[1].lut
    filt = result.ffmpeg_filter()
    assert filt.count("lut3d=") == 2 and r"enable=lt(t\,0.983333)" in filt and r"enable=gte(t\,0.983333)" in filt
    # the shot of a different scene is protected, the matching one is fully graded
    assert result.shots[0].fit["method"] == "mkl"
    assert "content-differs" in result.shots[1].fit["safeguards"]
    # trimmed to the second shot only: one LUT, no switching
    assert result.ffmpeg_filter(start=1.0).count("lut3d=") == 1


def test_image_to_video_clip_uses_paired_mode(grade_media, tmp_path):
    clip = grade_media.clip("astronaut", STANDARD_CASTS[2], duration=1.0, size=(320, 320))
    result = match(clip, grade_media.still("astronaut"), cache_root=tmp_path)
    assert result.shots[0].fit["paired"] and result.methods_used == ["paired"]
    assert result.de_after < 1.5 < result.de_before


def test_graded_copy_keeps_audio_and_moves_colour(grade_media, tmp_path):
    clip = grade_media.clip("chelsea", STANDARD_CASTS[1], duration=1.0, audio=440.0)
    ref = grade_media.still("chelsea")
    result = match(clip, ref, cache_root=tmp_path, paired=False)
    out = write_graded_copy(result, tmp_path / "out" / clip.name)
    info = probe(out)
    assert info.has_audio and info.frame_count == probe(clip).frame_count and info.codec == "h264"
    truth = grade_media.clip("chelsea", None, duration=1.0)   # same motion, no cast
    def frames(path):
        return np.stack([to_float(f.image) for f in iter_frames(path, width=160)])
    t, before, after = frames(truth), frames(clip), frames(out)
    err_before = delta_e00(rgb_to_lab(before), rgb_to_lab(t)).mean()
    err_after = delta_e00(rgb_to_lab(after), rgb_to_lab(t)).mean()
    assert err_after < err_before / 2


def test_ten_bit_clip_stays_ten_bit(grade_media, tmp_path):
    clip = grade_media.clip("coffee", STANDARD_CASTS[0], duration=0.5, pix_fmt="yuv420p10le")
    assert probe(clip).bit_depth == 10
    result = match(clip, grade_media.still("coffee"), cache_root=tmp_path, paired=False)
    assert result.bit_depth == 10 and result.de_after < result.de_before
    out = write_graded_copy(result, tmp_path / "ten" / clip.name)
    assert probe(out).bit_depth == 10


def test_hdr_clip_is_refused_with_a_clear_message(tmp_path, grade_media):
    hdr = synth.make_clip(tmp_path / "pq.mp4", duration=0.5, audio=None,
                          codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                                      "-x264-params", "transfer=smpte2084:colorprim=bt2020:colormatrix=bt2020nc"])
    with pytest.raises(MediaError, match=r"pq\.mp4: is HDR \(PQ"):
        match(hdr, grade_media.still("coffee"), cache_root=tmp_path)


def test_letterboxed_clip_keeps_black_bars(grade_media, tmp_path):
    clip = grade_media.clip("coffee", STANDARD_CASTS[0], duration=0.5, pad=(0, 24))
    result = match(clip, grade_media.still("coffee"), cache_root=tmp_path, paired=False)
    assert result.methods_used == ["mkl"] and result.de_after < result.de_before / 2
    out = write_graded_copy(result, tmp_path / "lb" / clip.name)
    frame = next(iter_frames(out)).image
    assert frame[:20].max() <= 24 and frame[-20:].max() <= 24


def test_black_clip_is_left_alone(tmp_path, grade_media):
    black = synth.make_clip(tmp_path / "black.mp4", source="color=c=black", duration=0.5, audio=None)
    result = match(black, grade_media.still("coffee"), cache_root=tmp_path)
    assert result.safeguards == ["no-usable-pixels"] and result.methods_used == ["identity"]
    out = write_graded_copy(result, tmp_path / "o" / "black.mp4")
    assert next(iter_frames(out)).image.max() <= 20


def test_animated_gif_stays_a_gif(tmp_path, grade_media):
    gif = synth.make_clip(tmp_path / "anim.gif", duration=0.4, fps=10, audio=None, codec_args=[])
    assert probe(gif).animated
    result = match(gif, grade_media.still("coffee"), cache_root=tmp_path)
    out = write_graded_copy(result, tmp_path / "o" / "anim.gif")
    assert probe(out).animated and probe(out).frame_count == probe(gif).frame_count


def test_near_grey_clip_is_only_balanced(grade_media, tmp_path):
    from broll.testing.casts import Cast
    grey = Cast(saturation=0.03, gains=(1.1, 1.0, 0.9))
    clip = grade_media.clip("chelsea", grey, duration=0.5)
    result = match(clip, grade_media.still("coffee"), cache_root=tmp_path)
    assert result.methods_used == ["balance"] and "near-grey" in result.safeguards


def test_a_look_book_of_stills_of_different_sizes(grade_media, tmp_path):
    from broll.grading import load_reference
    stills = [grade_media.still("coffee", width=480), grade_media.still("chelsea", width=300)]
    ref = load_reference(stills)
    assert len(ref.parts) == 2 and len(ref.images) == 2 and ref.sha256
    clip = grade_media.clip("astronaut", STANDARD_CASTS[1], duration=0.5)
    result = match(clip, stills, cache_root=tmp_path, paired=False)
    assert result.shots[0].fit["components"]["confidence"] == 1.0 and result.shots[0].fit["components"]["stills"] == 2


def test_uncached_luts_live_until_the_process_exits(grade_media, tmp_path):
    """Without cache_root the LUTs sit in one scratch folder per process, removed at exit."""
    import subprocess
    import sys
    from pathlib import Path

    clip = grade_media.clip("coffee", STANDARD_CASTS[0], duration=1.0)
    ref = grade_media.still("coffee")
    script = (
        "import sys; from pathlib import Path; from broll.grading import match\n"
        "a = match(sys.argv[1], sys.argv[2], paired=False)\n"
        "b = match(sys.argv[1], sys.argv[2], paired=False, strength=0.5)\n"
        "luts = [Path(s.lut) for s in a.shots + b.shots]\n"
        "assert all(p.is_file() for p in luts)\n"
        "assert len({p.parent for p in luts}) == 1\n"
        "print(luts[0].parent)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(clip), str(ref)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.name.startswith("broll-grade-") and not folder.exists()
