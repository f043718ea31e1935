"""`kind: problems` job: ingest problem sets, clean them (filters.problems) over dask, write kept/dropped
Parquet + report.

Run with `python -m pipelines.run configs/problems.yaml`. Relative paths in the config are relative
to the config file (core.config's path rule).
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from core.config import ConfigError, ConfigPath, StrictModel
from core.io import locate_os_error
from core.publish import Publication
from filters.decontam import BenchmarkIndex
from filters.problems.clean import Steps, clean
from filters.problems.ingest import FORMATS, IngestError, IngestLimits, expand, read_problems
from filters.problems.report import build_report, format_table, write_outputs
from pipelines.cards import write_problems_card
from pipelines.checkpoint import ChunkStore, checkpointed_mapper
from pipelines.executors import ClusterSettings, dask_client
from pipelines.resume import RUN_DIR, check_resume

log = logging.getLogger(__name__)

Format = Literal[FORMATS]  # type: ignore[valid-type]

__all__ = ["Config", "InputSpec", "BenchmarkSpec", "ClusterSettings", "build_index", "run"]


def _existing(path: str) -> str:
    if not expand(Path(path)):
        raise ValueError(f"no such file: {path}")
    return path


class InputSpec(StrictModel):
    path: ConfigPath  # a file or a glob (HF layout: data/train-*.parquet)
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
    path: ConfigPath
    format: Format = "auto"

    @field_validator("path")
    @classmethod
    def _check_path(cls, v: str) -> str:
        return _existing(v)


class Config(StrictModel):
    inputs: list[InputSpec] = Field(min_length=1)
    benchmarks: list[BenchmarkSpec] = []
    output_dir: ConfigPath = "output/problems"
    ingest: IngestLimits = IngestLimits()  # per-row caps; a row over one is dropped (docs/problems.md)
    steps: Steps = Steps()
    cluster: ClusterSettings = ClusterSettings()

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        for what, names in (("inputs[].source", [i.name for i in self.inputs]), ("benchmarks[].name", [b.name for b in self.benchmarks])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} must be unique; repeated: {dup} (set `source:` to tell inputs apart)")
        return self


def build_index(benchmarks: list[BenchmarkSpec], steps: Steps, limits: IngestLimits = IngestLimits()) -> BenchmarkIndex | None:
    if not benchmarks or not steps.decontaminate.enabled:
        return None
    d = steps.decontaminate
    index = BenchmarkIndex(n=d.ngram, min_masked_words=d.min_masked_words, min_ngram_words=d.min_ngram_words)
    for b in benchmarks:
        for r in read_problems(Path(b.path), source=b.name, fmt=b.format, limits=limits):
            if r["kept"] and r["statement"]:
                index.add(r["id"], r["statement"])
    return index


# What the job publishes under output_dir, as one set (removed by --overwrite).
OUTPUT_FILES = {"kept": "kept.parquet", "dropped": "dropped.parquet", "report": "report.json"}
OUTPUTS = (*OUTPUT_FILES.values(), "README.md")


def run(config: Config, config_path: Path | str = "config", *, verbose: bool = False, overwrite: bool = False) -> dict[str, Any]:
    """Run the job; a run killed before it wrote its outputs resumes from its finished chunks
    (`OUTPUT/_run/chunks/`, removed once the outputs are written); `overwrite` starts over."""
    t0 = time.perf_counter()
    rows: list[dict] = []
    seen: set[str] = set()
    try:
        for spec in config.inputs:
            rows.extend(read_problems(Path(spec.path), source=spec.name, fmt=spec.format, limit=spec.limit, seen_ids=seen,
                                      limits=config.ingest))
        index = build_index(config.benchmarks, config.steps, config.ingest)
    except IngestError as e:
        raise ConfigError(f"{config_path}: {e}") from None
    t_ingest = time.perf_counter() - t0
    log.info("ingested %d problems from %d inputs; benchmark index: %s items",
             len(rows), len(config.inputs), index.items if index else 0)
    try:
        return _clean_and_publish(config, rows, index, t0, t_ingest, verbose=verbose, overwrite=overwrite)
    except OSError as e:  # a full disk, a permission: name the output folder when the error has no path
        raise locate_os_error(e, [config.output_dir]) from None


def _clean_and_publish(config: Config, rows: list[dict], index: BenchmarkIndex | None, t0: float, t_ingest: float, *,
                       verbose: bool, overwrite: bool) -> dict[str, Any]:
    out = Path(config.output_dir)
    # Only now, with readable inputs, does the output folder get anything.
    check_resume(config.output_dir, config.model_dump(mode="json", exclude={"cluster"}),
                 config=config.model_dump(mode="json"), overwrite=overwrite, outputs=OUTPUTS)
    store = ChunkStore(out / RUN_DIR / "chunks")
    if store.done():
        log.info("resuming: %d finished chunk(s) in %s", store.done(), store.folder)
    with dask_client(config.cluster, verbose=verbose) as client:
        mapper = checkpointed_mapper(client, store, broadcast=(BenchmarkIndex,))
        rows, timings = clean(rows, config.steps, index, mapper=mapper, chunk_size=config.cluster.chunk_size,
                              judge_chunk_size=config.cluster.judge_chunk_size)
    timings = {"ingest": t_ingest, **timings, "total": time.perf_counter() - t0}
    report = build_report(rows, timings)
    # The outputs are written aside and published as one set (core.publish): a reader never sees
    # this run's kept.parquet beside the last run's dropped.parquet or report.
    publication = Publication(config.output_dir, OUTPUTS)
    publication.discard()  # rows are all in memory: a staging folder left by a failed run is stale
    staging = Path(publication.prepare())
    try:
        write_outputs(rows, report, staging)
        write_problems_card(staging, config.model_dump(mode="json"),
                            {k: report[k] for k in ("kept", "dropped", "dropped_by_reason") if k in report},
                            shown_as=config.output_dir)
        publication.publish()
    except OSError:
        publication.discard()  # half-written outputs: nothing a reader or a rerun could take
        raise
    paths = {k: str(Path(config.output_dir) / name) for k, name in OUTPUT_FILES.items()}
    shutil.rmtree(store.folder, ignore_errors=True)  # the outputs hold everything now
    print(format_table(report))
    return {"kept": report["kept"], "dropped": report["dropped"], "dropped_by_reason": report["dropped_by_reason"],
            "outputs": paths, "seconds": report["seconds"]}
