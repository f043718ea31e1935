"""Resume guard shared by every job.

A run stores its resolved settings beside its output, in `OUTPUT/_run/config.json` (local or
`s3://`, through fsspec). Starting the same job on that output again resumes it when the
output-changing settings are the same, and is refused otherwise: the message lists every key
that changed with its old and new value. `--overwrite` (`overwrite=True`) removes the job's
outputs and starts over.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from core.config import ConfigError

__all__ = ["fingerprint", "check_resume", "changed_keys", "RUN_DIR", "SETTINGS_FILE"]

RUN_DIR = "_run"  # beside the output's data; invisible to `datasets` (the dataset card names the data files)
SETTINGS_FILE = f"{RUN_DIR}/config.json"


def fingerprint(settings: Any) -> str:
    """A short, stable hash of JSON-able settings."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def changed_keys(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """[(dotted key, old value, new value)] for every setting that differs (missing = `<unset>`)."""
    a, b = _flatten(json.loads(json.dumps(old, default=str))), _flatten(json.loads(json.dumps(new, default=str)))
    unset = "<unset>"
    return [(k, a.get(k, unset), b.get(k, unset)) for k in sorted(a.keys() | b.keys()) if a.get(k, unset) != b.get(k, unset)]


def _fs(output_dir: str, storage_options: dict | None):
    from fsspec.core import url_to_fs

    return url_to_fs(output_dir, **(storage_options or {}))


def check_resume(
    output_dir: str,
    settings: dict,
    *,
    config: dict | None = None,
    overwrite: bool = False,
    outputs: Iterable[str] = (),
    storage_options: dict | None = None,
) -> bool:
    """Refuse (ConfigError, naming the changed keys) to resume `output_dir` with other `settings`;
    store them (and the full resolved `config`) otherwise. With `overwrite`, first remove `outputs`
    (paths relative to `output_dir`, or absolute) and the stored settings. Returns True when a
    previous run's settings were found (a resume)."""
    fs, root = _fs(output_dir, storage_options)
    root = root.rstrip("/")
    path = f"{root}/{SETTINGS_FILE}"
    if overwrite:
        for rel in [*outputs, RUN_DIR]:
            target = rel if rel.startswith("/") or "://" in rel else f"{root}/{rel}"
            if "://" in target:
                tfs, target = _fs(target, storage_options)
            else:
                tfs = fs
            if tfs.exists(target):
                tfs.rm(target, recursive=True)
    resumed = False
    if fs.exists(path):
        stored = json.loads(fs.cat_file(path))
        diff = changed_keys(stored.get("settings", {}), settings)
        if diff:
            lines = [f"  {k}: {json.dumps(o, default=str)} → {json.dumps(n, default=str)}" for k, o, n in diff[:30]]
            more = [f"  … {len(diff) - 30} more"] if len(diff) > 30 else []
            raise ConfigError(
                f"{output_dir} holds a run made with other settings ({len(diff)} changed, old → new):\n"
                + "\n".join(lines + more)
                + "\nrun again with --overwrite to start over, or choose another output_dir"
            )
        resumed = True
    record = {"settings": settings, "fingerprint": fingerprint(settings), "config": config if config is not None else settings}
    data = (json.dumps(record, indent=2, sort_keys=True, default=str) + "\n").encode()
    fs.makedirs(f"{root}/{RUN_DIR}", exist_ok=True)
    if "://" in output_dir:
        fs.pipe_file(path, data)  # object stores replace a key atomically
    else:
        from core.io import atomic_write_bytes

        atomic_write_bytes(path, data)
    return resumed
