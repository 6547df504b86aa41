"""Run a batch spec: submit at most once, poll with deadlines, download and verify, QC gate.

Every step is written to the manifest before and after it happens (see ``manifest.py``),
so the process can be killed at any instant and re-run: finished clips are skipped, tasks
in flight are polled (never resubmitted), and creates whose answer was lost are found
again with the provider (Kling ``external_task_id``, Luma/Replicate lists) or surfaced for
a person. Retries use separate budgets for submit, poll and download.
"""

from __future__ import annotations

import heapq
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import httpx

from broll.errors import AuthError, BrollError, BudgetExceeded, InputError, InstallError, Interrupted, ProviderError
from broll.generate import manifest as M
from broll.generate.budget import Budget, merged_prices
from broll.generate.download import Artifact, CorruptDownload, fetch, keep_rejected
from broll.generate.gate import Checker, GateResult, Repairer, repair_first, run_gate
from broll.generate.provider import RETRY_ONCE, ClipSpec, FailKind, HTTPFailure, Poll, State, UrlExpired
from broll.generate.retry import RetryBudget, backoff_delay
from broll.generate.spec import BatchSpec, Shot
from broll.hashing import file_sha256

# Errors where the request certainly never reached the server: resending is safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# Failures of the input itself: never resent unchanged.
FINAL_KINDS = {FailKind.CONTENT_INPUT, FailKind.INVALID, FailKind.AUTH}
STOP_KINDS = {FailKind.NO_CREDIT, FailKind.QUOTA_DAILY}

Event = Callable[..., None]


class _Halted(Exception):
    """Ctrl-C: leave every row as it is (the manifest already allows a resume)."""


@dataclass
class Job:
    shot: Shot
    variant: int
    key: str
    spec: ClipSpec
    dest: Path
    cost_est: Decimal
    base_seed: int | None
    target: str = ""                 # "provider/model" in an A/B batch, else ""

    @property
    def label(self) -> str:
        name = self.shot.id if self.shot.variants == 1 else f"{self.shot.id} v{self.variant}"
        return f"{self.target} {name}" if self.target else name


@dataclass
class RunSettings:
    concurrency: int = 2
    poll_interval: float = 6.0
    queued_timeout: float = 1800.0
    running_timeout: float = 900.0
    submit_retries: int = 5
    poll_retries: int = 20
    download_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 60.0
    resubmit_ambiguous: bool = False


def derive_seed(base: int | None, key: str, attempt: int) -> int:
    """Seed for attempt N: the spec's seed first, then a recorded, reproducible new one."""
    if attempt == 0 and base is not None:
        return base
    start = base if base is not None else int(key[:8], 16)
    return (start + attempt * 1_000_003) % (2 ** 31 - 1)


def batch_id(spec: BatchSpec) -> str:
    """The spec's file name: the manifest lives beside it, so the project folder can move."""
    return spec.path.name if spec.path else "batch"


