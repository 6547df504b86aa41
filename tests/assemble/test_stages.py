"""`style:`, `qc:` and `review:` in the edit list: gates and the colour match inside the build."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from broll.assemble.resolve import validate_edit_list
from broll.assemble.build import plan_build
from broll.assemble.stages import QCGateFailed, StageReport, apply_style
from broll.errors import EditListErrors
from broll.media import synth
from broll.media.frames import read_frames
from broll.media.probe import probe


def _mean_rgb(path, index=None):
    frames = read_frames(path, width=160)
    fr = frames[len(frames) // 2 if index is None else index]
    return fr.image.reshape(-1, 3).mean(axis=0)


@pytest.fixture
def cast_project(tmp_path):
    synth.make_image(tmp_path / "style" / "ref.png", source="smptebars", size=(320, 180))
    synth.make_clip(tmp_path / "clips" / "warm.mp4", source="smptebars", size=(320, 180), duration=1,
                    audio=None, vfilters=["colorchannelmixer=rr=1.0:gg=0.85:bb=0.65"])
    return tmp_path


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "broll", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_style_grades_inside_the_build(cast_project, write_edit):
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        loudness: null
        style: {reference: style/ref.png, strength: 1.0}
        timeline:
          - clip: clips/warm.mp4
          - clip: clips/warm.mp4
            style: off
            transition: cut
    """)
    proc = run_cli("build", edit, "--json", "-q")
    assert proc.returncode == 0, proc.stderr
    out = cast_project / "out" / "reel.mp4"
    info = probe(out)
    assert info.frame_count == 60
    # labelled BT.709 / limited range (by setparams: no conversion of the untagged source)
    assert (info.color_primaries, info.color_transfer, info.color_space, info.color_range) == (
        "bt709", "bt709", "bt709", "tv")
    ref = _mean_rgb(cast_project / "style" / "ref.png", 0)
    graded, ungraded = _mean_rgb(out, 10), _mean_rgb(out, 50)
    # the graded half moved towards the reference; the `style: off` half kept its cast
    assert np.abs(graded - ref).sum() < 0.5 * np.abs(ungraded - ref).sum()
    assert ungraded[0] > ungraded[2] + 20 and ungraded[0] - ungraded[2] > graded[0] - graded[2] + 15  # still warm
    import json
    stages = json.loads(proc.stdout)["stages"]
    assert [g["clip"] for g in stages["graded"]] == ["clips/warm.mp4"]


def test_style_filter_only_on_styled_items_and_cached(cast_project, write_edit):
    edit_path = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        style: {reference: style/ref.png}
        timeline:
          - title: "hello"
            duration: 1
          - clip: clips/warm.mp4
          - clip: clips/warm.mp4
            style: {method: balance}
          - clip: clips/warm.mp4
            style: off
    """)
    edit, jobs = validate_edit_list(edit_path)
    jobs = apply_style(edit, jobs, StageReport(), lambda _: None)
    filters = [it.video_filter for it in jobs[0].timeline.items]
    assert filters[0] == "" and filters[3] == ""
    assert "lut3d" in filters[1] and "lut3d" in filters[2] and filters[1] != filters[2]
    assert (cast_project / ".broll" / "project.db").is_file()


def test_style_errors_are_located(cast_project, write_edit):
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        style: {reference: style/missing.png, method: mkll}
        timeline:
          - clip: clips/warm.mp4
            style: {strenght: 0.5}
    """)
    proc = run_cli("validate", edit)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "edit.yaml:4:" in proc.stderr and "did you mean 'mkl'" in proc.stderr
    assert "edit.yaml:7:" in proc.stderr and "strength" in proc.stderr
    edit.write_text(edit.read_text().replace("method: mkll", "method: mkl").replace("{strenght: 0.5}", "off"))
    with pytest.raises(EditListErrors) as info:
        validate_edit_list(edit)
    assert "style.reference" in str(info.value) and "missing.png" in str(info.value)


@pytest.fixture
def qc_project(tmp_path):
    # (not testsrc2: its burnt-in counter and noise blocks change every frame, which boil reads as shimmer)
    synth.make_clip(tmp_path / "clips" / "good.mp4", source="mandelbrot", duration=1.5, audio=None)
    # frames 20-24 black: a broken generation
    synth.make_clip(tmp_path / "clips" / "bad.mp4", source="mandelbrot", duration=1.5, audio=None,
                    vfilters=["drawbox=c=black:t=fill:enable='between(n,20,24)'"])
    return tmp_path


