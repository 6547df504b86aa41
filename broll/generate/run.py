"""One call to run or resume a batch spec: what the CLI, `make demo` and other stages use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import httpx

from broll.generate import manifest as M
from broll.project import DB_DIR
from broll.generate.batch import BatchRunner, RunSettings, plan_jobs, row_summary
from broll.generate.gate import Checker, Repairer, default_checker, default_repairer
from broll.generate.providers import build
from broll.generate.spec import BatchSpec, load_spec


@dataclass
class BatchResult:
    spec: BatchSpec
    clips: list[dict]              # row_summary() per clip, in spec order
    spent: Decimal                 # charged for this batch, all runs included
    stopped: str | None            # why the provider refused more work, if it did

    @property
    def files(self) -> list[Path]:
        return [Path(c["file"]) for c in self.clips if c["file"] and c["state"] in M.FINISHED]


def run_batch(spec: BatchSpec | str | os.PathLike, *, concurrency: int | None = None,
              poll_interval: float | None = None, qc: bool = True, checker: Checker | None = None,
              resubmit_ambiguous: bool = False, on_event: Callable[..., None] | None = None,
              client: httpx.Client | None = None, repairer: Repairer | None = None) -> BatchResult:
    """Run (or resume) a batch. The QC gate is ``checker`` if given, else broll.qc (``qc=False``: off);
    a take it wants regenerated is repaired first by ``repairer`` (default with broll.qc: broll.repair)."""
    spec = spec if isinstance(spec, BatchSpec) else load_spec(spec)
    if checker is None and qc:
        checker = default_checker()     # a broken QC install stops here, before anything is paid
        # repair first, regenerate only when the repaired take still fails (broll fix)
        repairer = repairer or default_repairer()
    settings = RunSettings(
        concurrency=concurrency or spec.concurrency,
        poll_interval=poll_interval if poll_interval is not None else spec.poll.interval,
        queued_timeout=spec.poll.queued_timeout, running_timeout=spec.poll.running_timeout,
        submit_retries=spec.retries.submit, poll_retries=spec.retries.poll, download_retries=spec.retries.download,
        backoff_base=float(os.environ.get("BROLL_BACKOFF_BASE", "0.5")), resubmit_ambiguous=resubmit_ambiguous)
    own_client = client is None
    if own_client:
        timeout = httpx.Timeout(spec.poll.request_timeout, connect=min(10.0, spec.poll.request_timeout))
        client = httpx.Client(timeout=timeout, headers={"User-Agent": "broll-generate"})
    manifest = M.Manifest(spec.project)
    rows, stopped, spent = [], [], Decimal("0")
    try:
        # every arm's adapter (and so every key) first: a missing key must not surface after money was spent
        arms = [spec.for_target(p, m) for p, m in spec.targets]
        adapters = [build(arm.provider, client, workdir=spec.project / DB_DIR / "offline", burn_caption=spec.caption)
                    for arm in arms]
        for note in spec.warnings:
            if on_event is not None:
                on_event(None, "spec", message=note)
        for arm, provider in zip(arms, adapters):
            # arms run one after another against one manifest, so the budget cap covers them all
            runner = BatchRunner(arm, provider, client, manifest, settings=settings, checker=checker,
                                 on_event=on_event, repairer=repairer)
            if on_event is not None and hasattr(on_event, "budget"):
                on_event.budget = runner.budget
            rows += runner.run(plan_jobs(arm, provider))
            spent = runner.budget.spent
            if runner.budget.stopped:
                stopped.append(runner.budget.stopped)
    finally:
        manifest.close()
        if own_client:
            client.close()
    return BatchResult(spec, [row_summary(r) for r in rows], spent, "; ".join(stopped) or None)
