"""Batch-spec validation: located errors (file:line, field, did-you-mean); backoff rules."""

from __future__ import annotations

import random

import pytest
from gen_helpers import run_cli

from broll.errors import EditListError
from broll.generate.provider import parse_retry_after
from broll.generate.retry import backoff_delay
from broll.generate.spec import load_spec

BAD = """provider: runwy
seed: 4242
shots:
  - id: city-dawn
    promt: "aerial"
  - id: hero
    prompt: "x"
    duration: 100
"""


def test_spec_errors_are_located_with_did_you_mean(tmp_path, capsys):
    path = tmp_path / "batch.yaml"
    path.write_text(BAD)
    code, out, err = run_cli(["generate", str(path), "--dry-run"], capsys)
    assert code == 2
    lines = err.splitlines()
    assert f"{path}:1:1: provider: unknown provider 'runwy'; did you mean 'runway'?" in lines[0]
    assert any(":5:5: shots[0].promt: unknown field 'promt'" in ln for ln in lines)
    assert any(":8:5: shots[1].duration:" in ln for ln in lines)
    assert "Traceback" not in err


def test_hint_for_unknown_field_suggests_the_right_name(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("provider: offline\nbudjet: 3\nshots: [{id: a, prompt: x}]\n")
    with pytest.raises(EditListError) as exc:
        load_spec(path)
    assert exc.value.line == 2 and "did you mean 'budget'" in exc.value.hint


def test_duplicate_ids_and_missing_reference(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("provider: offline\nshots:\n  - {id: a, prompt: x}\n  - {id: a, prompt: y}\n")
    with pytest.raises(EditListError, match="duplicate shot id 'a'"):
        load_spec(path)
    path.write_text("provider: offline\nstyle_reference: nope.png\nshots: [{id: a, prompt: x}]\n")
    with pytest.raises(EditListError, match="nope.png does not exist") as exc:
        load_spec(path)
    assert exc.value.line == 2


def test_invalid_yaml_is_located(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("provider: offline\nshots: [\n")
    with pytest.raises(EditListError) as exc:
        load_spec(path)
    assert exc.value.line is not None


def test_retry_after_hints():
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0   # in the past
    assert parse_retry_after({}) is None


def test_backoff_is_full_jitter_and_capped():
    rng = random.Random(1)
    delays = [backoff_delay(5, base=0.5, cap=60, rng=rng) for _ in range(200)]
    assert 0 <= min(delays) < 2 and 12 < max(delays) <= 16          # uniform(0, 0.5 * 2**5 = 16)
    assert backoff_delay(20, rng=rng) <= 60
    assert backoff_delay(0, hint=90) == 60 and backoff_delay(3, hint=2.5) == 2.5
