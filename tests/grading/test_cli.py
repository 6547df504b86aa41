"""`broll grade` as a user runs it: graded copies, LUT-only, report + contact sheet, errors."""

from __future__ import annotations

import json
import subprocess
import sys

from broll.testing.casts import STANDARD_CASTS
from broll.media.probe import probe


def broll(*args, cwd):
    return subprocess.run([sys.executable, "-m", "broll", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_grade_writes_copies_under_their_names_and_prints_a_table(grade_media, tmp_path):
    a = grade_media.clip("coffee", STANDARD_CASTS[0], duration=0.5, audio=440.0)
    b = grade_media.clip("coffee", STANDARD_CASTS[1], duration=0.5)
    ref = grade_media.still("coffee")
    proc = broll("grade", a, b, "--reference", ref, "-o", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for clip in (a, b):
        assert clip.name in proc.stdout
        assert probe(tmp_path / "out" / clip.name).frame_count == probe(clip).frame_count
    assert probe(tmp_path / "out" / a.name).has_audio
    assert "CIEDE2000" in proc.stdout and "before" in proc.stdout and "safeguard" in proc.stdout and "safeguard" in proc.stdout
    assert (tmp_path / ".broll" / "project.db").is_file()
    # a rebuild uses the cached LUTs
    again = broll("grade", a, "--reference", ref, "-o", tmp_path / "out", "--json", cwd=tmp_path)
    data = json.loads(again.stdout)
    assert data["clips"][0]["cached"] is True and data["clips"][0]["output"].endswith(a.name)


def test_lut_only_and_report_json(grade_media, tmp_path):
    clips = [grade_media.clip("chelsea", cast, duration=0.5) for cast in STANDARD_CASTS]
    proc = broll("grade", *clips, "-r", grade_media.still("chelsea"), "-o", tmp_path / "luts",
                 "--lut-only", "--report", "--json", "--strength", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    cubes = sorted(p.name for p in (tmp_path / "luts").glob("*.cube"))
    assert cubes == sorted(c.stem + ".cube" for c in clips)
    assert not list((tmp_path / "luts").glob("*.mp4"))
    rep = data["report"]
    assert rep["clips"] == 3 and rep["spread_after"] < 0.5 * rep["spread_before"]
    assert rep["to_reference_after"] < rep["to_reference_before"]
    sheet = tmp_path / "luts" / "grade-report.png"
    assert sheet.is_file() and probe(sheet).width > 600
    for clip in data["clips"]:
        assert clip["de_after"] < clip["de_before"] and clip["safeguards"] == []


def test_reference_may_be_a_clip(grade_media, tmp_path):
    ref_clip = grade_media.clip("chelsea", None, duration=0.5)
    clip = grade_media.clip("chelsea", STANDARD_CASTS[2], duration=0.5)
    proc = broll("grade", clip, "-r", ref_clip, "-o", tmp_path / "o", "--lut-only", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["clips"][0]["de_after"] < json.loads(proc.stdout)["clips"][0]["de_before"]


def test_errors_are_one_line_with_a_hint(grade_media, tmp_path):
    clip = grade_media.clip("coffee", STANDARD_CASTS[0], duration=0.5)
    bad = broll("grade", clip, "-r", grade_media.still("coffee"), "--method", "mlk", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "unknown grade method 'mlk'" in bad.stderr and "did you mean 'mkl'" in bad.stderr
    missing = broll("grade", clip, "-r", tmp_path / "style.png", cwd=tmp_path)
    assert missing.returncode == 2 and "style.png: file not found" in missing.stderr
    strength = broll("grade", clip, "-r", grade_media.still("coffee"), "--strength", "1.5", cwd=tmp_path)
    assert strength.returncode == 2 and "1.5" in strength.stderr


def test_look_book_look_lut_and_max_change(grade_media, tmp_path):
    """A folder of stills is a look book; --look applies a .cube after matching; --max-change caps
    a different-content grade; the report names what was transferred."""
    from broll.testing.looks import write_look
    book = tmp_path / "book"
    book.mkdir()
    for name in ("coffee", "chelsea", "rocket"):
        (book / f"{name}.png").write_bytes(grade_media.still(name, STANDARD_CASTS[0]).read_bytes())
    look = write_look("warm", tmp_path / "warm.cube")
    clip = grade_media.clip("astronaut", STANDARD_CASTS[1], duration=0.5)
    proc = broll("grade", clip, "-r", book, "--look", look, "--max-change", "2", "-o", tmp_path / "o",
                 "--lut-only", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "content-differs" in proc.stdout and "look book of 3 stills" in proc.stdout
    data = json.loads(broll("grade", clip, "-r", book, "--look", look, "--max-change", "2", "-o", tmp_path / "o",
                            "--lut-only", "--json", cwd=tmp_path).stdout)
    fit = data["clips"][0]["shots"][0]["fit"]
    assert fit["method"] == "look" and fit["components"]["confidence"] == 1.0 and fit["components"]["stills"] == 3
    assert fit["change"] <= 2.1
    missing = broll("grade", clip, "-r", book, "--look", tmp_path / "nope.cube", cwd=tmp_path)
    assert missing.returncode != 0 and "nope.cube: look LUT not found" in missing.stderr
