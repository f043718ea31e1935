"""One pool of forked workers for every stage of a local job (pipelines.executors.StagePool): the
workers are started once and keep what they hold from one stage to the next, each stage's worker
stderr lands in that stage's capture file, and a failure in a later stage still stops every worker.
Also: the cheaper datatrove set-up (`reduce_datatrove_overheads`) answers as datatrove does."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from datatrove.pipeline.base import PipelineStep

from pipelines.executors import ExecutorConfig, StagePool, local_executor, reduce_datatrove_overheads
from tests.pipelines.test_executor_faults import _alive

_TASKS_RUN = 0  # per process: how many tasks this worker ran so far (state a worker keeps)


class RecordsWorker(PipelineStep):
    name = "records worker"

    def __init__(self, folder: str, stage: int, fail_rank: int | None = None):
        super().__init__()
        self.folder, self.stage, self.fail_rank = folder, stage, fail_rank

    def run(self, data, rank: int = 0, world_size: int = 1):
        global _TASKS_RUN
        _TASKS_RUN += 1
        Path(self.folder, f"{self.stage}-{rank}.json").write_text(json.dumps({"pid": os.getpid(), "seen": _TASKS_RUN}))
        os.write(2, f"marker: stage {self.stage} task {rank}\n".encode())  # the worker's stderr (fd 2)
        if rank == self.fail_rank:
            raise ValueError(f"task {rank} failed")
        yield from data or []


def _wait_until_dead(pids: set[int]) -> bool:
    deadline = time.monotonic() + 5
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(map(_alive, pids))


def _executors(tmp_path: Path, steps: list[PipelineStep]) -> list:
    return [local_executor([step], 4, str(tmp_path / f"logs{i}"), ExecutorConfig(tasks=4, workers=2))
            for i, step in enumerate(steps)]


@pytest.mark.skipif(sys.platform != "linux", reason="StagePool forks its workers (Linux)")
def test_one_pool_serves_every_stage_with_the_same_workers(tmp_path):
    (tmp_path / "runs").mkdir()
    executors = _executors(tmp_path, [RecordsWorker(str(tmp_path / "runs"), s) for s in (0, 1)])
    with StagePool(executors, 2) as pool:
        started = set(pool.pool._processes)  # the workers, forked once when the pool starts
        for s, executor in enumerate(executors):
            stats = pool.run(executor, stderr=str(tmp_path / f"stderr{s}.log"))
            assert len(stats.stats) == 1
            assert set(pool.pool._processes) == started
    runs = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")}
    assert len(runs) == 8
    pids = {r["pid"] for r in runs.values()}
    assert len(started) == 2 and os.getpid() not in pids
    # Both stages ran in the workers started with the pool (which of the two takes a task is up to
    # them: a quick worker may run all four of a stage), and they kept their state: each worker's
    # last count is the number of tasks it ran over both stages.
    assert pids <= started
    assert sum(max(r["seen"] for r in runs.values() if r["pid"] == pid) for pid in pids) == 8
    for s in (0, 1):
        assert len(list((tmp_path / f"logs{s}" / "completions").iterdir())) == 4
        assert (tmp_path / f"logs{s}" / "stats.json").is_file()
        captured = (tmp_path / f"stderr{s}.log").read_text()
        assert all(f"marker: stage {s} task {r}" in captured for r in range(4))
        assert f"marker: stage {1 - s}" not in captured
    assert _wait_until_dead(pids), "the workers end with the pool"


@pytest.mark.skipif(sys.platform != "linux", reason="StagePool forks its workers (Linux)")
def test_a_failed_task_in_a_later_stage_stops_every_worker(tmp_path):
    (tmp_path / "runs").mkdir()
    executors = _executors(tmp_path, [RecordsWorker(str(tmp_path / "runs"), 0), RecordsWorker(str(tmp_path / "runs"), 1, fail_rank=2)])
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="task 2 failed"):
        with StagePool(executors, 2) as pool:
            for executor in executors:
                pool.run(executor)
    assert time.monotonic() - t0 < 60
    pids = {json.loads(p.read_text())["pid"] for p in (tmp_path / "runs").glob("*.json")}
    assert pids and _wait_until_dead(pids)
    assert len(list((tmp_path / "logs0" / "completions").iterdir())) == 4
    assert "00002" not in {p.name for p in (tmp_path / "logs1" / "completions").iterdir()}


def test_cheaper_datatrove_set_up_answers_as_datatrove(monkeypatch):
    from datatrove.utils import _import_utils
    from loguru._better_exceptions import ExceptionFormatter

    # datatrove's and loguru's own (a crawl run earlier in this process may have replaced them)
    current = _import_utils._is_distribution_available
    stock_check = getattr(current, "replaces", current)
    current_lib_dirs = ExceptionFormatter.__dict__["_get_lib_dirs"].__func__
    stock_lib_dirs = staticmethod(getattr(current_lib_dirs, "__wrapped__", current_lib_dirs))
    monkeypatch.setattr(_import_utils, "_is_distribution_available", stock_check)  # restored afterwards
    monkeypatch.setattr(ExceptionFormatter, "_get_lib_dirs", stock_lib_dirs)
    names = ["lxml", "pyarrow", "faust-cchardet", "python-magic", "LXML", "faust_cchardet", "no-such-distribution"]
    expected = [stock_check(n) for n in names]
    reduce_datatrove_overheads()
    assert _import_utils._is_distribution_available is not stock_check
    assert [_import_utils._is_distribution_available(n) for n in names] == expected
    assert expected[:4] == [True] * 4 and expected[4:] == [None] * 3
    assert ExceptionFormatter._get_lib_dirs() == stock_lib_dirs.__func__()
    reduce_datatrove_overheads()  # a second call changes nothing
    assert _import_utils._is_distribution_available("lxml") is True
