"""The executor seam with the local process pool: order, errors as values, progress, retries."""

from __future__ import annotations

import pytest

from broll.errors import ExitCode, InputError, UnknownNameError
from broll.executors import Input, LocalExecutor, Task, TaskFailed, get_executor
from broll.testing import executor_tasks as jobs


def _tasks(n: int) -> list[Task]:
    return [Task(jobs.square, f"t{i}", (), {"x": i}) for i in range(n)]


def test_outcomes_come_back_in_task_order_from_several_workers():
    pool = LocalExecutor(workers=2)
    outcomes = pool.run(_tasks(7))
    assert [o.index for o in outcomes] == list(range(7))
    assert [o.unwrap() for o in outcomes] == [i * i for i in range(7)]


def test_work_really_runs_in_other_processes():
    import os
    pids = {o.unwrap() for o in LocalExecutor(workers=2).run([Task(jobs.worker_pid, f"p{i}") for i in range(4)])}
    assert os.getpid() not in pids and len(pids) >= 1


def test_one_task_runs_inline_without_a_pool():
    import os
    [outcome] = LocalExecutor(workers=2).run([Task(jobs.worker_pid, "inline")])
    assert outcome.unwrap() == os.getpid()


def test_progress_from_every_worker_reaches_one_callback():
    seen: list[tuple[float, int]] = []
    LocalExecutor(workers=2).run(_tasks(5), on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5.0, 5)
    assert all(total == 5 for _, total in seen)
    dones = [d for d, _ in seen]
    assert dones == sorted(dones)


def test_errors_are_values_mapped_back_to_broll_errors():
    tasks = [Task(jobs.fail, "a.mp4", (), {"kind": "input"}), Task(jobs.fail, "b.mp4", (), {"kind": "ffmpeg"}),
             Task(jobs.fail, "c.mp4", (), {"kind": "bug"}), Task(jobs.square, "d", (), {"x": 3})]
    a, b, c, d = LocalExecutor(workers=2).run(tasks)
    assert d.unwrap() == 9
    with pytest.raises(TaskFailed) as exc:
        a.unwrap()
    assert exc.value.exit_code == ExitCode.INPUT and exc.value.message == "a.mp4: bad input"
    assert exc.value.hint == "fix the input"
    assert b.error.exit_code == ExitCode.TOOL and "b.mp4: FFmpeg failed" in b.error.message
    assert c.error.exit_code == ExitCode.TOOL and "c.mp4: internal error (ZeroDivisionError" in c.error.message
    assert "Traceback" in c.error.detail


def test_a_killed_worker_loses_only_its_task_which_is_retried(tmp_path):
    tasks = _tasks(4) + [Task(jobs.die_once, "dies", (), {"marker": str(tmp_path / "m"), "x": 42})]
    outcomes = LocalExecutor(workers=2, max_retries=1).run(tasks)
    assert [o.unwrap() for o in outcomes] == [0, 1, 4, 9, 42]


def test_a_worker_that_keeps_dying_is_one_error_line():
    outcomes = LocalExecutor(workers=2, max_retries=1).run([Task(jobs.die, "a.mp4"), Task(jobs.die, "b.mp4")])
    assert [o.ok for o in outcomes] == [False, False]
    with pytest.raises(TaskFailed, match="a.mp4: a worker process died 2 times") as exc:
        outcomes[0].unwrap()
    assert exc.value.exit_code == ExitCode.TOOL


def test_inputs_are_named_by_path_and_content_hash(tmp_path):
    f = tmp_path / "clip.bin"
    f.write_bytes(b"first")
    inp = Input.of(f)
    f.write_bytes(b"other")         # changed after the driver hashed it
    import os
    os.utime(f, ns=(1, 1))           # a different mtime, so the memoised hash is not reused
    [outcome] = LocalExecutor(workers=1).run([Task(jobs.square, "clip.bin", (inp,), {"x": 2})])
    assert not outcome.ok and "content changed" in outcome.error.message


def test_missing_input_is_one_line(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        Input.of(tmp_path / "nope.mp4")


def test_executor_names_are_a_table(monkeypatch):
    assert get_executor("local").name == "local"
    monkeypatch.setenv("BROLL_EXECUTOR", "local")
    assert get_executor().name == "local"
    with pytest.raises(UnknownNameError, match="executor"):
        get_executor("slurm")


def test_ray_without_the_extra_says_how_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "ray", None)     # as if not installed
    with pytest.raises(InputError) as exc:
        get_executor("ray")
    assert "broll[ray]" in exc.value.hint


def test_cli_ray_without_the_extra_is_one_line(media, monkeypatch, capsys):
    import sys

    from broll.cli import run
    monkeypatch.setitem(sys.modules, "ray", None)
    clip = media.clip("plain.mp4", duration=0.3, audio=None)
    with pytest.raises(SystemExit) as exc:
        run(["check", str(clip), "--executor", "ray"])
    err = capsys.readouterr().err
    assert exc.value.code == ExitCode.INPUT
    assert err.splitlines()[0] == "Error: --executor ray needs Ray, which is not installed"
    assert "pip install 'broll[ray]'" in err and "Traceback" not in err


def test_broll_executor_variable_is_validated(media, monkeypatch):
    from click.testing import CliRunner

    from broll.cli import main
    monkeypatch.setenv("BROLL_EXECUTOR", "slurm")
    result = CliRunner().invoke(main, ["check", str(media.clip("plain.mp4", duration=0.3, audio=None))])
    assert result.exit_code == 2 and "slurm" in result.output


def test_private_ray_gets_dev_null_as_stdin_not_the_terminal(tmp_path):
    """Ray's daemons inherit stdin; on a terminal they were stopped by SIGTTIN and the run hung."""
    import os

    from broll.executors.ray_cluster import _stdin_detached
    before = os.fstat(0)
    with _stdin_detached():
        inside = os.fstat(0)
        null = os.stat(os.devnull)
        assert (inside.st_dev, inside.st_ino) == (null.st_dev, null.st_ino)
    after = os.fstat(0)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
