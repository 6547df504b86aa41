"""`concurrency` limits tasks at the provider, not local work: while one take is downloaded and
checked, the next job's task already runs (issue 16: orchestration overlaps the provider's wait)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from gen_helpers import make_runner, write_batch


@dataclass
class _Report:
    verdict: str = "pass"
    findings: tuple = ()


def test_the_next_create_goes_out_while_a_take_is_checked(fake_env, tmp_path):
    fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": s, "prompt": s} for s in "abc"], defaults={"duration": 2},
                       concurrency=1)
    spans, lock = {}, threading.Lock()

    def slow_check(path):
        started = time.monotonic()
        time.sleep(0.4)
        with lock:
            spans[path.stem] = (started, time.monotonic())
        return _Report()

    runner, jobs = make_runner(spec, checker=slow_check, concurrency=1)
    active, most = set(), [0]
    submit, poll = runner.provider.submit, runner.provider.poll

    def counted_submit(*args, **kwargs):
        task = submit(*args, **kwargs)
        with lock:
            active.add(task)
            most[0] = max(most[0], len(active))
        return task

    def counted_poll(task, *args, **kwargs):
        result = poll(task, *args, **kwargs)
        if result.state.terminal:
            with lock:
                active.discard(task)
        return result

    runner.provider.submit, runner.provider.poll = counted_submit, counted_poll
    events: dict[tuple[str, str], float] = {}
    runner.on_event = lambda job, what, **info: events.setdefault((job.shot.id, what), time.monotonic()) \
        if job is not None else None
    rows = runner.run(jobs)
    assert [r.state for r in rows] == ["done"] * 3
    assert most[0] == 1          # at the provider (create .. the poll that saw it end): never two at once
    # and the next create did not wait for the previous take's check
    assert events[("b", "submitted")] < spans["a"][1] and events[("c", "submitted")] < spans["b"][1]


def test_a_regeneration_waits_for_a_free_slot(fake_env, tmp_path):
    """A take QC refuses goes back for a new one through the same slots."""
    fake = fake_env("runway")
    spec = write_batch(tmp_path, "runway", [{"id": "a", "prompt": "a"}, {"id": "b", "prompt": "b"}],
                       defaults={"duration": 2}, concurrency=1, attempts=2)
    verdicts = {"a": ["regenerate", "pass"], "b": ["pass"]}

    def check(path):
        return _Report(verdicts[path.stem].pop(0))

    runner, jobs = make_runner(spec, checker=check, concurrency=1)
    rows = runner.run(jobs)
    assert [r.state for r in rows] == ["done", "done"] and rows[0].attempt == 1
    assert fake.count("create") == 3
