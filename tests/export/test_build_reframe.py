"""`broll build` with subject-aware cover: per output, per item, and auto for big aspect changes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from broll.assemble.resolve import validate_edit_list
from broll.cli import main
from broll.media.frames import iter_frames
from broll.reframe.timeline import subject_crop

DISC_RADIUS = 20                 # as drawn by the ``reel`` fixture in conftest.py


def _disc_whole(path) -> float:
    seen = []
    for fr in iter_frames(path, width=108, fmt="gray"):
        bright = fr.image > 200
        cols = np.flatnonzero(bright.sum(axis=0))
        radius = DISC_RADIUS * (fr.image.shape[0] / 360)
        seen.append(bool(bright.sum() > 0.7 * np.pi * radius ** 2 and cols.size and cols[0] > 0
                         and cols[-1] < fr.image.shape[1] - 1))
    return float(np.mean(seen))


@pytest.fixture()
def project(reel, tmp_path):
    shutil.copy(reel, tmp_path / "reel.mp4")
    return tmp_path


def test_outputs_choose_their_reframe(project):
    (project / "edit.yaml").write_text(
        "version: 1\n"
        "output:\n"
        "  - {path: out/subject.mp4, preset: 9x16-1080p, reframe: subject}\n"
        "  - {path: out/center.mp4, preset: 9x16-1080p, reframe: center}\n"
        "  - {path: out/blur.mp4, preset: 1x1-1080p, reframe: blur}\n"
        "timeline:\n"
        "  - clip: reel.mp4\n")
    result = CliRunner().invoke(main, ["build", str(project / "edit.yaml"), "--preview", "--json", "-q"])
    assert result.exit_code == 0, result.output
    outs = {r["path"].rsplit("/", 1)[-1]: r for r in json.loads(result.output)["outputs"]}
    assert set(outs) == {"subject.preview.mp4", "center.preview.mp4", "blur.preview.mp4"}
    assert _disc_whole(project / "out" / "subject.preview.mp4") >= 0.95
    assert _disc_whole(project / "out" / "center.preview.mp4") < 0.6
    _, jobs = validate_edit_list(project / "edit.yaml")
    assert [j.timeline.items[0].fit for j in jobs] == ["cover", "cover", "blur"]
    # each output reports how its items were framed, as `broll export` does (issue #13)
    framing = outs["subject.preview.mp4"]["reframe"]
    assert [(f["item"], f["strategy"]) for f in framing] == [("timeline[0]", "subject")]
    assert 0.5 < framing[0]["confidence"] <= 1 and framing[0]["widened"] is False
    assert outs["center.preview.mp4"]["reframe"] == [] and outs["blur.preview.mp4"]["reframe"] == []


def test_item_reframe_and_auto(project):
    (project / "edit.yaml").write_text(
        "version: 1\noutput: out/v.mp4\npreset: 9x16-1080p\n"
        "timeline:\n"
        "  - {clip: reel.mp4, out: 1}\n"                       # defaults: reframe auto -> subject for 16:9 -> 9:16
        "  - {clip: reel.mp4, in: 1, reframe: center}\n"
        "  - {clip: reel.mp4, fit: contain}\n")
    _, jobs = validate_edit_list(project / "edit.yaml")
    tl = jobs[0].timeline
    assert [(i.fit, i.reframe) for i in tl.items] == [("cover", "auto"), ("cover", "center"), ("contain", "center")]
    crop = subject_crop(tl.items[0], tl.width, tl.height)
    assert crop is not None and crop[0].startswith("crop=w=202:h=360:x=")
    assert subject_crop(tl.items[1], tl.width, tl.height) is None
    assert subject_crop(tl.items[2], tl.width, tl.height) is None
    assert subject_crop(tl.items[0], 1920, 1080) is None            # same aspect: nothing to crop
    assert subject_crop(tl.items[0], 1440, 1080) is None            # 16:9 -> 4:3 loses 25%: auto stays central


def test_speed_change_retimes_the_path(project):
    (project / "edit.yaml").write_text(
        "version: 1\noutput: out/slow.mp4\npreset: 9x16-1080p\n"
        "defaults: {reframe: subject}\n"
        "timeline:\n  - {clip: reel.mp4, in: 0, out: 1, speed: 0.5}\n")
    result = CliRunner().invoke(main, ["build", str(project / "edit.yaml"), "--preview", "-q"])
    assert result.exit_code == 0, result.output
    assert _disc_whole(project / "out" / "slow.preview.mp4") >= 0.95


def test_build_writes_opentimelineio(project, media):
    import opentimelineio as otio
    shutil.copy(media.tone(duration=3.0), project / "bed.m4a")
    (project / "edit.yaml").write_text(
        "version: 1\noutput: out/reel.mp4\n"
        "defaults: {transition: {type: fade, duration: 0.5}}\n"
        "music: {path: bed.m4a}\n"
        "timeline:\n"
        "  - {title: Hello, duration: 1.5}\n"
        "  - {clip: reel.mp4, in: 0.5, out: 1.5, text: {value: Look, start: 0.2, end: 0.8}}\n"
        "  - {clip: reel.mp4, in: 0, out: 2, speed: 2, transition: {type: wipeleft, duration: 0.4}}\n")
    result = CliRunner().invoke(main, ["build", str(project / "edit.yaml"), "--otio", str(project / "reel.otio"),
                                       "--otio-only", "--json"])
    assert result.exit_code == 0, result.output
    assert not (project / "out" / "reel.mp4").exists()
    _, jobs = validate_edit_list(project / "edit.yaml")
    tl = otio.adapters.read_from_file(str(project / "reel.otio"))
    video, music = tl.tracks
    assert abs(video.duration().to_seconds() - float(jobs[0].timeline.duration)) < 1e-6
    assert abs(music.duration().to_seconds() - float(jobs[0].timeline.duration)) < 1e-6
    clips = list(video.find_clips())
    assert [c.name for c in clips] == ["Hello", "reel.mp4", "reel.mp4"]
    assert isinstance(clips[0].media_reference, otio.schema.GeneratorReference)
    assert abs(clips[1].source_range.start_time.to_seconds() - 0.75) < 1e-6     # in 0.5 + half the fade
    assert clips[2].effects[0].time_scalar == 2
    assert [m.name for c in clips for m in c.markers] == ["Hello", "Look"]
    result = CliRunner().invoke(main, ["build", str(project / "edit.yaml"), "--otio-only"])
    assert result.exit_code != 0 and "--otio-only needs --otio" in result.output


def test_a_rebuild_does_not_track_the_subject_again(project, monkeypatch):
    """The crop is remembered in the project's file memo by the clip's stat: a second run reads
    it back instead of tracking again; a changed clip is tracked again."""
    import os

    from broll import file_memo
    from broll.reframe import timeline as reframe_timeline

    monkeypatch.setattr(file_memo, "RACY_NS", 0)
    monkeypatch.setattr(file_memo, "_active", None)        # restored after the test
    monkeypatch.setattr(file_memo, "_memos", {})
    (project / "edit.yaml").write_text("version: 1\noutput: out/v.mp4\npreset: 9x16-1080p\n"
                                       "timeline:\n  - {clip: reel.mp4, out: 1}\n")
    _, jobs = validate_edit_list(project / "edit.yaml")
    file_memo.use_project(project)
    first = reframe_timeline.with_subject_crops(jobs[0].timeline)
    assert first.items[0].video_filter.startswith("crop=")
    file_memo.save()
    monkeypatch.setattr(file_memo, "_memos", {})          # the next process: the memo from disk
    file_memo.use_project(project)
    calls = []
    real = reframe_timeline._analyse
    monkeypatch.setattr(reframe_timeline, "_analyse", lambda *a: calls.append(a) or real(*a))
    again = reframe_timeline.with_subject_crops(jobs[0].timeline)
    assert again.items[0].video_filter == first.items[0].video_filter and calls == []
    os.utime(project / "reel.mp4")                       # the clip changed (its stamp did)
    reframe_timeline.with_subject_crops(jobs[0].timeline)
    assert len(calls) == 1
