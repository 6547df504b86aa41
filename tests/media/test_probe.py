import importlib
from fractions import Fraction

import pytest

from broll.errors import MediaError
from broll.media import synth
from broll.media.ffmpeg import run_ffmpeg
from broll.media.frames import iter_frames, sample_frames
from broll.media.probe import probe


def test_probe_basic_clip(media):
    info = probe(media.clip(duration=1.0, fps=30))
    assert (info.kind, info.width, info.height) == ("video", 320, 180)
    assert info.fps == 30 and info.frame_count == 30
    assert info.duration == 1
    assert info.has_audio and info.audio_rate == 48000
    assert not info.vfr and info.rotation == 0


def test_probe_no_audio_and_odd_rate(media):
    info = probe(media.clip("ai8.mp4", fps=8, duration=2.0, audio=None))
    assert info.fps == 8 and info.frame_count == 16 and not info.has_audio
    ntsc = probe(media.clip("ntsc.mp4", fps="30000/1001", duration=1.0, audio=None))
    assert ntsc.fps == Fraction(30000, 1001)


def test_probe_rotation_swaps_display_size(media, tmp_path):
    src = media.clip("landscape.mp4", size=(320, 180), audio=None)
    rotated = tmp_path / "portrait.mp4"
    run_ffmpeg(["-y", "-display_rotation", "90", "-i", str(src), "-c", "copy", str(rotated)])
    info = probe(rotated)
    assert info.rotation == 90
    assert (info.width, info.height) == (180, 320)
    frame = next(iter_frames(rotated))
    assert frame.image.shape[:2] == (320, 180)


def test_probe_sar_gives_square_pixel_width(media):
    info = probe(media.clip("anamorphic.mp4", size=(240, 180), vfilters=["setsar=4/3"], audio=None))
    assert info.sar == Fraction(4, 3) and (info.width, info.height) == (320, 180)


def test_probe_vfr(tmp_path):
    path = synth.make_clip(tmp_path / "vfr.mp4", fps=30, duration=2, audio=None,
                           vfilters=["setpts='if(lt(N,30),N/30,1+(N-30)/15)/TB'"],
                           extra_args=["-fps_mode", "vfr"])
    info = probe(path)
    assert info.vfr


