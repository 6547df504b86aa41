"""A private Ray that does not come up is one clear line, not Ray's traceback."""

from __future__ import annotations

import pytest

from broll.errors import ToolError
from broll.executors.ray_cluster import RayExecutor


class _SlowRay:
    """What ``ray`` does on an overloaded machine: its node misses the 30 s start window."""

    def __init__(self):
        self.shut = False

    def is_initialized(self):
        return False

    def init(self, **kwargs):
        raise Exception("The current node timed out during startup. This could happen because ...")

    def shutdown(self):
        self.shut = True


def test_a_private_ray_that_times_out_is_one_error_with_a_hint(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    fake = _SlowRay()
    with pytest.raises(ToolError) as err:
        RayExecutor(workers=2)._connect(fake)
    assert "did not start: The current node timed out during startup" in err.value.message
    assert "--executor local" in err.value.hint and fake.shut
