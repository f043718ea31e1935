"""Session fixtures for the trainer tests: a tiny arithmetic mixture built with the real mixtures
pipeline (manifest + Megatron .bin/.idx), and one small model trained on it with an MTP module and
exported (shared by the export, generate and vLLM tests)."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the trainer needs the `train` extra (torch)")

from tools.trainer_tiny import build_mixture, tiny_config  # noqa: E402


@pytest.fixture(scope="session")
def mixture(tmp_path_factory):
    """One stage `s1` (easy 0.3 / medium 0.7, seq 64) → manifest path."""
    return build_mixture(tmp_path_factory.mktemp("mix"), seq_length=64, docs=120)


@pytest.fixture(scope="session")
def two_stage_mixture(tmp_path_factory):
    """Stages `short` (seq 32, RoPE 10k, easy only) then `long` (seq 64, RoPE 40k, 50/50)."""
    stages = [
        {"name": "short", "token_budget": "max", "seq_length": 32, "rope_base": 10000,
         "sources": [{"name": "easy", "ratio": 1.0, "max_epochs": 50}]},
        {"name": "long", "token_budget": "max", "seq_length": 64, "rope_base": 40000,
         "sources": [{"name": "easy", "ratio": 0.5, "max_epochs": 50}, {"name": "medium", "ratio": 0.5, "max_epochs": 50}]},
    ]
    return build_mixture(tmp_path_factory.mktemp("mix2"), stages=stages, docs=60)


@pytest.fixture(scope="session")
def trained(mixture, tmp_path_factory):
    """A tiny model with one MTP module trained 60 steps on `mixture` and exported → (summary, config)."""
    from trainer.config import TrainConfig
    from trainer.train import train

    out = tmp_path_factory.mktemp("run")
    cfg = TrainConfig.model_validate(tiny_config(mixture, out, data={"manifest": str(mixture),
                                                                     "stages": [{"name": "s1", "steps": 60}]},
                                                 log_every=10))
    summary = train(cfg, log=lambda msg: None)
    return summary, cfg
