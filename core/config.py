"""Loading and validating job configs.

A config is one YAML mapping. Its `kind` key (default `crawl`) selects the job; every job module
exposes a pydantic `Config` model (unknown keys forbidden) and `run(config, config_path) -> dict`.
Validation happens before anything runs; problems become one `ConfigError` whose message names the
file, the key and what was expected, so `pipelines.run` can print it and exit 2 without a traceback.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

# kind -> module implementing it (Config + run). Modules are imported lazily so a crawl does not
# import the verifiers' dependencies and vice versa.
JOBS: dict[str, str] = {
    "crawl": "pipelines.crawl",
    "problems": "verifiers.problems.job",
    "mixture": "mixtures.job",
}


class ConfigError(Exception):
    """A config that cannot be run. The message is meant for the user, as is."""


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _describe_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def format_validation_error(path: Path | str, err: ValidationError) -> str:
    lines = [f"{path}: invalid config ({err.error_count()} problem{'s' if err.error_count() != 1 else ''})"]
    for e in err.errors():
        # Drop pydantic's internal union/function tags from the location.
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        key = _describe_location(loc)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        got = e.get("input")
        got_txt = "" if e["type"] in ("missing", "extra_forbidden") or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  - key `{key}`: {msg}{got_txt}")
    return "\n".join(lines)


def read_yaml(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text: {e}") from None
    if data is None:
        raise ConfigError(f"{path}: config is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    return data


def job_module(kind: str, path: Path | str = "config") -> ModuleType:
    if kind not in JOBS:
        raise ConfigError(f"{path}: key `kind`: expected one of {sorted(JOBS)}, got {kind!r}")
    return importlib.import_module(JOBS[kind])


def load_config(path: Path | str) -> tuple[ModuleType, BaseModel]:
    """Read and validate a config; returns (job module, validated Config). Raises ConfigError."""
    data = read_yaml(path)
    kind = data.pop("kind", "crawl")
    module = job_module(kind, path)
    try:
        config = module.Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(path, e)) from None
    return module, config
