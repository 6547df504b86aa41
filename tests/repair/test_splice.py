"""Partial re-encode: the packets before a repair (and after a closed keyframe past it) are copied."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from broll.media.splice import PacketMap, plan_splice
from broll.testing import injection as inj


def _map(pts, key=None):
    n = len(pts)
    return PacketMap(tuple(pts), tuple(range(-2, n - 2)), tuple(key or [i == 0 for i in range(n)]),
                     Fraction(1, 30), 0)


def test_cuts_are_the_mini_gop_boundaries_in_decode_order():
    # decode order I0 P3 B1 B2 P6 B4 B5 P7: a prefix is self-contained after 1, 4, 7 and 8 packets
    pm = _map([0, 3, 1, 2, 6, 4, 5, 7])
    assert pm.cuts() == [1, 4, 7, 8]


def test_open_gop_keyframe_is_not_a_copy_point():
    # the I frame at decode position 4 is followed by B frames shown before it (open GOP)
    pm = _map([0, 1, 2, 3, 6, 4, 5, 7], key=[True, False, False, False, True, False, False, False])
    assert pm.closed_keyframes() == []
    closed = _map([0, 1, 2, 3, 4, 5, 6, 7], key=[True, False, False, False, True, False, False, False])
    assert closed.closed_keyframes() == [4]


def test_plan_reencodes_from_the_cut_before_to_the_closed_keyframe_after():
    pm = _map(list(range(12)), key=[i in (0, 4, 8) for i in range(12)])
    plan = plan_splice(pm, 5, 6)
    assert (plan.start, plan.stop) == (5, 8)
    assert plan_splice(pm, 0, 11) is None          # everything: a plain re-encode
    assert plan_splice(None, 3, 4) is None


def _yuv(path):
    from broll.media.frames import iter_frames

    return [f.image for f in iter_frames(path, fmt="yuv420p")]


@pytest.mark.parametrize("gop", [250, 30])
def test_repair_copies_untouched_packets_bit_exact(tmp_path, gop):
    from broll.media.probe import probe
    from broll.media.splice import scan
    from broll.media.writer import write_clip
    from broll.repair import repair_clip

    clean = inj.base("pan:astronaut", 75)
    bad = list(clean)
    bad[40] = np.full_like(clean[40], 255)                     # a white flash frame
    src = write_clip(tmp_path / "src.mp4", bad, fps=30, codec_args=(
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", str(gop), "-pix_fmt", "yuv420p"))
    plan = plan_splice(scan(src), 39, 41)
    assert plan is not None and 30 <= plan.start <= 39
    assert plan.stop == (60 if gop == 30 else 75)
    res = repair_clip(src, tmp_path / "out")
    assert res.repairs and res.verdict != "regenerate"
    a, b = _yuv(src), _yuv(res.output)
    assert len(b) == len(a) == probe(res.output).frame_count == 75
    assert all(np.array_equal(a[i], b[i]) for i in range(plan.start))          # copied prefix
    assert all(np.array_equal(a[i], b[i]) for i in range(plan.stop, 75))       # copied suffix
    assert float(np.abs(b[40].astype(int) - a[39].astype(int)).mean()) < 12    # the flash is gone
    assert min(10 * np.log10(255 ** 2 / max(1e-6, float(np.mean((a[i].astype(float) - b[i]) ** 2))))
               for i in range(plan.start, plan.stop) if abs(i - 40) > 1) > 40  # re-encoded, high quality


def test_splice_keeps_the_audio_and_the_duration(tmp_path):
    from broll.media import synth
    from broll.media.probe import probe
    from broll.media.splice import scan
    from broll.repair.plan import Step
    from broll.repair.run import rewrite

    src = synth.make_clip(tmp_path / "a.mp4", source="testsrc2", duration=2.0, audio=440.0,
                          codec_args=("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"))
    info = probe(src)
    assert plan_splice(scan(src), 29, 31) is not None
    out = tmp_path / "b.mp4"
    rewrite(src, out, [Step("glitch", 30, 30, "flow-interpolate", context=1)], info)
    got = probe(out)
    assert got.frame_count == info.frame_count
    assert got.audio_codec == info.audio_codec
    assert abs(float(got.duration) - float(info.duration)) < 0.05


def test_a_splice_that_fails_falls_back_to_a_whole_re_encode(tmp_path, monkeypatch):
    import broll.media.splice as splice
    from broll.media.writer import write_clip
    from broll.repair import repair_clip

    def broken(*a, **k):
        raise ValueError("non-monotonic dts")

    monkeypatch.setattr(splice, "assemble", broken)
    clean = inj.base("pan:astronaut", 45)
    bad = list(clean)
    bad[25] = np.full_like(clean[25], 255)
    src = write_clip(tmp_path / "src.mp4", bad, fps=30)
    res = repair_clip(src, tmp_path / "out")
    assert res.repairs and res.verdict != "regenerate"
    a, b = _yuv(src), _yuv(res.output)
    assert len(b) == 45
    assert not np.array_equal(a[3], b[3])          # re-encoded whole: even the first frames changed
