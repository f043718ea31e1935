"""The runner's registry: config `kind` → job module, imported when a config asks for it (a crawl
does not pay for importing the mixture, problems and training jobs' libraries: seconds per run).

Every job module exposes a pydantic `Config` (built on `core.config.StrictModel`: unknown keys
forbidden, paths relative to the config file) and `run(config, config_path, *, verbose=False) -> dict`.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from core.config import ConfigError, read_yaml, validate_model

__all__ = ["JOBS", "ConfigError", "job_module", "load_config"]


class _Jobs(Mapping):
    """kind → job module (`pipelines.<kind>`), imported on first access."""

    _KINDS = ("crawl", "problems", "mixture", "train", "difficulty", "classify", "annotate", "synth")

    def __getitem__(self, kind: str) -> ModuleType:
        if kind not in self._KINDS:
            raise KeyError(kind)
        return importlib.import_module(f"pipelines.{kind}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._KINDS)

    def __len__(self) -> int:
        return len(self._KINDS)


JOBS: Mapping[str, ModuleType] = _Jobs()


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
