"""The runner's registry: config `kind` → job module, by plain imports.

Every job module exposes a pydantic `Config` (built on `core.config.StrictModel`: unknown keys
forbidden, paths relative to the config file) and `run(config, config_path, *, verbose=False) -> dict`.
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from core.config import ConfigError, read_yaml, validate_model
from pipelines import annotate, classify, crawl, difficulty, mixture, problems, synth, train

__all__ = ["JOBS", "ConfigError", "job_module", "load_config"]

JOBS: dict[str, ModuleType] = {"crawl": crawl, "problems": problems, "mixture": mixture, "train": train,
                               "difficulty": difficulty, "classify": classify, "annotate": annotate,
                               "synth": synth}


def job_module(kind: str, path: Path | str = "config") -> ModuleType:
    if kind not in JOBS:
        raise ConfigError(f"{path}: key `kind`: expected one of {sorted(JOBS)}, got {kind!r}")
    return JOBS[kind]


def load_config(path: Path | str) -> tuple[ModuleType, BaseModel]:
    """Read and validate a config; returns (job module, validated Config). Raises ConfigError."""
    data = read_yaml(path)
    kind = data.pop("kind", "crawl")
    module = job_module(kind, path)
    return module, validate_model(module.Config, data, path)
