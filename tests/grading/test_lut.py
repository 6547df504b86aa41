"""LUT baking, .cube round trip, and the FFmpeg lut3d path (escaping, per-shot enable)."""

from __future__ import annotations

import numpy as np
import pytest

from broll.testing.casts import STANDARD_CASTS
from broll.grading.color import delta_e00, rgb_to_lab, to_float
from broll.grading.match import fit_images, reference_from_images
from broll.grading.lut import apply_lut, bake, read_cube, shot_filter, write_cube
from broll.grading.pixels import pool
from broll.grading.transforms import LinearGains, apply_image
from broll.media.ffmpeg import run_ffmpeg
from broll.media.frames import iter_frames, read_image

from .conftest import photo, save_png


def test_cube_round_trip(tmp_path):
    lut = bake(LinearGains(np.array([1.3, 1.0, 0.7])))
    path = write_cube(lut, tmp_path / "g.cube")
    text = path.read_text()
    assert "LUT_3D_SIZE 33" in text
    back = read_cube(path)
    assert back.size == 33
    assert np.allclose(back.table, lut.table, atol=1e-6)


def test_lut_through_ffmpeg_matches_the_direct_transform(tmp_path):
    """G6: a 33-point cube applied by FFmpeg is within 0.15 mean dE00 of the transform itself.

    Input and output are 16-bit RGB so the figure measures the LUT alone: no 8-bit rounding,
    and no 8->16-bit shift (swscale widens rgb24 as v<<8, 0.4% dark at white).
    """
    truth = photo("astronaut", 320)
    src = STANDARD_CASTS[0].apply(truth)
    fitted = fit_images([src], reference_from_images([truth]), strength=1.0)
    cube = write_cube(bake(fitted.transform), tmp_path / "a:b,c.cube")   # needs filter escaping
    src_png = save_png(src.astype(np.uint16) * 257, tmp_path / "src.png")
    out_png = tmp_path / "out.png"
    run_ffmpeg(["-y", "-i", str(src_png), "-vf", shot_filter([(cube, None, None)]) + ",format=rgb48be",
                "-frames:v", "1", "-update", "1", str(out_png)])
    via_ffmpeg = to_float(read_image(out_png, fmt="rgb48le"))
    assert via_ffmpeg.dtype == np.float64 and read_image(out_png, fmt="rgb48le").dtype == np.uint16
    direct = apply_image(fitted.transform, to_float(src))
    err = delta_e00(rgb_to_lab(via_ffmpeg), rgb_to_lab(direct))
    assert err.mean() <= 0.15
    assert np.percentile(err, 95) <= 0.6
    # the Python tetrahedral apply (used for the contact sheet) agrees with FFmpeg too
    py = apply_lut(read_cube(cube), to_float(src).reshape(-1, 3)).reshape(src.shape)
    assert delta_e00(rgb_to_lab(py), rgb_to_lab(via_ffmpeg)).mean() < 0.15


def test_per_shot_luts_switch_exactly_at_the_cut(grade_media, tmp_path):
    clip = grade_media.two_shot()                    # cut at frame 30 of 60, 30 fps
    red = write_cube(bake(lambda x: np.tile([1.0, 0.0, 0.0], (len(x), 1))), tmp_path / "red.cube")
    blue = write_cube(bake(lambda x: np.tile([0.0, 0.0, 1.0], (len(x), 1))), tmp_path / "blue.cube")
    vf = shot_filter([(red, None, 29.5 / 30), (blue, 29.5 / 30, None)])
    out = tmp_path / "switched.mp4"
    run_ffmpeg(["-y", "-i", str(clip), "-vf", vf + ",format=yuv444p", "-c:v", "libx264", "-qp", "0",
                "-preset", "ultrafast", str(out)])
    colours = ["red" if f.image[..., 0].mean() > f.image[..., 2].mean() else "blue" for f in iter_frames(out, width=64)]
    assert colours == ["red"] * 30 + ["blue"] * 30


