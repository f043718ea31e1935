"""Resume guard shared by every job: a run's output-changing settings are fingerprinted beside its
output; resuming with different ones is refused instead of mixing two runs' data."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from core.config import ConfigError
from core.io import atomic_write_text

__all__ = ["fingerprint", "check_resume"]


def fingerprint(settings: Any) -> str:
    """A short, stable hash of JSON-able settings."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check_resume(output_dir: str, stamp: Path, settings: Any) -> None:
    """Refuse (ConfigError) when `stamp` holds another fingerprint; else write this one. Remote
    (`s3://`) outputs are not checked."""
    if "://" in output_dir:
        return
    fp = fingerprint(settings)
    if stamp.exists() and stamp.read_text().strip() != fp:
        raise ConfigError(
            f"{output_dir} holds a run made with different settings; "
            "choose a new output_dir or delete the old one to start over"
        )
    atomic_write_text(stamp, fp)
