"""Helpers for generate tests: batch specs, the CLI in-process, a runner with recorded sleeps."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import yaml


def write_batch(root: Path, provider: str, shots: list[dict], **extra) -> Path:
    spec = {"provider": provider, "defaults": {"duration": 5, "aspect": "16:9"}, "out": "clips",
            "poll": {"interval": 0.01, "request_timeout": 5}, "shots": shots}
    spec.update(extra)
    path = root / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    from broll.cli import run
    try:
        run(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


class Sleeps(list):
    """Records requested sleeps instead of sleeping: backoff is observable and tests are fast."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_runner(spec_path: Path, *, checker=None, sleeps: Sleeps | None = None, client: httpx.Client | None = None,
                **settings):
    from broll.generate import manifest as M
    from broll.generate.batch import BatchRunner, RunSettings, plan_jobs
    from broll.generate.providers import build
    from broll.generate.spec import load_spec
    spec = load_spec(spec_path)
    client = client or httpx.Client(timeout=spec.poll.request_timeout)
    provider = build(spec.provider, client, workdir=spec.root / ".broll" / "offline",
                     burn_caption=spec.caption)
    defaults = dict(poll_interval=0.01, backoff_base=0.01, submit_retries=5, poll_retries=10, download_retries=3)
    defaults.update(settings)
    runner = BatchRunner(spec, provider, client, M.Manifest(spec.root), settings=RunSettings(**defaults),
                         checker=checker, sleep=sleeps if sleeps is not None else Sleeps(), rng=random.Random(7))
    return runner, plan_jobs(spec, provider)