QC_HEAD = """
    version: 1
    output: out/reel.mp4
    preset: tiny
    loudness: null
    qc: {on_fail: %s}
    timeline:
"""
QC_EDIT = QC_HEAD + """
      - clip: clips/good.mp4
      - clip: clips/bad.mp4
        transition: {type: fade, duration: 0.2}
      - clip: clips/good.mp4
"""


def test_qc_stop_refuses_and_names_the_clip(qc_project, write_edit):
    proc = run_cli("build", write_edit(QC_EDIT % "stop"))
    assert proc.returncode == 1, proc.stderr
    assert "clips/bad.mp4" in proc.stderr and "black" in proc.stderr and "Traceback" not in proc.stderr
    assert not (qc_project / "out" / "reel.mp4").exists()


def test_qc_skip_drops_the_clip_and_warn_keeps_it(qc_project, write_edit):
    planned = plan_build(write_edit(QC_EDIT % "skip"))
    report, tl = planned.stages, planned.outputs[0].timeline
    assert report.skipped == ["clips/bad.mp4"] and report.qc["clips/good.mp4"] == "pass"
    assert len(tl.items) == 2 and tl.frames == 90
    planned = plan_build(write_edit(QC_EDIT % "warn"))
    assert len(planned.outputs[0].timeline.items) == 3 and any("bad.mp4" in w for w in planned.stages.warnings)
    with pytest.raises(QCGateFailed):
        plan_build(write_edit(QC_EDIT % "stop"))


def test_otio_is_written_from_the_timeline_qc_left(qc_project, write_edit):
    """The .otio holds what was rendered: QC's skipped clip is not in it (it was, before QC ran)."""
    otio = pytest.importorskip("opentimelineio")
    edit = write_edit(QC_EDIT % "skip")
    proc = run_cli("build", str(edit), "--otio", str(qc_project / "reel.otio"), "--otio-only")
    assert proc.returncode == 0, proc.stderr
    tl = otio.adapters.read_from_file(str(qc_project / "reel.otio"))
    names = [c.name for c in tl.tracks[0].find_clips()]
    assert names == ["good.mp4", "good.mp4"]
    assert tl.duration().to_frames() == 90


def test_review_required_refuses_until_approved(qc_project, write_edit):
    from broll.review.decisions import record_decision
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        loudness: null
        review: required
        timeline:
          - clip: clips/good.mp4
    """)
    proc = run_cli("build", edit)
    assert proc.returncode == 6, proc.stderr
    assert "clips/good.mp4 (unreviewed)" in proc.stderr and "broll review" in proc.stderr
    record_decision(qc_project, qc_project / "clips" / "good.mp4", "approved", note="ok")
    proc = run_cli("build", edit, "-q")
    assert proc.returncode == 0, proc.stderr
    assert (qc_project / "out" / "reel.mp4").is_file()


def test_style_apply_modes_choose_the_filter(cast_project, write_edit):
    def filters(apply: str) -> str:
        edit_path = write_edit(f"""
            version: 1
            output: out/reel.mp4
            preset: tiny
            style: {{reference: style/ref.png, apply: {apply}}}
            timeline:
              - clip: clips/warm.mp4
        """)
        edit, jobs = validate_edit_list(edit_path)
        return apply_style(edit, jobs, StageReport(), lambda _: None)[0].timeline.items[0].video_filter

    assert "lut3d" in filters("exact") and "lutyuv" not in filters("exact")
    fast = filters("fast")
    assert "lutyuv=" in fast and "lut3d" not in fast and "gbrp" not in fast


def test_style_apply_mode_typo_is_located(cast_project, write_edit):
    edit = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        style: {reference: style/ref.png, apply: quick}
        timeline:
          - clip: clips/warm.mp4
    """)
    proc = run_cli("validate", edit)
    assert proc.returncode == 2 and "style.apply" in proc.stderr and "quick" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_fast_styled_build_renders(cast_project, write_edit):
    edit = write_edit("""
        version: 1
        output: out/fast.mp4
        preset: tiny
        loudness: null
        style: {reference: style/ref.png, strength: 1.0, apply: fast}
        timeline:
          - clip: clips/warm.mp4
    """)
    proc = run_cli("build", edit, "--json", "-q")
    assert proc.returncode == 0, proc.stderr
    import json
    assert json.loads(proc.stdout)["stages"]["graded"][0]["applied_as"] == "yuv"
    out = cast_project / "out" / "fast.mp4"
    ref = _mean_rgb(cast_project / "style" / "ref.png", 0)
    src = _mean_rgb(cast_project / "clips" / "warm.mp4", 10)
    graded = _mean_rgb(out, 10)
    assert np.abs(graded - ref).sum() < 0.6 * np.abs(src - ref).sum()


