"""The defects a person finds in real generations: thin one-frame artifacts, murky degenerate output,
edge freezes that are only notes, and the signal dump that explains a finding."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from broll.cli import main
from broll.qc import check
from broll.testing import injection as inj

BASES = ("pan:astronaut", "zoom:hubble_deep_field")


def _write(qc_media, name: str, frames) -> str:
    path = qc_media.root / name
    inj.encode(path, frames)
    return str(path)


@pytest.mark.parametrize("kind", ["line", "band", "rect"])
@pytest.mark.parametrize("base", BASES)
def test_thin_single_frame_artifact_is_a_glitch(qc_media, base, kind):
    frames, truth = inj.REAL_DEFECTS[kind](qc_media.base(base), np.random.default_rng(3), "moderate")
    report = check(_write(qc_media, f"{base.replace(':', '_')}-{kind}.mp4", frames))
    hits = [f for f in report.findings if f.kind == "glitch" and abs(f.start_frame - truth.start) <= 1]
    assert hits, [(f.kind, f.start_frame, f.message) for f in report.findings]
    assert report.verdict == "regenerate"


@pytest.mark.parametrize("base", BASES)
def test_murky_output_is_degenerate(qc_media, base):
    frames, _ = inj.inject_murky(qc_media.base(base), np.random.default_rng(4), "moderate")
    report = check(_write(qc_media, f"{base.replace(':', '_')}-murky.mp4", frames))
    assert [f.kind for f in report.findings if f.severity == "regenerate"] == ["degenerate"], report.findings
    assert report.metrics["quality"]["edges"] < 0.06


def test_clean_detailed_clip_is_not_degenerate(qc_media):
    report = check(qc_media.clean("pan:astronaut"))
    assert not report.by_kind("degenerate") and not report.by_kind("low_quality")
    assert report.metrics["quality"]["edges"] > 0.1


def test_freeze_at_the_very_start_is_a_note(qc_media):
    frames = list(qc_media.base("pan:astronaut"))
    for i in range(1, 5):                      # frames 1-4 repeat frame 0
        frames[i] = frames[0].copy()
    report = check(_write(qc_media, "head-freeze.mp4", frames))
    freezes = report.by_kind("freeze")
    assert freezes and all(f.severity == "note" for f in freezes), freezes
    assert report.verdict == "pass"


def test_long_freeze_touching_the_end_is_a_trim_not_a_regeneration(qc_media):
    frames = list(qc_media.base("pan:astronaut"))
    n = len(frames)
    for i in range(n - 24, n):                 # the last 24 frames (0.8 s) repeat one picture
        frames[i] = frames[n - 25].copy()
    report = check(_write(qc_media, "tail-freeze.mp4", frames))
    freezes = report.by_kind("freeze")
    assert freezes and all(f.severity == "review" for f in freezes), freezes
    assert "trim" in freezes[0].message
    assert report.verdict == "review"


def test_dump_signals_writes_one_row_per_frame(qc_media, tmp_path):
    clip = qc_media.clean("mandelbrot")
    out = tmp_path / "signals.csv"
    result = CliRunner().invoke(main, ["check", str(clip), "--dump-signals", str(out), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 60
    assert {"mae", "spike_line", "edges", "region_shift_0", "boil_resid_median", "shimmer_change_p90",
            "shimmer_dcorr_median", "shimmer_fail_median"} <= set(rows[0])
    assert float(rows[30]["luma"]) > 0
