"""The local datatrove executor fails fast (issue 19): a worker that dies or a task that fails ends
the stage at once with the error, and no worker or worker's child is left running."""
from __future__ import annotations

import errno
import os
import subprocess
import time
from pathlib import Path

import pytest
from datatrove.pipeline.base import PipelineStep

from pipelines.executors import ExecutorConfig, local_executor


class Dies(PipelineStep):
    name = "dies"

    def run(self, data, rank: int = 0, world_size: int = 1):
        if rank == 1:
            os._exit(3)  # killed by the OOM killer, a segfault in a library, …
        time.sleep(300)
        yield from data or []


class SpawnsThenFails(PipelineStep):
    name = "spawns"

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def run(self, data, rank: int = 0, world_size: int = 1):
        child = subprocess.Popen(["sleep", "300"])  # a sandbox, a helper: the worker's own child
        Path(self.folder, f"{rank}.pid").write_text(str(child.pid))
        if rank == 0:
            while len(list(Path(self.folder).glob("*.pid"))) < 2:
                time.sleep(0.05)
            raise OSError(errno.ENOSPC, "No space left on device")
        time.sleep(300)
        yield from data or []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2 :].split()[0] != b"Z"


def test_a_dead_worker_ends_the_stage_instead_of_hanging(tmp_path):
    executor = local_executor([Dies()], 2, str(tmp_path / "logs"), ExecutorConfig(tasks=2, workers=2))
    t0 = time.monotonic()
    with pytest.raises(Exception, match="terminated abruptly"):  # concurrent.futures' BrokenProcessPool
        executor.run()
    assert time.monotonic() - t0 < 60
    assert not (tmp_path / "logs" / "completions").exists() or not any((tmp_path / "logs" / "completions").iterdir())


def test_a_failed_task_stops_every_worker_and_their_children(tmp_path):
    (tmp_path / "pids").mkdir()
    executor = local_executor([SpawnsThenFails(str(tmp_path / "pids"))], 2, str(tmp_path / "logs"),
                              ExecutorConfig(tasks=2, workers=2))
    t0 = time.monotonic()
    with pytest.raises(OSError) as info:
        executor.run()
    assert info.value.errno == errno.ENOSPC and time.monotonic() - t0 < 60
    pids = [int(p.read_text()) for p in (tmp_path / "pids").glob("*.pid")]
    deadline = time.monotonic() + 5
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(pids) == 2 and not any(map(_alive, pids))
