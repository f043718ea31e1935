"""The classify job (`kind: classify`): score existing document shards with the fastText classifiers.

    kind: classify
    input: output/crawl/documents          # a folder of document shards (or a glob)
    output_dir: output/crawl-scored        # documents/*.parquet, same schema, cls_* columns filled
    models: {domain: models/domain.bin, educational_value: models/edu.bin}

A datatrove pipeline (ParquetReader → filters.classifiers.ClassifierScores → document writer) run by the
same executors as the crawl, so a killed run resumes task by task from datatrove's completion markers.
Every other column is copied unchanged; columns of dimensions without a model keep their old values.
"""
from __future__ import annotations

import glob
import os
import sys
import time
from pathlib import Path

from datatrove.pipeline.readers import ParquetReader
from pydantic import Field, field_validator

from core.config import ConfigPath, StrictModel
from filters.writers import document_writer
from pipelines.crawl import ClassifyConfig, ModelPaths
from pipelines.executors import ExecutorConfig, completed_tasks, local_executor
from pipelines.progress import print_summary, quiet_stage, read_stage_report
from pipelines.resume import check_resume


class Config(StrictModel):
    input: ConfigPath = Field(description="folder of document shards (*.parquet) or a glob")
    output_dir: ConfigPath = "output/classified"
    models: ModelPaths = Field(description="dimension -> model file")
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)

    @field_validator("models")
    @classmethod
    def _models(cls, v: dict) -> dict:
        if not v:
            raise ValueError("give at least one model")
        return ClassifyConfig(models=v).models

    @field_validator("input")
    @classmethod
    def _input(cls, v: str) -> str:
        if not glob.glob(v if any(c in v for c in "*?[") else os.path.join(v, "*.parquet")):
            raise ValueError(f"no document shards (*.parquet) at {v!r}")
        return v

    def folder_and_glob(self) -> tuple[str, str]:
        if any(c in self.input for c in "*?["):
            folder, pattern = self.input.rsplit("/", 1) if "/" in self.input else (".", self.input)
            return folder, pattern
        return self.input.rstrip("/"), "*.parquet"


def run(cfg: Config, config_path: Path | str = "config", *, verbose: bool = False) -> dict:
    from filters.classifiers import ClassifierScores

    folder, pattern = cfg.folder_and_glob()
    log_dir = Path(cfg.output_dir) / "_work" / "logs" / "classify"
    check_resume(cfg.output_dir, cfg.model_dump(mode="json", exclude={"executor"}), config=cfg.model_dump(mode="json"))
    tasks = cfg.executor.tasks
    pipeline = [
        ParquetReader(folder, glob_pattern=pattern, text_key="text", id_key="id", doc_progress=False, file_progress=False),
        ClassifierScores(dict(cfg.models)),
        document_writer(f"{cfg.output_dir}/documents"),
    ]
    done = completed_tasks(str(log_dir))
    print(f"classify: {sorted(cfg.models)} on {cfg.input}, {tasks} task(s)"
          + (f" (resuming: {done}/{tasks} done)" if 0 < done < tasks else ""), file=sys.stderr)
    t0 = time.time()
    with quiet_stage("classify", str(log_dir), tasks, enabled=not verbose):
        local_executor(pipeline, tasks, str(log_dir), cfg.executor).run()
    report = read_stage_report("classify", str(log_dir), time.time() - t0)
    return print_summary([report], time.time() - t0, cfg.output_dir)
