"""An A/B batch against the offline provider and the loopback fakes, then the report.

    .venv/bin/python scripts/ab_report_demo.py [OUT_DIR]     (default: ./ab-demo)

Sends the same six shots to offline/placeholder, runway/gen4_turbo and kling/kling-v3 (the
last two are the loopback fakes from tests/fakes, serving real MP4s), with the real QC gate,
grades every clip to the style reference (so the report has palette spreads), and writes
`report.html` and `report.json` in OUT_DIR. One Runway take flashes (QC regenerates it) and
one Kling prompt is refused by the fake's content policy, so the failure columns are not empty.
Nothing here is measured against a real vendor: costs are list prices x seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.providers import FAKES, KEYS  # noqa: E402

from broll.media import synth  # noqa: E402

SHOTS = [("city-dawn", "aerial city at dawn, slow push in"), ("harbour", "boats in a harbour at first light"),
         ("market", "a busy street market, handheld"), ("product", "a watch turning on a plinth"),
         ("forest", "sunbeams through a pine forest"), ("crowd", "a crowd of protesters, banned flags")]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    style = out / "style.png"
    if not style.exists():
        synth.make_image(style, source="mandelbrot", size=(640, 360))
    runway = FAKES["runway"]()
    runway.video_kind, runway.flash_first = "procedural", 1
    kling = FAKES["kling"]()
    kling.video_kind, kling.fail_prompts = "procedural", {"banned": "moderation"}
    env = dict(os.environ, **KEYS)
    for fake in (runway, kling):
        fake.__enter__()
        env[f"BROLL_{fake.name.upper()}_BASE_URL"] = fake.base_url
    spec = {"providers": ["offline/placeholder", "runway/gen4_turbo", "kling/kling-v3"], "style_reference": "style.png",
            "seed": 4242, "defaults": {"duration": 5, "aspect": "16:9"}, "attempts": 2, "concurrency": 2,
            "poll": {"interval": 0.05}, "shots": [{"id": i, "prompt": p} for i, p in SHOTS]}
    (out / "ab.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    broll = [sys.executable, "-m", "broll"]
    try:
        subprocess.run(broll + ["generate", "ab.yaml"], cwd=out, env=env)
        for arm in sorted(p for p in (out / "clips").iterdir() if p.is_dir()):
            clips = sorted(str(p.relative_to(out)) for p in arm.glob("*.mp4"))
            subprocess.run(broll + ["grade", *clips, "-r", "style.png", "--lut-only", "-o", f"luts/{arm.name}"],
                           cwd=out, env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(broll + ["generate", "report", "ab.yaml", "--html", "report.html"], cwd=out, env=env,
                       check=True)
        report = subprocess.run(broll + ["generate", "report", "ab.yaml", "--json"], cwd=out, env=env, check=True,
                                capture_output=True, text=True).stdout
        (out / "report.json").write_text(report)
    finally:
        for fake in (runway, kling):
            fake.__exit__(None, None, None)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "ab-demo").resolve())