def plan_jobs(spec: BatchSpec, provider) -> list[Job]:
    """Expand shots x variants into jobs with stable clip keys (no network)."""
    from broll.generate.providers import check_model
    from broll.generate.validate import default_resolution
    check_model(spec.provider, spec.model_name)     # a retired id never reaches a request (specs built in code too)
    prices = merged_prices(spec.provider, spec.prices)
    jobs = []
    out = spec.out_dir()
    caps = provider.capabilities(spec.model_name)
    target = f"{spec.provider}/{spec.model_name}" if spec.ab_arm else ""
    for shot in spec.shots:
        ref = spec.reference_for(shot)
        ref_hash = None if ref is None else (ref if ref.startswith("http") else file_sha256(ref))
        refs = spec.references_for(shot)
        refs_hash = None if not refs else "+".join(r if r.startswith("http") else file_sha256(r) for r in refs)
        for image in ([ref] if ref else []) + list(refs):
            if not image.startswith("http") and Path(image).stat().st_size > caps.max_ref_bytes:
                raise InputError(f"{image}: {Path(image).stat().st_size >> 20} MB is over {provider.name}'s "
                                 f"{caps.max_ref_bytes >> 20} MB limit for reference images",
                                 "save a smaller JPEG/PNG (e.g. 1280 px wide) and point the spec at it")
        duration = shot.duration or spec.defaults.duration
        aspect = shot.aspect or spec.defaults.aspect
        base_seed = shot.seed if shot.seed is not None else spec.seed
        for variant in range(1, shot.variants + 1):
            # variants of one shot must differ: variant n uses seed + n - 1 (shots share the seed)
            variant_seed = None if base_seed is None else base_seed + variant - 1
            key = M.clip_key(spec.provider, spec.model_name, shot.prompt, ref_hash, base_seed, duration, aspect,
                             variant, refs_hash, negative=shot.negative or spec.defaults.negative,
                             resolution=shot.resolution or spec.defaults.resolution, caption=spec.caption)
            clip = ClipSpec(prompt=shot.prompt, model=spec.model_name, duration_s=duration, aspect=aspect,
                            resolution=shot.resolution or spec.defaults.resolution or
                            default_resolution(spec.provider, caps),
                            seed=derive_seed(variant_seed, key, 0) if caps.seed else None, ref_image=ref,
                            negative=(shot.negative or spec.defaults.negative) if caps.negative else None,
                            caption=shot.id, references=refs)
            name = shot.id if shot.variants == 1 else f"{shot.id}-v{variant}"
            jobs.append(Job(shot, variant, key, clip, out / f"{name}.mp4", provider.estimate_cost(clip, prices),
                            variant_seed, target))
    return jobs


def expected_duration(provider, spec: ClipSpec) -> float | None:
    """Length the download must have (±0.5 s), or None where the model decides (Replicate)."""
    from broll.generate.provider import nearest
    caps = provider.capabilities(spec.model)
    return float(nearest(spec.duration_s, caps.durations)) if caps.duration_known else None


