"""`kind: problems` job: ingest problem sets, clean them over dask, write kept/dropped Parquet + report.

Run with `python -m pipelines.run configs/problems.yaml`. Relative paths in the config are resolved
against the repository root (so the same config works from any working directory).
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config import ConfigError, StrictModel
from verifiers.problems.decontam import BenchmarkIndex
from verifiers.problems.ingest import FORMATS, IngestError, expand, read_problems
from verifiers.problems.pipeline import Steps, clean
from verifiers.problems.report import build_report, format_table, write_outputs

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
Format = Literal[FORMATS]  # type: ignore[valid-type]


def resolve(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else REPO_ROOT / p


def _existing(path: str) -> str:
    if not expand(resolve(path)):
        raise ValueError(f"no such file: {path} (relative paths are resolved against the repo root {REPO_ROOT})")
    return path


class InputSpec(StrictModel):
    path: str  # a file or a glob (HF layout: data/train-*.parquet)
    source: str | None = Field(default=None, pattern=r"^[\w.+-]+$")  # default: file name without extensions
    format: Format = "auto"
    limit: int | None = Field(default=None, ge=1)  # first N rows only (smoke runs)

    @field_validator("path")
    @classmethod
    def _check_path(cls, v: str) -> str:
        return _existing(v)

    @property
    def name(self) -> str:
        return self.source or Path(self.path).name.split(".")[0].replace("*", "all")


class BenchmarkSpec(StrictModel):
    name: str = Field(pattern=r"^[\w.+-]+$")
    path: str
    format: Format = "auto"

    @field_validator("path")
    @classmethod
    def _check_path(cls, v: str) -> str:
        return _existing(v)


class ClusterSettings(StrictModel):
    # "dask": a dask.distributed cluster (LocalCluster unless scheduler_address is set); "local": in process.
    executor: Literal["dask", "local"] = "dask"
    scheduler_address: str | None = None  # e.g. tcp://head-node:8786; workers need this repo importable
    n_workers: int = Field(default=2, ge=1)  # LocalCluster only
    threads_per_worker: int = Field(default=1, ge=1)
    memory_limit: str = "auto"
    chunk_size: int = Field(default=1000, ge=1)  # rows per screening task
    judge_chunk_size: int = Field(default=8, ge=1)  # problems per reference-solution task


class Config(StrictModel):
    inputs: list[InputSpec] = Field(min_length=1)
    benchmarks: list[BenchmarkSpec] = []
    output_dir: str = "output/problems"
    steps: Steps = Steps()
    cluster: ClusterSettings = ClusterSettings()

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        for what, names in (("inputs[].source", [i.name for i in self.inputs]), ("benchmarks[].name", [b.name for b in self.benchmarks])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} must be unique; repeated: {dup} (set `source:` to tell inputs apart)")
        return self


@contextlib.contextmanager
def dask_client(c: ClusterSettings) -> Iterator[Any]:
    if c.executor == "local":
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    # distributed logs every worker start/stop at INFO; keep the job's own log readable.
    if not os.environ.get("RC_VERBOSE"):  # set by `pipelines.run -v`
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if c.scheduler_address:
        with Client(c.scheduler_address) as client:
            yield client
        return
    # Non-daemonic workers: the math grader and the code judge start child processes of their own.
    with dask.config.set({"distributed.worker.daemon": False}):
        with LocalCluster(n_workers=c.n_workers, threads_per_worker=c.threads_per_worker, processes=True,
                          memory_limit=c.memory_limit, dashboard_address=None) as cluster, Client(cluster) as client:
            yield client


def build_index(benchmarks: list[BenchmarkSpec], steps: Steps) -> BenchmarkIndex | None:
    if not benchmarks or not steps.decontaminate.enabled:
        return None
    d = steps.decontaminate
    index = BenchmarkIndex(n=d.ngram, min_masked_words=d.min_masked_words, min_ngram_words=d.min_ngram_words)
    for b in benchmarks:
        for r in read_problems(resolve(b.path), source=b.name, fmt=b.format):
            if r["kept"] and r["statement"]:
                index.add(r["id"], r["statement"])
    return index


def run(config: Config, config_path: Path | str) -> dict[str, Any]:
    t0 = time.perf_counter()
    rows: list[dict] = []
    seen: set[str] = set()
    try:
        for spec in config.inputs:
            rows.extend(read_problems(resolve(spec.path), source=spec.name, fmt=spec.format, limit=spec.limit, seen_ids=seen))
        index = build_index(config.benchmarks, config.steps)
    except IngestError as e:
        raise ConfigError(f"{config_path}: {e}") from None
    t_ingest = time.perf_counter() - t0
    log.info("ingested %d problems from %d inputs; benchmark index: %s items",
             len(rows), len(config.inputs), index.items if index else 0)
    with dask_client(config.cluster) as client:
        rows, timings = clean(rows, config.steps, index, client=client, chunk_size=config.cluster.chunk_size,
                              judge_chunk_size=config.cluster.judge_chunk_size)
    timings = {"ingest": t_ingest, **timings, "total": time.perf_counter() - t0}
    report = build_report(rows, timings)
    paths = write_outputs(rows, report, resolve(config.output_dir))
    print(format_table(report))
    return {"kept": report["kept"], "dropped": report["dropped"], "dropped_by_reason": report["dropped_by_reason"],
            "outputs": paths, "seconds": report["seconds"]}
