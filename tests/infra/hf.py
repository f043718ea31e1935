"""Loading outputs the way users do: `datasets.load_dataset(folder[, config])`, offline, with a
cache private to the test."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local folders only; never ask the hub
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def load(folder: Path, config: str | None = None, *, cache: Path):
    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset(str(folder), config, split="train", cache_dir=str(cache))


def config_names(folder: Path) -> list[str]:
    import datasets

    return datasets.get_dataset_config_names(str(folder))