def test_result_filter_inside_a_trimmed_filter_complex(grade_media, tmp_path):
    """The build's contract: trim -> setpts -> GradeResult.ffmpeg_filter(start, end) -> scale,
    in one filter_complex; the per-shot switch lands on the cut in the trimmed timeline."""
    from broll.grading.match import GradeResult, ShotGrade
    clip = grade_media.two_shot()                    # cut at frame 30 (1.0 s), 30 fps
    red = write_cube(bake(lambda x: np.tile([1.0, 0.0, 0.0], (len(x), 1))), tmp_path / "red.cube")
    blue = write_cube(bake(lambda x: np.tile([0.0, 0.0, 1.0], (len(x), 1))), tmp_path / "blue.cube")
    fit = {"method": "mkl", "safeguards": [], "de_before": 0.0, "de_after": 0.0, "change": 0.0}
    result = GradeResult(str(clip), "ref.png", "mkl", 0.8,
                         [ShotGrade(0, 0.0, 1.0, 0, 30, str(red), fit), ShotGrade(1, 1.0, 2.0, 30, 60, str(blue), fit)],
                         [0, 0, 0], [0, 0, 0], [0, 0, 0])
    graph = (f"[0:v]trim=start=0.5:end=1.5,setpts=PTS-STARTPTS,{result.ffmpeg_filter(start=0.5, end=1.5)},"
             f"scale=160:90,format=yuv444p[v]")
    out = tmp_path / "built.mp4"
    run_ffmpeg(["-y", "-i", str(clip), "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-qp", "0",
                "-preset", "ultrafast", str(out)])
    colours = ["red" if f.image[..., 0].mean() > f.image[..., 2].mean() else "blue" for f in iter_frames(out, width=64)]
    assert colours == ["red"] * 15 + ["blue"] * 15
    # a segment inside one shot needs no switching
    assert result.ffmpeg_filter(start=1.2, end=1.8).count("lut3d=") == 1


def test_shot_switch_times_follow_trim_and_speed():
    from broll.grading.match import GradeResult, ShotGrade
    shots = [ShotGrade(0, 0.0, 2.0, 0, 60, "a.cube", {}), ShotGrade(1, 2.0, 4.0, 60, 120, "b.cube", {})]
    result = GradeResult("clip.mp4", "ref.png", "mkl", 0.8, shots, [0, 0, 0], [0, 0, 0], [0, 0, 0])
    # the cut at 2 s (minus half a frame) is 1.5 s into a trim starting at 0.5 s, 0.75 s at double speed
    assert r"lt(t\,1.483333)" in result.ffmpeg_filter(0.5, 4.0)
    assert r"lt(t\,0.741667)" in result.ffmpeg_filter(0.5, 4.0, speed=2.0)
    assert r"gte(t\,0.741667)" in result.ffmpeg_filter(0.5, 4.0, speed=2.0)


@pytest.mark.parametrize("text,expected", [
    ("LUT_3D_SIZE 2\n0 0 0\n1 1\n", "line 3: expected three numbers (R G B), found 2"),
    ("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n", "LUT_3D_SIZE 2 needs 8 rows of R G B, the file has 2"),
    ("LUT_3D_SIZE 2\n0 0 zero\n", "line 2: expected three numbers (R G B), found '0 0 zero'"),
    ("LUT_3D_SIZE two\n", "line 1: LUT_3D_SIZE needs a whole number"),
    ("hello\n", "no LUT_3D_SIZE (or LUT_1D_SIZE) line"),
])
def test_a_malformed_cube_is_one_error_naming_the_line(tmp_path, text, expected):
    """A look LUT from a colourist's tool that is cut short or hand-edited: the error says which
    line, not colour-science's NumPy internals, and the hint says what a .cube must hold."""
    from broll.errors import InputError
    from broll.grading.lut import LOOK_HINT, read_cube
    path = tmp_path / "look.cube"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_cube(path, hint=LOOK_HINT)
    assert expected in info.value.message and str(path) in info.value.message
    assert "sequence" not in info.value.message and info.value.hint == LOOK_HINT


def test_cube_check_accepts_what_broll_and_resolve_write(tmp_path):
    """broll's own LUTs, and a Resolve-style file with a title, comments, a domain and both a 1D
    shaper and a 3D cube, pass the structure check."""
    from broll.grading.lut import bake, cube_problem, write_cube
    ours = write_cube(bake(lambda rgb: rgb ** 0.9, size=5), tmp_path / "ours.cube")
    assert cube_problem(ours) is None
    resolve = tmp_path / "resolve.cube"
    rows_1d = "".join(f"{v} {v} {v}\n" for v in (0.0, 0.5, 1.0))
    rows_3d = "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1))
    resolve.write_text('TITLE "Look #1"\n# made by hand\nLUT_1D_SIZE 3\nLUT_3D_SIZE 2\n'
                       "DOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n\n" + rows_1d + rows_3d)
    assert cube_problem(resolve) is None
