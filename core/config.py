"""The config base every job shares: strict pydantic models, one error format, one path rule.

- `StrictModel`: unknown keys are errors, values are validated on assignment.
- `ConfigError`: a config that cannot be run; its message is for the user, as is (the runner prints
  it and exits 2, no traceback). `format_validation_error` turns pydantic's errors into that
  message: one line per problem naming the file, the key and what was expected.
- **The path rule**: a relative path in a config file is relative to *the config file's folder*, for
  every job. Fields typed `ConfigPath` (or lists of them) apply it when a model is validated with
  `load_model(path, Model)` (which passes the folder as validation context); a model built in code
  (no file) leaves relative paths relative to the working directory. URLs (`s3://…`) and absolute
  paths are never changed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo

__all__ = [
    "ConfigError", "StrictModel", "ConfigPath", "resolve_config_path", "format_validation_error",
    "read_yaml", "load_model", "BASE_DIR_CONTEXT",
]

BASE_DIR_CONTEXT = "config_dir"  # key of the validation context holding the config file's folder

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A config that cannot be run. The message is meant for the user, as is."""


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def is_url(path: str) -> bool:
    return "://" in path


def resolve_config_path(value: str, base_dir: str | Path | None) -> str:
    """The path rule: `value` relative to `base_dir` (the config file's folder) unless it is a URL or
    absolute; `~` is expanded. Without a base_dir (a config built in code) it is returned as is."""
    if not isinstance(value, str) or not value or is_url(value):
        return value
    expanded = os.path.expanduser(value)
    if os.path.isabs(expanded) or base_dir is None:
        return expanded
    return os.path.normpath(os.path.join(str(base_dir), expanded))


def _apply_path_rule(value: str, info: ValidationInfo) -> str:
    base = (info.context or {}).get(BASE_DIR_CONTEXT) if info.context else None
    return resolve_config_path(value, base)


# A path-valued config field: relative to the config file (see the module docstring).
ConfigPath = Annotated[str, AfterValidator(_apply_path_rule)]


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


def validate_model(model: type[M], data: dict[str, Any], path: Path | str) -> M:
    """Validate `data` read from the config file `path` (path rule applied). Raises ConfigError."""
    try:
        return model.model_validate(data, context={BASE_DIR_CONTEXT: str(Path(path).resolve().parent)})
    except ValidationError as e:
        raise ConfigError(format_validation_error(path, e)) from None


def load_model(path: Path | str, model: type[M], *, kind: str | None = None) -> M:
    """Read a YAML config and validate it with `model`. When `kind` is given, the file's `kind` key
    (if any) must equal it and is removed first. Raises ConfigError."""
    data = read_yaml(path)
    if kind is not None:
        found = data.pop("kind", kind)
        if found != kind:
            raise ConfigError(f"{path}: key `kind`: expected `{kind}`, got {found!r}")
    return validate_model(model, data, path)
