"""`broll fix` end to end on small injected clips: repairs, refusals, exit codes, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from broll.cli import main
from broll.testing import injection as inj

N = 60


def _run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("fix")
    clean = inj.base("pan:astronaut", N)
    out = {"clean_frames": clean}
    glitch, t = inj.inject_glitch(clean, np.random.default_rng(2), "moderate")
    out["glitch"] = (inj.encode(root / "glitch.mp4", glitch), t)
    cut, t = inj.inject_cut(clean, np.random.default_rng(2))
    out["cut"] = (inj.encode(root / "cut.mp4", cut), t)
    return out


def _psnr(a, b):
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 99.0 if mse < 1e-6 else 10 * np.log10(255 ** 2 / mse)


def test_fix_repairs_a_glitch_and_keeps_every_other_frame(clips, tmp_path):
    from broll.media.frames import iter_frames

    src, truth = clips["glitch"]
    res = _run("fix", str(src), "-o", str(tmp_path / "out"), "--json", "--sheet", str(tmp_path / "sheets"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)["clips"][0]
    assert doc["verdict_before"] == "regenerate" and doc["verdict"] in ("pass", "review")
    rep = doc["repairs"][0]
    assert rep["kind"] in ("glitch", "black") and (rep["start"], rep["end"]) == (truth.start, truth.end)
    assert rep["measure"]["after"] < rep["measure"]["before"] / 4
    fixed = [f.image for f in iter_frames(doc["output"], fmt="bgr24")]
    bad = [f.image for f in iter_frames(src, fmt="bgr24")]
    assert len(fixed) == len(bad) == N
    clean = clips["clean_frames"]
    assert _psnr(fixed[truth.start], clean[truth.start]) > _psnr(bad[truth.start], clean[truth.start]) + 10
    others = [i for i in range(N) if i != truth.start]
    drop = np.mean([_psnr(bad[i], clean[i]) for i in others]) - np.mean([_psnr(fixed[i], clean[i]) for i in others])
    assert drop < 0.3
    assert (tmp_path / "sheets" / "glitch.fix.png").stat().st_size > 1000


def test_a_cut_is_refused_and_exits_1(clips, tmp_path):
    src, _ = clips["cut"]
    res = _run("fix", str(src), "-o", str(tmp_path / "out"))
    assert res.exit_code == 1
    assert "not repaired cut" in res.output and "cannot be repaired in place" in res.output
    assert not (tmp_path / "out" / "cut.mp4").exists()


def test_clean_clip_is_copied_unchanged(media, tmp_path):
    src = media.clip("plain.mp4", source="testsrc2", duration=1.0)
    res = _run("fix", str(src), "-o", str(tmp_path / "out"), "--only", "glitch")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / src.name).read_bytes() == src.read_bytes()


def test_audio_survives_a_repair(tmp_path):
    from broll.media.probe import probe
    from broll.media.writer import write_clip
    from broll.media.ffmpeg import run_ffmpeg

    clean = inj.base("pan:astronaut", N)
    bad, _ = inj.inject_black(clean, np.random.default_rng(0), "moderate")
    silent = write_clip(tmp_path / "silent.mp4", bad, fps=30)
    src = tmp_path / "in" / "withaudio.mp4"
    src.parent.mkdir()
    run_ffmpeg(["-y", "-i", str(silent), "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-shortest",
                "-c:v", "copy", "-c:a", "aac", str(src)])
    res = _run("fix", str(src), "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    info = probe(tmp_path / "out" / "withaudio.mp4")
    assert info.has_audio and info.frame_count == probe(src).frame_count


def test_bad_input_is_one_located_line(tmp_path):
    from broll.cli import run

    for argv, needle in ((["fix", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "o")], "missing.mp4"),
                         (["fix", "x.mp4", "-o", str(tmp_path / "o"), "--only", "flikcer"], "flikcer")):
        with pytest.raises(SystemExit) as exc:
            run(argv)
        assert exc.value.code == 2


def test_bad_input_messages(tmp_path, capsys):
    from broll.cli import run

    with pytest.raises(SystemExit):
        run(["fix", "x.mp4", "-o", str(tmp_path / "o"), "--only", "flikcer"])
    err = capsys.readouterr().err
    assert "unknown repair kind 'flikcer'" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        run(["fix", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert "missing.mp4" in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_shake_is_measured_and_stabilised_only_when_asked(tmp_path):
    from broll.repair.shake import MIN_JITTER, jitter
    from broll.testing.repair_cases import inject_shake

    clean = inj.base("pan:astronaut", N)
    shaky, _ = inject_shake(clean, np.random.default_rng(3), "moderate")
    src = inj.encode(tmp_path / "shaky.mp4", shaky)
    assert jitter(src) > MIN_JITTER > jitter(inj.encode(tmp_path / "steady.mp4", clean))
    res = _run("fix", str(src), "-o", str(tmp_path / "plain"), "--json")
    assert all(r["kind"] != "shake" for r in json.loads(res.output)["clips"][0]["repairs"])   # not asked
    res = _run("fix", str(src), "-o", str(tmp_path / "out"), "--only", "shake", "--json")
    rep = json.loads(res.output)["clips"][0]["repairs"][0]
    assert rep["kind"] == "shake" and rep["method"] == "vidstab"
    assert rep["measure"]["after"] < rep["measure"]["before"] / 2


def test_two_clips_with_one_name_are_refused_before_any_repair(tmp_path, capsys):
    from broll.cli import run
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "take.mp4").write_bytes(b"not decoded: refused first")
    with pytest.raises(SystemExit) as exc:
        run(["fix", str(tmp_path / "a" / "take.mp4"), str(tmp_path / "b"), "-o", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "two clips share the file name take.mp4" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
