"""`python -m pipelines.run CONFIG.yaml` with `kind: train`: the bundled trainer (trainer/train.py)."""
from __future__ import annotations

from pathlib import Path

from trainer.config import TrainConfig


class Config(TrainConfig):
    """The training config (trainer/config.py, docs/trainer.md)."""


def run(config: Config, config_path: Path | str | None = None) -> dict:
    from trainer.train import train

    summary = train(config)
    summary.pop("history", None)
    return summary
