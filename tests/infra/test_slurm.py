"""The test suite's own Slurm: the node it offers, sharing between processes, clean-up, job waiting."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from datatrove.executor import SlurmPipelineExecutor

from tests.conftest import REPO_ROOT
from tools.procs import pid_alive as _alive
from tools.slurm import SlurmCluster, SlurmJobError, ensure_installed, shared_cluster, wait_for_slurm_jobs

pytestmark = pytest.mark.slurm


def test_cluster_offers_one_idle_node_with_this_machines_cpus(slurm_cluster: SlurmCluster):
    proc = slurm_cluster.command("sinfo", "-h", "-N", "-o", "%N|%P|%c|%m|%T")
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.split("\n")[:1]
    node, partition, cpus, memory_mb, state = line.strip().split("|")
    assert node == slurm_cluster.node
    assert partition == f"{slurm_cluster.partition}*"  # the default partition
    assert int(cpus) == len(os.sched_getaffinity(0))
    assert 0 < int(memory_mb) <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    assert state in {"idle", "mixed", "allocated"}  # the other xdist worker may be running jobs
    # srun goes through slurmctld, munge and slurmd and runs on the node.
    proc = slurm_cluster.command("srun", "-n", "1", "-t", "1", "hostname")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().split(".")[0] == slurm_cluster.node


def _fail_on_second_rank(data, rank, world_size):
    if rank == 1:
        raise ValueError("rank 1 fails on purpose")
    yield from data or ()  # the first step of a pipeline gets no input


def test_wait_for_slurm_jobs_raises_with_the_failing_jobs_log(slurm_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))  # the job unpickles a function from this module
    executor = SlurmPipelineExecutor(
        [_fail_on_second_rank], tasks=2, time="00:02:00", partition=slurm_cluster.partition,
        logging_dir=str(tmp_path / "logs"), venv_path=f"{sys.prefix}/bin/activate", requeue=False,
        job_name="rc_fails", mem_per_cpu_gb=1,
    )
    executor.run()
    with pytest.raises(SlurmJobError, match="rank 1 fails on purpose") as err:
        wait_for_slurm_jobs(tmp_path / "logs", timeout=120)
    assert "FAILED" in str(err.value)
    # It waited for the rest to settle: rank 0 completed, the dependent merge_stats job was dropped.
    assert (tmp_path / "logs" / "completions" / "00000").exists()
    assert not (tmp_path / "logs" / "completions" / "00001").exists()


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from tools.slurm import shared_cluster
    with shared_cluster(sys.argv[1], owner_pid=int(sys.argv[2])) as cluster:
        print(cluster.pids["slurmctld"], flush=True)
        sys.stdin.readline()  # hold the cluster until told to leave
    """
)


def _holder(root: Path, owner_pid: int | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(root), str(owner_pid or 0)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    return proc


def _wait_dead(pids, timeout=15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _slurm_installable():
    try:
        ensure_installed()
    except Exception as exc:  # SlurmUnavailable: same skip reason the fixture gives
        pytest.skip(str(exc))


def test_shared_cluster_is_reused_and_stopped_by_the_last_user(tmp_path):
    _slurm_installable()
    root = tmp_path / "cluster"
    first = _holder(root)
    ctld_pid = int(first.stdout.readline())
    with shared_cluster(root) as cluster:  # a second user: same daemons, nothing restarted
        assert cluster.pids["slurmctld"] == ctld_pid
        first.communicate("leave\n", timeout=30)
        assert first.returncode == 0
        assert all(_alive(p) for p in cluster.pids.values())  # still in use by us
        assert cluster.command("sinfo", "-h", "-o", "%T").stdout.strip() == "idle"
        pids = list(cluster.pids.values())
    assert _wait_dead(pids, timeout=1), "the last user leaving must stop munged, slurmctld and slurmd"
    assert not (root / "cluster.json").exists()


def test_watchdog_stops_the_cluster_when_its_owner_is_killed(tmp_path):
    _slurm_installable()
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    holder = _holder(tmp_path / "cluster", owner_pid=owner.pid)
    try:
        holder.stdout.readline()
        pids = list(SlurmCluster.from_json((tmp_path / "cluster" / "cluster.json").read_text()).pids.values())
        assert all(_alive(p) for p in pids)
        holder.send_signal(signal.SIGKILL)  # no clean-up from the holder itself
        owner.send_signal(signal.SIGKILL)  # the pytest run dies
        holder.wait(timeout=10)
        owner.wait(timeout=10)
        assert _wait_dead(pids, timeout=15), "watchdog did not stop the daemons"
    finally:
        for proc in (holder, owner):
            if proc.poll() is None:
                proc.kill()


def test_a_dead_cluster_is_restarted_by_the_next_user(tmp_path):
    _slurm_installable()
    root = tmp_path / "cluster"
    holder = _holder(root)
    try:
        old_ctld = int(holder.stdout.readline())
        os.kill(old_ctld, signal.SIGKILL)  # slurmctld crashes while the cluster is in use
        with shared_cluster(root) as cluster:
            assert cluster.pids["slurmctld"] != old_ctld
            assert cluster.command("sinfo", "-h", "-o", "%T").stdout.strip() == "idle"
            proc = cluster.command("srun", "-n", "1", "-t", "1", "true")
            assert proc.returncode == 0, proc.stderr
            holder.communicate("leave\n", timeout=30)
            pids = list(cluster.pids.values())
        assert _wait_dead(pids, timeout=1)
    finally:
        if holder.poll() is None:
            holder.kill()