class BatchRunner:
    def __init__(self, spec: BatchSpec, provider, client: httpx.Client | None, manifest: M.Manifest, *,
                 settings: RunSettings, checker: Checker | None, on_event: Event | None = None,
                 sleep: Callable[[float], None] | None = None, rng: random.Random | None = None,
                 repairer: Repairer | None = None):
        self.spec, self.provider, self.client, self.manifest = spec, provider, client, manifest
        self.settings, self.checker, self.repairer = settings, checker, repairer
        self.on_event = on_event or (lambda *a, **k: None)
        self._halt = threading.Event()
        # the default sleep wakes at once on Ctrl-C
        self._sleep = sleep if sleep is not None else (lambda seconds: self._halt.wait(seconds))
        self.rng = rng or random.Random()
        self.batch = batch_id(spec)
        cap = Decimal(str(spec.budget)) if spec.budget is not None else None
        self.budget = Budget(cap, manifest.committed_cost(self.batch))
        self.fatal: BrollError | None = None
        self._stop = threading.Event()
        self.caps = provider.capabilities(spec.model_name)
        self._slots: threading.Condition | None = None    # provider slots (set by run): free count,
        self._free, self._waiting, self._order = 0, [], {}   # waiting jobs by spec order, spec order
        self._unasked: set[int] = set()   # spec orders of running jobs that have not yet asked for a slot
        self._held = threading.local()

    # -- entry point ---------------------------------------------------------------------------
    def run(self, jobs: list[Job]) -> list[M.ClipRow]:
        for job in jobs:
            self.manifest.ensure(job.key, batch=self.batch, shot_id=job.shot.id, variant=job.variant,
                                 provider=self.spec.provider, model=self.spec.model_name, prompt=job.shot.prompt,
                                 seed=job.spec.seed, cost_est=str(job.cost_est),
                                 placeholder=int(getattr(self.provider, "placeholder", False)),
                                 requested_seed=job.base_seed)
            row = self.manifest.get(job.key)
            if row.state in (M.SUBMITTING, M.IN_FLIGHT, M.DOWNLOADING, M.AMBIGUOUS) and not self._task_charged(row):
                self.budget.hold(Decimal(row.cost_est))   # in flight from an earlier run: still reserved
        workers = self._preflight(jobs)
        # ``workers`` tasks run at the provider at once (a slot is held from the create to the poll
        # that sees the task end); more threads than that, so a take is downloaded, verified and
        # checked while the next job's task already runs at the provider
        self._slots, self._free = threading.Condition(), workers
        self._order = {job.key: i for i, job in enumerate(jobs)}
        self._unasked = set(self._order.values())
        pool = ThreadPoolExecutor(max_workers=max(1, min(len(jobs), 2 * workers + 2)), thread_name_prefix="gen")
        try:
            futures = [pool.submit(self._run_job_safely, job) for job in jobs]
            for future in futures:
                while not future.done():
                    time.sleep(0.05)      # short waits keep Ctrl-C responsive in the main thread
        except KeyboardInterrupt:
            self._halt.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise Interrupted("interrupted; every submitted task is recorded: re-run the same command to resume "
                              "(nothing is resubmitted)") from None
        pool.shutdown(wait=True)
        if self.fatal:
            raise self.fatal
        return [self.manifest.get(j.key) for j in jobs]

    def _preflight(self, jobs: list[Job]) -> int:
        """Ask the provider (where it can tell) for its balance and concurrency limit."""
        workers = self.settings.concurrency
        check = getattr(self.provider, "preflight", None)
        if check is None:
            return workers
        try:
            facts = check(self.spec.model_name)
        except (httpx.HTTPError, BrollError) as exc:
            self.on_event(None, "preflight", message=f"pre-flight check skipped ({exc})")
            return workers
        todo = [j for j in jobs if self.manifest.get(j.key).state not in M.FINISHED]
        needed = sum((j.cost_est for j in todo), Decimal("0"))
        balance = facts.get("balance_usd")
        if balance is not None and Decimal(str(balance)) < needed:
            self.on_event(None, "preflight", message=f"account balance ${balance:.2f} is below the ${needed:.2f} "
                                                     "this batch still needs; it will stop when credit runs out")
        limit = facts.get("max_concurrency")
        if isinstance(limit, int) and 0 < limit < workers:
            self.on_event(None, "preflight", message=f"concurrency {workers} lowered to the account's limit {limit}")
            workers = limit
        self.preflight_facts = facts
        return workers

    def sleep(self, seconds: float) -> None:
        if self._halt.is_set():
            raise _Halted
        self._sleep(seconds)
        if self._halt.is_set():
            raise _Halted

    def _run_job_safely(self, job: Job) -> None:
        if self._halt.is_set():
            return
        try:
            self.run_job(job)
        except _Halted:
            return
        except AuthError as exc:
            self.fatal = exc
            self._stop.set()
            self.manifest.update(job.key, message=exc.message, fail_kind=FailKind.AUTH.value)
        except InstallError as exc:   # the QC gate broke mid-batch: stop; the clip stays unchecked, not done
            self.fatal = exc
            self._stop.set()
            self.manifest.update(job.key, message=exc.message)
        except BrollError as exc:
            self.manifest.update(job.key, message=exc.message)
            self.emit(job, "error", message=exc.message)
        finally:
            self._give_slot()       # whatever ended the job, its provider slot is free again
            self._settle(job)

    def emit(self, job: Job, what: str, **info: Any) -> None:
        self.on_event(job, what, **info)

    # -- provider slots: at most ``concurrency`` tasks at the provider, granted in spec order ----------
    def _take_slot(self, job: Job) -> None:
        if self._slots is None or getattr(self._held, "slot", False):
            return
        order = self._order.get(job.key, len(self._order))
        with self._slots:
            self._unasked.discard(order)
            heapq.heappush(self._waiting, order)
            try:
                while not (self._free > 0 and order == self._waiting[0] and order <= min(self._unasked, default=order)):
                    if self._halt.is_set():
                        raise _Halted
                    self._slots.wait(0.2)
            finally:
                self._waiting.remove(order)
                heapq.heapify(self._waiting)
            self._free -= 1
        self._held.slot = True

    def _settle(self, job: Job) -> None:
        """The job needs no first slot any more: later jobs may stop waiting for it.

        Without this, a later shot that reaches the queue first (on resume, earlier shots are busy
        skipping finished work) could take the last slot the budget allows, out of spec order.
        """
        if self._slots is None:
            return
        with self._slots:
            self._unasked.discard(self._order.get(job.key, -1))
            self._slots.notify_all()

    def _give_slot(self) -> None:
        if self._slots is not None and getattr(self._held, "slot", False):
            self._held.slot = False
            with self._slots:
                self._free += 1
                self._slots.notify_all()

    # -- one clip -------------------------------------------------------------------------------
    def run_job(self, job: Job) -> None:
        while True:
            row = self.manifest.get(job.key)
            state = row.state
            if state in M.FINISHED:
                if row.file and Path(row.file).is_file() and file_sha256(row.file) == row.sha256:
                    self.emit(job, "skipped", row=row)
                    return
                if row.task_id:   # the file vanished: fetch it again from the task, never regenerate
                    self.manifest.update(job.key, state=M.IN_FLIGHT, file=None, sha256=None)
                    continue
                self.manifest.update(job.key, state=M.PENDING)
                continue
            if state == M.FAILED and not self._failed_resumable(row):
                self.emit(job, "failed", row=row)
                return
            if state in (M.SUBMITTING, M.AMBIGUOUS) and not row.task_id:
                if not self._reconcile_or_surface(job, row):
                    return
                continue
            if state in (M.IN_FLIGHT, M.DOWNLOADING) and row.task_id:
                if not self._follow(job, row):
                    return
                continue
            # pending / skipped / resumable failure: a new submission, once a provider slot is free
            self._take_slot(job)
            if self._stop.is_set():
                self._give_slot()
                self.manifest.update(job.key, state=M.SKIPPED, message=self.budget.stopped or "batch stopped")
                self.emit(job, "skipped-budget", message=self.budget.stopped)
                return
            if not self._submit(job, row.attempt, derive_seed(job.base_seed, job.key, row.attempt)):
                return

    def _failed_resumable(self, row: M.ClipRow) -> bool:
        kind = row.fail_kind
        if kind in {k.value for k in FINAL_KINDS}:
            return False
        # filtered output already had its one identical retry
        return not (kind == FailKind.CONTENT_OUTPUT.value and row.output_retries >= 1)

    def _task_charged(self, row: M.ClipRow) -> bool:
        tasks = [t for t in self.manifest.tasks(row.clip_key) if t["client_key"] == row.client_key]
        return bool(tasks) and Decimal(tasks[0]["cost"]) > 0

    # -- submit ----------------------------------------------------------------------------------
    def _submit(self, job: Job, attempt: int, seed: int, client_key: str | None = None) -> bool:
        """Send one create, at most once. True when a task id is recorded (and this thread then holds
        a provider slot until a poll sees the task end).

        ``client_key`` is reused only where the provider dedupes on it (Kling external_task_id).
        """
        self._take_slot(job)
        sent = self._send_create(job, attempt, seed, client_key)
        if not sent:
            self._give_slot()
        return sent

    def _send_create(self, job: Job, attempt: int, seed: int, client_key: str | None) -> bool:
        spec = replace(job.spec, seed=seed if self.caps.seed else None)
        if client_key is None:
            client_key = f"{job.key[:16]}-{len(self.manifest.tasks(job.key)) + 1}"
        try:
            plan = self.provider.plan_submit(spec, client_key)
        except ProviderError as exc:
            self._fail(job, FailKind.INVALID, None, exc.message)
            return False
        try:
            self.budget.reserve(job.cost_est, job.label)
        except BudgetExceeded as exc:
            self.manifest.update(job.key, state=M.SKIPPED, message=exc.message)
            self.emit(job, "skipped-budget", message=exc.message)
            return False
        self.manifest.begin_submit(job.key, client_key=client_key, attempt=attempt, seed=spec.seed,
                                   cost_est=job.cost_est, request=plan.redacted())
        self.emit(job, "submitting", attempt=attempt, seed=spec.seed)
        retries = RetryBudget("submit", self.settings.submit_retries)
        since = datetime.now(timezone.utc)
        maybe_sent = False      # an earlier send of this create may have reached the provider
        while True:
            try:
                task_id = self.provider.submit(spec, client_key)
            except NOT_SENT as exc:
                if not retries.spend():
                    return self._submit_gave_up(job, client_key, f"cannot reach {self.provider.name}: {exc}")
                self._backoff(retries.used - 1, None)
                continue
            except httpx.TransportError as exc:
                # The create may have reached the server: reconcile, never blindly resend.
                found = self._find(job, client_key, since)
                if found:
                    task_id = found
                elif self.caps.reconcile == "external_id" and retries.spend():
                    maybe_sent = True
                    self._backoff(retries.used - 1, None)   # the server rejects a duplicate id: resend is safe
                    continue
                else:
                    self.manifest.update(job.key, state=M.AMBIGUOUS,
                                         message=f"create timed out after sending ({type(exc).__name__}); "
                                                 "the provider may have started a paid task")
                    self.emit(job, "ambiguous")
                    return False
            except HTTPFailure as exc:
                if exc.kind in STOP_KINDS:
                    self.budget.release(job.cost_est)
                    self._stop_batch(f"{self.provider.name} refused: {exc.kind.value} ({exc.detail})")
                    self.manifest.settle_task(client_key, "rejected", Decimal("0"), exc.kind.value, exc.kind.value)
                    self.manifest.update(job.key, state=M.SKIPPED, task_id=None, message=exc.message,
                                         fail_kind=exc.kind.value, fail_code=exc.code)
                    self.emit(job, "skipped-budget", message=exc.message)
                    return False
                if exc.kind is FailKind.AUTH:
                    self.budget.release(job.cost_est)
                    self.manifest.settle_task(client_key, "rejected", Decimal("0"), "auth", FailKind.AUTH.value)
                    raise AuthError(exc.message, exc.hint) from None
                if exc.retryable:
                    if exc.status >= 500 and self.caps.reconcile != "none":
                        found = self._find(job, client_key, since)
                        if found:
                            task_id = found
                            break
                    if not retries.spend():
                        return self._submit_gave_up(job, client_key, exc.message)
                    self.emit(job, "retry", phase="submit", message=exc.message)
                    self._backoff(retries.used - 1, exc.retry_after)
                    continue
                if maybe_sent:
                    # e.g. Kling "external_task_id already exists": the first send did land
                    found = self._find(job, client_key, since)
                    if found:
                        task_id = found
                        break
                    self.manifest.update(job.key, state=M.AMBIGUOUS,
                                         message=f"a resent create was refused ({exc.message}) and the first one "
                                                 "cannot be found yet; re-run later to reconcile")
                    self.emit(job, "ambiguous")
                    return False
                self.budget.release(job.cost_est)
                self.manifest.settle_task(client_key, "rejected", Decimal("0"), exc.kind.value, exc.kind.value)
                self._fail(job, exc.kind, exc.code, exc.message)
                return False
            break
        self.manifest.set_task(job.key, client_key, task_id)
        self.emit(job, "submitted", task_id=task_id)
        return True

    def _submit_gave_up(self, job: Job, client_key: str, message: str) -> bool:
        self.budget.release(job.cost_est)
        self.manifest.settle_task(client_key, "not_sent", Decimal("0"), message, FailKind.TRANSIENT.value)
        self._fail(job, FailKind.TRANSIENT, None, f"submit gave up: {message}")
        return False

    def _find(self, job: Job, client_key: str, since: datetime | None) -> str | None:
        if self.caps.reconcile == "none":
            return None
        for attempt in range(3):
            try:
                kwargs = {} if self.caps.reconcile == "external_id" else {
                    "prompt": job.spec.prompt, "taken": self.manifest.taken_task_ids()}
                return self.provider.find_by_client_key(client_key, since, **kwargs)
            except (httpx.TransportError, HTTPFailure):
                self._backoff(attempt, None)
        return None

    def _reconcile_or_surface(self, job: Job, row: M.ClipRow) -> bool:
        """A create was sent in an earlier run but its answer was lost. True to continue."""
        since = datetime.fromtimestamp(row.submitted_at or 0, timezone.utc)
        found = self._find(job, row.client_key, since)
        if found:
            self.manifest.set_task(job.key, row.client_key, found)
            self.emit(job, "reconciled", task_id=found)
            return True
        if self.caps.reconcile == "external_id" or self.settings.resubmit_ambiguous:
            # Kling rejects a second task with the same external id; offline renders are idempotent.
            # Otherwise the person asked for it: treat the old reservation as spent.
            if self.caps.reconcile != "external_id":
                self.budget.charge(Decimal(row.cost_est))
                self.manifest.settle_task(row.client_key, "abandoned", Decimal(row.cost_est),
                                          "ambiguous create resubmitted on request; assumed charged")
            else:
                self.budget.release(Decimal(row.cost_est))
            self.manifest.update(job.key, state=M.PENDING)
            same_key = row.client_key if self.caps.reconcile == "external_id" else None
            return self._submit(job, row.attempt, row.seed if row.seed is not None else
                                derive_seed(job.base_seed, job.key, row.attempt), client_key=same_key)
        self.manifest.update(job.key, state=M.AMBIGUOUS,
                             message=f"a create was sent at {since:%Y-%m-%d %H:%M:%S}Z but its task id was lost and "
                                     f"{self.provider.name} cannot look it up; check the provider dashboard, then "
                                     "re-run with --resubmit-ambiguous")
        self.emit(job, "ambiguous")
        return False

    # -- poll, download, gate --------------------------------------------------------------------
    def _follow(self, job: Job, row: M.ClipRow) -> bool:
        """Poll the recorded task to an end. True to loop again (resubmit), False when done."""
        if row.file and Path(row.file).is_file() and row.sha256 and file_sha256(row.file) == row.sha256:
            return self._gate(job, row, Artifact(Path(row.file), row.sha256, row.size or 0, 0, 0))
        poll = self._poll_until_terminal(job, row)
        if poll is None:
            return False
        if poll.state is State.SUCCEEDED:
            self._charge(job, row)
            artifact = self._download(job, row, poll)
            if artifact is None:
                return False
            return self._gate(job, self.manifest.get(job.key), artifact)
        return self._task_failed(job, row, poll)

    def _poll_until_terminal(self, job: Job, row: M.ClipRow) -> Poll | None:
        """Poll to an end (None: gave up, cancelled or refused); the provider slot is free afterwards."""
        self._take_slot(job)
        try:
            return self._poll_loop(job, row)
        finally:
            self._give_slot()

    def _poll_loop(self, job: Job, row: M.ClipRow) -> Poll | None:
        retries = RetryBudget("poll", self.settings.poll_retries)
        start = time.monotonic()
        entered: dict[State, float] = {}
        last_status = None
        while True:
            try:
                poll = self.provider.poll(row.task_id)
            except (httpx.TransportError, HTTPFailure) as exc:
                if isinstance(exc, HTTPFailure) and exc.kind is FailKind.AUTH:
                    raise AuthError(exc.message, exc.hint) from None
                if isinstance(exc, HTTPFailure) and not exc.retryable:
                    self.manifest.update(job.key, message=f"poll refused: {exc.message}")
                    self.emit(job, "error", message=exc.message)
                    return None
                if not retries.spend():
                    self.manifest.update(job.key, message=f"poll gave up ({exc}); task {row.task_id} is kept: "
                                                          "re-run to resume")
                    self.emit(job, "poll-gave-up", message=str(exc))
                    return None
                self._backoff(retries.used - 1, getattr(exc, "retry_after", None))
                continue
            if poll.state.terminal:
                return poll
            now = time.monotonic()
            entered.setdefault(poll.state, now)
            if poll.state is State.UNKNOWN and poll.raw_status != last_status:
                self.emit(job, "unknown-state", status=poll.raw_status)
                self.manifest.update(job.key, message=f"provider reported unknown status {poll.raw_status!r}; "
                                                      "still polling")
            last_status = poll.raw_status
            self.emit(job, "poll", state=poll.state.value, progress=poll.progress, queue_pos=poll.queue_pos,
                      status=poll.raw_status)
            limit = (self.settings.queued_timeout if poll.state is State.QUEUED else
                     self.settings.running_timeout if poll.state is State.RUNNING else
                     self.settings.queued_timeout + self.settings.running_timeout)
            since = entered[poll.state] if poll.state is not State.UNKNOWN else start
            if now - since > limit or now - start > self.settings.queued_timeout + self.settings.running_timeout:
                self._cancel(job, row, f"no result after {now - start:.0f}s ({poll.state.value})")
                return None
            interval = poll.retry_after if poll.retry_after is not None else self.settings.poll_interval
            self.sleep(interval * self.rng.uniform(0.75, 1.25))

    def _cancel(self, job: Job, row: M.ClipRow, why: str) -> None:
        try:
            self.provider.cancel(row.task_id)
        except (httpx.HTTPError, BrollError):
            pass
        self.budget.charge(Decimal(row.cost_est))  # the provider may bill a task that ran: assume it did
        self.manifest.settle_task(row.client_key, "cancelled", Decimal(row.cost_est), why, "deadline")
        self._fail(job, FailKind.TRANSIENT, "DEADLINE", f"cancelled: {why}")

    def _charge(self, job: Job, row: M.ClipRow) -> None:
        if not self._task_charged(row):
            self.budget.charge(Decimal(row.cost_est))
            self.manifest.settle_task(row.client_key, "succeeded", Decimal(row.cost_est))
            self.manifest.update(job.key, cost=str(self._clip_cost(job.key)))

    def _clip_cost(self, key: str) -> Decimal:
        return sum((Decimal(t["cost"]) for t in self.manifest.tasks(key)), Decimal("0"))

    def _task_failed(self, job: Job, row: M.ClipRow, poll: Poll) -> bool:
        kind = poll.fail_kind or FailKind.UNKNOWN
        cost = Decimal(row.cost_est) if poll.charged else Decimal("0")
        if poll.charged:
            self.budget.charge(Decimal(row.cost_est))
        else:
            self.budget.release(Decimal(row.cost_est))
        self.manifest.settle_task(row.client_key, poll.state.value, cost, f"{kind.value}: {poll.message or ''}",
                                  kind.value)
        self.manifest.update(job.key, cost=str(self._clip_cost(job.key)))
        if kind in STOP_KINDS:
            self._stop_batch(f"{self.provider.name}: {kind.value}")
        if kind in RETRY_ONCE and row.output_retries < 1 and not self._stop.is_set():
            # The provider's own "try again" output failures get exactly one identical retry.
            self.manifest.update(job.key, output_retries=row.output_retries + 1, state=M.PENDING,
                                 message=f"retrying once after {kind.value}: {poll.message}")
            self.emit(job, "retry", phase="output", message=poll.message)
            return self._submit(job, row.attempt, row.seed)
        self._fail(job, kind, poll.fail_code, poll.message or poll.state.value)
        return False

    def _download(self, job: Job, row: M.ClipRow, poll: Poll) -> Artifact | None:
        retries = RetryBudget("download", self.settings.download_retries)
        self.manifest.update(job.key, state=M.DOWNLOADING)
        self.emit(job, "downloading")
        expected = expected_duration(self.provider, job.spec)
        while True:
            problem: str | None = None
            hint = None
            try:
                if not poll.outputs:
                    raise UrlExpired("task reported success without a result URL")
                url = poll.outputs[0]
                art = fetch(self.client, url, job.dest, headers=self.provider.download_headers(url),
                            expected_duration=expected, provider=self.provider.name,
                            expected_size=((poll.raw.get("result") or {}).get("video") or {}).get("file_size")
                            if isinstance(poll.raw.get("result"), dict) else None)
                self.manifest.update(job.key, file=str(art.path), sha256=art.sha256, size=art.size,
                                     duration=art.duration)
                self.manifest.task_downloaded(row.client_key)
                return art
            except (UrlExpired, CorruptDownload) as exc:
                problem = exc.message
            except HTTPFailure as exc:
                problem, hint = exc.message, exc.retry_after
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if not retries.spend():
                self.manifest.update(job.key, state=M.IN_FLIGHT,
                                     message=f"download failed ({problem}); the task is kept: re-run to fetch it "
                                             "again (it will not be regenerated)")
                self.emit(job, "download-gave-up", message=problem)
                return None
            self.emit(job, "retry", phase="download", message=problem)
            self._backoff(retries.used - 1, hint)
            try:   # a fresh URL from the task (signed URLs expire), never a new generation
                fresh = self.provider.poll(row.task_id)
                if fresh.state is State.SUCCEEDED:
                    poll = fresh
            except (httpx.TransportError, HTTPFailure):
                pass

    def _gate(self, job: Job, row: M.ClipRow, art: Artifact) -> bool:
        result = run_gate(self.checker, art.path)
        self.manifest.task_verdict(row.client_key, result.verdict)
        self.emit(job, "qc", verdict=result.verdict)
        if result.verdict == "regenerate" and self.repairer is not None:
            result, art = self._repair(job, row, art, result)
        if result.verdict == "regenerate":
            if row.attempt < self.spec.attempts and not self._stop.is_set():
                rejected = keep_rejected(art.path, row.attempt)
                self.manifest.note_task(row.client_key, f"QC regenerate: {result.detail}"[:500])
                attempt = row.attempt + 1
                seed = derive_seed(job.base_seed, job.key, attempt)
                self.manifest.update(job.key, state=M.PENDING, file=None, sha256=None, qc_verdict="regenerate",
                                     output_retries=0,
                                     message=f"QC: regenerate ({result.detail}); kept {rejected.name}")
                self.emit(job, "regenerate", attempt=attempt, seed=seed)
                return self._submit(job, attempt, seed)
            self.manifest.update(job.key, state=M.REVIEW, qc_verdict="regenerate",
                                 message=f"QC still says regenerate after {row.attempt} regenerations: "
                                         f"{result.detail}; a person should decide")
            self.emit(job, "done", row=self.manifest.get(job.key))
            return False
        state = M.REVIEW if result.verdict == "review" else M.DONE
        self.manifest.update(job.key, state=state, qc_verdict=result.verdict, message=result.detail or None)
        self.emit(job, "done", row=self.manifest.get(job.key))
        return False

    def _repair(self, job: Job, row: M.ClipRow, art: Artifact, failed: GateResult) -> tuple[GateResult, Artifact]:
        """Repair before paying for a regeneration; the manifest records both verdicts."""
        fixed = repair_first(self.repairer, art.path, row.attempt, failed)
        if not fixed.note:
            return failed, art
        self.emit(job, "repair", verdict=fixed.result.verdict, replaced=fixed.sha256 is not None)
        self.manifest.note_task(row.client_key, fixed.note)
        if fixed.sha256 is None:
            return fixed.result, art
        self.manifest.update(job.key, sha256=fixed.sha256)
        return fixed.result, replace(art, sha256=fixed.sha256, size=art.path.stat().st_size)

    # -- helpers ------------------------------------------------------------------------------------
    def _fail(self, job: Job, kind: FailKind, code: str | None, message: str | None) -> None:
        self.manifest.update(job.key, state=M.FAILED, fail_kind=kind.value, fail_code=code, message=message)
        self.emit(job, "failed", row=self.manifest.get(job.key))

    def _stop_batch(self, reason: str) -> None:
        self.budget.stop(reason)
        self._stop.set()

    def _backoff(self, attempt: int, hint: float | None) -> None:
        self.sleep(backoff_delay(attempt, base=self.settings.backoff_base, cap=self.settings.backoff_cap,
                                 hint=hint, rng=self.rng))


def row_summary(row: M.ClipRow) -> dict:
    """One manifest row as the JSON / table the CLI prints."""
    return {"shot": row.shot_id, "variant": row.variant, "provider": row.provider, "model": row.model,
            "state": row.state, "file": row.file,
            "task_id": row.task_id, "seed": row.seed, "attempt": row.attempt, "qc": row.qc_verdict,
            "cost": float(Decimal(row.cost or "0")), "cost_est": float(Decimal(row.cost_est or "0")),
            "fail_kind": row.fail_kind, "fail_code": row.fail_code, "message": row.message,
            "placeholder": bool(row.placeholder), "sha256": row.sha256}
