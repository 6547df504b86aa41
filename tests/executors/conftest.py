"""A real two-node Ray cluster on loopback for the executor tests, shut down after the session.

``ray.cluster_utils.Cluster``: a head node and one added node, 1 CPU each, on this machine.
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` makes Ray bind every node and the GCS to 127.0.0.1
(without it the added node looks for the GCS at the interface address). Ray processes are never
stopped by name: the cluster stops its own, and the finaliser checks none of them outlived it.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

# Ray reads this when it is imported, so it is set here, before any test module imports ray
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
RAY_PROCESSES = ("raylet", "gcs_server")


def ray_pids() -> set[int]:
    """PIDs of raylet and gcs_server processes on this machine (pgrep -f; read, never signalled)."""
    pids: set[int] = set()
    for name in RAY_PROCESSES:
        out = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True).stdout
        pids |= {int(p) for p in out.split()}
    return pids - {os.getpid()}


def wait_until_gone(pids: set[int], seconds: float = 20.0) -> set[int]:
    """The subset of ``pids`` still alive after waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive &= ray_pids()
        if alive:
            time.sleep(0.25)
    return alive


@pytest.fixture(scope="session")
def ray_cluster():
    """Yields the cluster's address; tests point broll at it with RAY_ADDRESS."""
    pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    before = ray_pids()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 80 * 1024 * 1024})
    try:
        cluster.add_node(num_cpus=1, object_store_memory=80 * 1024 * 1024)
        cluster.wait_for_nodes()
        assert cluster.address.startswith("127.0.0.1:"), f"the test cluster is not on loopback: {cluster.address}"
        started = ray_pids() - before
        yield cluster.address
    finally:
        import ray
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
    left = wait_until_gone(started)
    assert not left, f"Ray processes outlived the test cluster: {sorted(left)}"


@pytest.fixture
def on_cluster(ray_cluster, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", ray_cluster)
    return ray_cluster


@pytest.fixture
def ray_processes():
    """(ray_pids, wait_until_gone), for tests that check broll stops the Ray it started."""
    return ray_pids, wait_until_gone
