"""`broll check` end to end: JSON shape, exit codes, sheets, profiles, cache, errors."""

from __future__ import annotations

import json

import cv2
import pytest
from click.testing import CliRunner

from broll.cli import main, run
from broll.errors import ExitCode


def _run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_json_report_shape_and_exit_code(qc_media):
    bad, truth = qc_media.defect("pan:astronaut", "freeze")
    good = qc_media.clean("pan:astronaut")
    result = _run("check", str(bad), str(good), "--json")
    assert result.exit_code == ExitCode.CHECK_FAILED, result.output
    doc = json.loads(result.output)
    assert doc["profile"] == "default"
    first, second = doc["clips"]
    assert first["path"] == str(bad) and first["verdict"] == "regenerate"
    assert second["verdict"] == "pass"
    freeze = [f for f in first["findings"] if f["kind"] == "freeze"][0]
    assert set(freeze) >= {"kind", "start_frame", "end_frame", "start", "end", "severity", "value", "threshold"}
    assert freeze["start_frame"] == truth.start and freeze["end_frame"] == truth.end
    assert freeze["start"] == pytest.approx(truth.start / 30, abs=1e-3)
    assert freeze["end"] == pytest.approx((truth.end + 1) / 30, abs=1e-3)
    assert first["facts"]["frames"] == 60 and first["facts"]["width"] == 320


def test_all_pass_exits_zero_and_prints_a_table(qc_media):
    result = _run("check", str(qc_media.clean("static:coffee")))
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "static" in result.output


def test_review_alone_exits_zero(qc_media):
    path, _ = qc_media.defect("mandelbrot", "blur")
    result = _run("check", str(path), "--json")
    assert json.loads(result.output)["clips"][0]["verdict"] == "review"
    assert result.exit_code == 0


def test_sheet_is_written(qc_media, tmp_path):
    path, truth = qc_media.defect("pan:astronaut", "glitch")
    result = _run("check", str(path), "--sheet", str(tmp_path / "sheets"), "--json")
    doc = json.loads(result.output)["clips"][0]
    img = cv2.imread(doc["sheet"])
    assert img is not None and img.shape[1] > 1000 and img.shape[0] > 400
    # the flagged thumbnail is outlined in the regenerate colour (BGR red)
    reds = (img[..., 2] > 200) & (img[..., 1] < 60) & (img[..., 0] < 60)
    assert reds.sum() > 500


def test_user_profile_overrides_a_threshold(qc_media, tmp_path):
    path, _ = qc_media.defect("mandelbrot", "blur")
    prof = tmp_path / "mine.yaml"
    prof.write_text("base: default\ndetectors:\n  blur:\n    severity: regenerate\n")
    result = _run("check", str(path), "--profile", str(prof), "--json")
    assert result.exit_code == ExitCode.CHECK_FAILED
    assert json.loads(result.output)["clips"][0]["verdict"] == "regenerate"


def _run_cli(argv, capsys):
    """The console-script path: BrollError -> 'Error: ...' on stderr and its exit code."""
    with pytest.raises(SystemExit) as exc:
        run(argv)
    return exc.value.code, capsys.readouterr().err


def test_bad_profile_is_a_located_error(tmp_path, qc_media, capsys):
    prof = tmp_path / "bad.yaml"
    prof.write_text("detectors:\n  flicker:\n    min_swng: 0.1\n")
    code, err = _run_cli(["check", str(qc_media.clean("static:coffee")), "--profile", str(prof)], capsys)
    assert code == ExitCode.INPUT
    assert "bad.yaml:3:5: detectors.flicker.min_swng: unknown threshold" in err and "min_swing" in err
    assert "Traceback" not in err


def test_unknown_profile_name_lists_the_valid_ones(qc_media, capsys):
    code, err = _run_cli(["check", str(qc_media.clean("static:coffee")), "--profile", "strikt"], capsys)
    assert code == ExitCode.INPUT
    assert "unknown QC profile 'strikt'" in err and "did you mean 'strict'" in err


def test_missing_clip_is_reported_and_others_still_checked(qc_media, tmp_path):
    good = qc_media.clean("static:coffee")
    result = _run("check", str(tmp_path / "nope.mp4"), str(good), "--json")
    doc = json.loads(result.output)
    assert doc["clips"][0]["verdict"] == "error" and "not found" in doc["clips"][0]["error"]
    assert doc["clips"][1]["verdict"] == "pass"
    assert result.exit_code == ExitCode.INPUT


def test_cache_by_content_hash(qc_media, tmp_path):
    path = qc_media.clean("static:coffee")
    first = _run("check", str(path), "--project", str(tmp_path), "--json")
    second = _run("check", str(path), "--project", str(tmp_path))
    assert "(cached)" in second.output and "(cached)" not in first.output
    assert (tmp_path / ".broll" / "project.db").is_file()


def test_image_is_refused_with_a_clear_error(media):
    still = media.image()
    result = CliRunner().invoke(main, ["check", str(still), "--json"])
    assert result.exit_code == ExitCode.INPUT
    assert "not a video" in json.loads(result.output)["clips"][0]["error"]


def test_python_api_caches_and_returns_signals(qc_media, tmp_path):
    from broll.qc import check

    path, truth = qc_media.defect("mandelbrot", "black")
    first = check(path, "default", cache_root=tmp_path)
    again = check(path, "default", cache_root=tmp_path)
    assert not first.cached and again.cached
    assert again.to_dict()["findings"] == first.to_dict()["findings"]
    assert again.verdict == first.verdict == "regenerate"
    report, signals = check(path, "strict", cache_root=tmp_path, with_signals=True)
    assert signals.frames == 60 and report.profile == "strict"
    assert not check(path, "strict", cache_root=tmp_path).verdict == "pass"


def test_a_folder_checks_the_clips_directly_inside_it(qc_media, tmp_path):
    import shutil
    folder = tmp_path / "clips"
    (folder / "fixed").mkdir(parents=True)
    bad, _ = qc_media.defect("pan:astronaut", "freeze")
    shutil.copy(bad, folder / "b-freeze.mp4")
    shutil.copy(qc_media.clean("static:coffee"), folder / "a-clean.mp4")
    shutil.copy(bad, folder / "fixed" / "b-freeze.mp4")     # a sub-folder (earlier outputs) is not taken up
    (folder / "notes.txt").write_text("not a clip")
    result = _run("check", str(folder), "--json")
    doc = json.loads(result.output)
    assert [c["path"] for c in doc["clips"]] == [str(folder / "a-clean.mp4"), str(folder / "b-freeze.mp4")]
    assert [c["verdict"] for c in doc["clips"]] == ["pass", "regenerate"]
    assert result.exit_code == ExitCode.CHECK_FAILED


def test_a_folder_without_clips_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a clip")
    code, err = _run_cli(["check", str(tmp_path)], capsys)
    assert code == ExitCode.INPUT
    assert f"{tmp_path}: no clips in this folder" in err and "Traceback" not in err