def test_probe_ten_bit(tmp_path):
    path = synth.make_clip(tmp_path / "10bit.mp4", audio=None,
                           codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le"])
    info = probe(path)
    assert info.bit_depth == 10


def test_probe_still_and_gif(media, tmp_path):
    still = probe(media.image("odd.png", vfilters=["scale=641:359", "setsar=1"]))
    assert still.is_still and (still.width, still.height) == (641, 359)
    gif = tmp_path / "anim.gif"
    synth.make_clip(gif, size=(160, 90), fps=10, duration=1, audio=None, codec_args=[])
    info = probe(gif)
    assert info.animated and info.frame_count == 10


def test_probe_errors_name_the_file(tmp_path):
    with pytest.raises(MediaError, match="missing.mp4: file not found"):
        probe(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 10)
    with pytest.raises(MediaError, match="junk.mp4"):
        probe(junk)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        probe(empty)


def test_numbered_clip_frames_reveal_their_index(media):
    path = media.numbered(frames=40, fps=20)
    for fr in iter_frames(path):
        assert synth.read_frame_number(fr.image) == fr.index


def test_sample_frames_spread(media):
    frames = sample_frames(media.clip("long.mp4", duration=2.0, audio=None), count=8, width=160)
    assert len(frames) == 8
    assert frames[0].image.shape == (90, 160, 3)
    idx = [f.index for f in frames]
    assert idx == sorted(idx) and idx[-1] - idx[0] > 40


def test_probe_colour_tags_and_hdr(tmp_path):
    sdr = synth.make_clip(tmp_path / "709.mp4", audio=None, codec_args=[
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-x264-params", "transfer=bt709:colorprim=bt709:colormatrix=bt709"])
    info = probe(sdr)
    assert (info.color_transfer, info.color_primaries, info.color_space, info.color_range) == ("bt709", "bt709", "bt709", "tv")
    assert not info.is_hdr
    pq = synth.make_clip(tmp_path / "pq.mp4", audio=None,
                         codec_args=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
                                     "-x264-params", "transfer=smpte2084:colorprim=bt2020:colormatrix=bt2020nc"])
    assert probe(pq).is_hdr


def test_probe_jpeg_still_and_longer_audio(tmp_path):
    still = probe(synth.make_image(tmp_path / "big.jpg", size=(4000, 3000)))
    assert still.is_still and (still.width, still.height) == (4000, 3000)
    clip = probe(synth.make_clip(tmp_path / "longaudio.mp4", duration=1, audio_duration=2.5))
    assert clip.duration == 1 and clip.audio_duration > 2


def test_sample_frames_seek_path_keeps_true_indices(tmp_path):
    path = synth.make_numbered_clip(tmp_path / "dense-gop.mp4", fps=30, frames=240)
    # re-encode with a keyframe every 10 frames so the sampler seeks
    dense = tmp_path / "k10.mp4"
    run_ffmpeg(["-y", "-i", str(path), "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", str(dense)])
    assert probe(dense).keyframes >= 20
    frames = sample_frames(dense, count=6, width=160)
    assert len(frames) == 6
    for fr in frames:
        assert synth.read_frame_number(fr.image) == fr.index
    one_key = tmp_path / "k1.mp4"
    run_ffmpeg(["-y", "-i", str(path), "-c:v", "libx264", "-preset", "ultrafast", "-g", "100000", str(one_key)])
    assert probe(one_key).keyframes == 1
    assert [f.index for f in sample_frames(one_key, count=6, width=160)] == [f.index for f in frames]


def _probe_both_ways(path, monkeypatch):
    """(indexed probe, full-demux probe) of one file, bypassing the probe cache."""
    probe_module = importlib.import_module("broll.media.probe")   # the package re-exports probe()

    fast = probe_module._probe_cached.__wrapped__(str(path), path.stat().st_size, 0)
    with monkeypatch.context() as m:
        m.setattr(probe_module, "_indexed_timestamps", lambda stream: None)
        slow = probe_module._probe_cached.__wrapped__(str(path), path.stat().st_size, 0)
    return fast, slow


@pytest.mark.parametrize("case", ["cfr", "bframes", "vfr", "rotated", "edit-list", "mkv"])
def test_index_probe_matches_a_full_demux(case, tmp_path, monkeypatch):
    """The sample-table shortcut must give exactly what reading every packet gives."""
    probe_module = importlib.import_module("broll.media.probe")   # the package re-exports probe()

    suffix = ".mkv" if case == "mkv" else ".mp4"
    kwargs: dict = {"fps": 30, "duration": 2, "audio": 440}
    if case == "bframes":
        kwargs["codec_args"] = ["-c:v", "libx264", "-preset", "medium", "-bf", "3", "-pix_fmt", "yuv420p"]
    if case == "vfr":
        kwargs.update(vfilters=["setpts='if(lt(N,30),N/30,1+(N-30)/15)/TB'"], extra_args=["-fps_mode", "vfr"])
    path = synth.make_clip(tmp_path / f"{case}{suffix}", **kwargs)
    if case == "rotated":
        rotated = tmp_path / "rotated2.mp4"
        run_ffmpeg(["-y", "-display_rotation", "90", "-i", str(path), "-c", "copy", str(rotated)])
        path = rotated
    if case == "edit-list":   # a stream-copied cut from 0.5 s: an edit list with discarded samples
        cut = tmp_path / "cut.mp4"
        run_ffmpeg(["-y", "-ss", "0.5", "-i", str(path), "-c", "copy", str(cut)])
        path = cut
    fast, slow = _probe_both_ways(path, monkeypatch)
    assert fast == slow
    import av
    with av.open(str(path)) as container:
        used_index = probe_module._indexed_timestamps(container.streams.video[0]) is not None
    assert used_index == (case in ("cfr", "bframes", "vfr", "rotated"))