def test_style_takes_a_look_book_as_a_list_or_a_folder(cast_project, write_edit):
    """`style: {reference: [a.png, b.png, c.png]}` and `reference: book/` grade with the look book;
    a missing still is located at its index."""
    book = cast_project / "book"
    for i, source in enumerate(("testsrc2", "rgbtestsrc", "smptehdbars")):
        synth.make_image(book / f"still{i}.png", source=source, size=(320, 180))
    for ref in ("[book/still0.png, book/still1.png, book/still2.png]", "book"):
        edit_path = write_edit(f"""
            version: 1
            output: out/reel.mp4
            preset: tiny
            style: {{reference: {ref}}}
            timeline:
              - clip: clips/warm.mp4
        """)
        edit, jobs = validate_edit_list(edit_path)
        report = StageReport()
        jobs = apply_style(edit, jobs, report, lambda _: None)
        assert jobs[0].timeline.items[0].video_filter != ""
        assert "book" in report.graded[0]["reference"] and "content-differs" in report.graded[0]["safeguards"]
    edit_path = write_edit("""
        version: 1
        output: out/reel.mp4
        preset: tiny
        style: {reference: [book/still0.png, book/nope.png]}
        timeline:
          - clip: clips/warm.mp4
    """)
    with pytest.raises(EditListErrors) as info:
        validate_edit_list(edit_path)
    assert "style.reference" in str(info.value) and "nope.png" in str(info.value)


GIF_EDIT = QC_HEAD + """
      - clip: broken.gif
      - clip: good.gif
"""


def test_the_build_checks_an_animated_gif_and_will_not_repair_it(tmp_path, write_edit):
    """A generated GIF is a take: the build's QC gate checks it (it used to pass unchecked), and
    `on_fail: repair` stops on it with the reason instead of failing inside the repair."""
    synth.make_clip(tmp_path / "good.gif", source="mandelbrot", size=(160, 90), fps=10, duration=2,
                    audio=None, codec_args=())
    synth.make_clip(tmp_path / "broken.gif", source="mandelbrot", size=(160, 90), fps=10, duration=2,
                    audio=None, codec_args=(), vfilters=["drawbox=c=black:t=fill:enable='between(n,8,10)'"])
    planned = plan_build(write_edit(GIF_EDIT % "skip"))
    assert planned.stages.qc["broken.gif"] == "regenerate" and "good.gif" in planned.stages.qc
    assert planned.stages.skipped == ["broken.gif"]
    with pytest.raises(QCGateFailed, match="broken.gif.*convert the animated image to MP4"):
        plan_build(write_edit(GIF_EDIT % "repair"))
    proc = run_cli("build", write_edit(GIF_EDIT % "repair"))
    assert proc.returncode == 1 and "broken.gif" in proc.stderr and "Traceback" not in proc.stderr


def test_a_bad_look_lut_is_a_located_error_before_anything_renders(cast_project, write_edit):
    (cast_project / "short.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n")
    edit = """
        version: 1
        output: out/reel.mp4
        preset: tiny
        style: {reference: style/ref.png, look: %s}
        timeline:
          - clip: clips/warm.mp4
    """
    with pytest.raises(EditListErrors, match=r"edit.yaml:4:\d+: style.look: short.cube: LUT_3D_SIZE 2 needs 8"):
        validate_edit_list(write_edit(edit % "short.cube"))
    with pytest.raises(EditListErrors, match=r"style.look: gone.cube: look LUT not found"):
        validate_edit_list(write_edit(edit % "gone.cube"))
