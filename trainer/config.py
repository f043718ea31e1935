"""The training job's config (`configs/train.yaml`, `kind: train`); see docs/trainer.md.

Built on the ground floor's config base (`core.config`): unknown keys are errors, and relative
paths (`out_dir`, `data.manifest`) are relative to the config file's folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from core.config import ConfigPath, StrictModel, load_model

_Strict = StrictModel


class StageRun(_Strict):
    name: str                                  # a stage of the manifest
    steps: int | None = Field(None, ge=1)      # default: the stage's train_samples // global batch
    seq_length: int | None = Field(None, ge=2)  # default: the manifest's seq_length for the stage
    rope_base: float | None = Field(None, gt=0)  # default: the manifest's rope_base (else model.rope_base)


class DataConfig(_Strict):
    manifest: ConfigPath                       # <mixture output_dir>/manifest.json
    stages: list[StageRun] | None = None       # default: every manifest stage, in order
    # Loss only on responses (SFT-style data): [start, end] tokens of the manifest's tokenizer, e.g.
    # ["<|assistant|>", "<|end|>"]; a target counts when the last of the two seen so far is `start`
    # (the `end` token itself is a target). Default: loss on every token.
    loss_between: tuple[str, str] | None = None
    # Packed documents train as if alone (Megatron's reset_position_ids + reset_attention_mask):
    # positions restart and attention stops at every EOD token of the manifest's tokenizer. For
    # SFT-style samples of many short conversations; needs the mixture's eod_token.
    reset_at_eod: bool = False


class ModelSection(_Strict):
    vocab_size: int | None = Field(None, ge=2)  # default: the manifest's tokenizer vocab_size
    hidden_size: int = Field(768, ge=8)
    num_layers: int = Field(12, ge=1)
    num_heads: int = Field(12, ge=1)
    num_kv_heads: int = Field(4, ge=1)
    intermediate_size: int = Field(2048, ge=1)
    rope_base: float = Field(10000.0, gt=0)
    rms_norm_eps: float = 1e-6
    qkv_bias: bool = True
    tie_embeddings: bool = True
    num_mtp: int = Field(1, ge=0)
    max_position_embeddings: int = 32768
    init_std: float = 0.02


class MTPConfig(_Strict):
    weight: float = Field(0.3, ge=0)           # λ at the start (DeepSeek-V3: 0.3 …
    final_weight: float = Field(0.1, ge=0)     # … then 0.1)
    switch_at: float = Field(0.7, ge=0, le=1)  # fraction of all steps where λ switches
    frozen: bool = False                       # no MTP training (e.g. RL or a frozen-MTP stage)


class OptimConfig(_Strict):
    lr: float = Field(6e-4, gt=0)
    min_lr: float = Field(6e-5, ge=0)
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = Field(0.1, ge=0)
    grad_clip: float | None = Field(1.0, gt=0)
    warmup_steps: int = Field(100, ge=0)
    schedule: Literal["cosine", "wsd"] = "cosine"
    decay_fraction: float = Field(0.2, gt=0, le=1)  # wsd: share of steps in the final decay


class TrainConfig(_Strict):
    out_dir: ConfigPath = "output/train"       # checkpoint.pt, log.jsonl, hf/ (the export)
    seed: int = 0
    data: DataConfig
    model: ModelSection = ModelSection()
    mtp: MTPConfig = MTPConfig()
    optim: OptimConfig = OptimConfig()
    micro_batch: int = Field(8, ge=1)          # sequences per process per forward
    grad_accum: int = Field(1, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "bf16", "fp32"] = "auto"   # auto: bf16 autocast on CUDA, float32 on CPU
    compile: Literal["auto", "on", "off"] = "auto"        # auto: torch.compile on CUDA only
    threads: int | None = Field(None, ge=1)    # CPU threads (torch.set_num_threads)
    log_every: int = Field(10, ge=1)
    checkpoint_every: int = Field(200, ge=1)
    max_steps: int | None = Field(None, ge=1)  # stop early (the schedule still spans every stage)
    peak_flops: float | None = None            # per device, for MFU; default: known GPUs, else none
    export: bool = True                        # write the Hugging Face checkpoint at the end
    export_dtype: Literal["float32", "bfloat16"] = "float32"

    @model_validator(mode="after")
    def _check(self):
        m = self.model
        if m.hidden_size % m.num_heads or m.num_heads % m.num_kv_heads:
            raise ValueError("model: hidden_size must divide by num_heads, num_heads by num_kv_heads")
        if (m.hidden_size // m.num_heads) % 2:
            raise ValueError("model: the head dimension must be even (rotary embedding)")
        return self


def load_train_config(path: str | Path) -> TrainConfig:
    """Read a YAML config (an optional `kind: train` key is accepted) → TrainConfig; raises
    core.config.ConfigError naming the file, key and problem."""
    return load_model(path, TrainConfig, kind="train")
