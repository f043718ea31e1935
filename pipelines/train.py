"""`python -m pipelines.run CONFIG.yaml` with `kind: train`: the bundled trainer (trainer/train.py;
docs/trainer.md). torch is imported only when the job runs, so configs validate without it."""
from __future__ import annotations

from pathlib import Path

from core.config import ConfigError
from trainer.config import TrainConfig


class Config(TrainConfig):
    """The training config (trainer/config.py, configs/train.yaml)."""


def run(config: Config, config_path: Path | str | None = None, *, verbose: bool = False) -> dict:
    from trainer.data import DataError
    from trainer.train import train

    try:
        summary = train(config)
    except DataError as e:  # a manifest or token file the trainer cannot use: a message, not a traceback
        raise ConfigError(f"{config_path}: {e}") from None
    summary.pop("history", None)
    return summary
