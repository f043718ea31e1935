"""datatrove's own SlurmPipelineExecutor on the suite's real single-node Slurm.

Two stages (the second `depends=` on the first), 2 tasks each, and the same pipeline on
LocalPipelineExecutor: the outputs must be identical, file by file.
"""
from __future__ import annotations

import gzip
import json
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.pipeline.filters import LambdaFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from tests.conftest import REPO_ROOT
from tools.slurm import wait_for_slurm_jobs

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

N_FILES, DOCS_PER_FILE, TASKS = 4, 25, 2


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    for f in range(N_FILES):
        with gzip.open(folder / f"part-{f}.jsonl.gz", "wt") as out:
            for i in range(DOCS_PER_FILE):
                n = f * DOCS_PER_FILE + i
                text = f"document {n} says {'spam ' * (n % 3)}hello to slurm"
                out.write(json.dumps({"id": f"doc-{n}", "text": text}) + "\n")


def _stage_one(inputs: Path, out: Path) -> list:
    return [
        JsonlReader(str(inputs)),
        LambdaFilter(lambda doc: "spam spam" not in doc.text),
        # A plain function step (data, rank, world_size), as datatrove allows.
        lambda data, rank, world_size: (
            doc for doc in data if not doc.metadata.update(stage_one_rank=rank, words=len(doc.text.split()))
        ),
        JsonlWriter(str(out)),
    ]


def _stage_two(stage_one_out: Path, out: Path) -> list:
    return [
        JsonlReader(str(stage_one_out)),
        LambdaFilter(lambda doc: doc.metadata["words"] % 2 == 0),
        JsonlWriter(str(out)),
    ]


def _read_shards(folder: Path) -> dict[str, list[dict]]:
    shards = {}
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt") as f:  # compare decompressed: gzip headers carry a timestamp
            shards[path.name] = [json.loads(line) for line in f]
    return shards


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_slurm_executor_matches_local_run(slurm_cluster, tmp_path, monkeypatch):
    inputs = tmp_path / "input"
    _write_inputs(inputs)

    local_one = LocalPipelineExecutor(
        _stage_one(inputs, tmp_path / "local" / "one"), tasks=TASKS, workers=1, logging_dir=str(tmp_path / "local" / "logs1")
    )
    local_two = LocalPipelineExecutor(
        _stage_two(tmp_path / "local" / "one", tmp_path / "local" / "two"),
        tasks=TASKS, workers=1, logging_dir=str(tmp_path / "local" / "logs2"), depends=local_one,
    )
    local_two.run()

    # The job sources the venv this test runs in, so it runs the same python and datatrove. The
    # lambdas above are pickled with a reference to this test module, so the job must be able to
    # import `tests`: sbatch runs with --export=ALL, so PYTHONPATH set here reaches the job.
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    common = dict(
        tasks=TASKS, time="00:05:00", partition=slurm_cluster.partition, cpus_per_task=1, mem_per_cpu_gb=1,
        venv_path=f"{sys.prefix}/bin/activate", requeue=False,
    )
    slurm_one = SlurmPipelineExecutor(
        _stage_one(inputs, tmp_path / "slurm" / "one"), job_name="rc_stage_one",
        logging_dir=str(tmp_path / "slurm" / "logs1"), **common,
    )
    slurm_two = SlurmPipelineExecutor(
        _stage_two(tmp_path / "slurm" / "one", tmp_path / "slurm" / "two"), job_name="rc_stage_two",
        logging_dir=str(tmp_path / "slurm" / "logs2"), depends=slurm_one, **common,
    )
    slurm_two.run()  # submits both stages (sbatch returns at once) ...
    jobs = wait_for_slurm_jobs(tmp_path / "slurm" / "logs1", tmp_path / "slurm" / "logs2", timeout=180)  # ... so wait

    arrays = {}
    for stage in ("logs1", "logs2"):
        by_array = defaultdict(list)
        for job in jobs[str(tmp_path / "slurm" / stage)]:
            assert job.state == "COMPLETED", job
            by_array[int(job.array_job_id)].append(job)
        # Each stage: an array of TASKS jobs, then datatrove's one-task merge_stats array.
        (first, main), (_, merge_stats) = sorted(by_array.items())
        assert (len(main), len(merge_stats)) == (TASKS, 1)
        arrays[stage] = main
    # depends= became a Slurm dependency: stage two started only after stage one's tasks ended.
    assert min(_when(j.start_time) for j in arrays["logs2"]) >= max(_when(j.end_time) for j in arrays["logs1"])
    assert (tmp_path / "slurm" / "logs2" / "stats.json").is_file()  # merge_stats ran

    for stage in ("one", "two"):
        local_shards = _read_shards(tmp_path / "local" / stage)
        slurm_shards = _read_shards(tmp_path / "slurm" / stage)
        assert set(slurm_shards) == {f"{rank:05d}.jsonl.gz" for rank in range(TASKS)}
        assert slurm_shards == local_shards
    kept = [doc for shard in _read_shards(tmp_path / "slurm" / "two").values() for doc in shard]
    assert 0 < len(kept) < N_FILES * DOCS_PER_FILE  # both filters removed some, kept some
