"""The tiny model's training step through the project's own trainer (issue #14), MTP head included.

A drop-in for `tools.tiny_model.train.train_model` (same signature; `tools.tiny_model.build(...,
train=train_model)`): curriculum items → Parquet → mixture (manifest + Megatron .bin/.idx, with
`mixtures`) → `trainer.train` (the backends' model shape, one MTP module, loss on the responses
only) → `trainer.export` (MiMoForCausalLM layout, which transformers loads as Qwen2 and vLLM
with MTP speculative decoding) + the backends' tokenizer files and chat template.

Samples are packed (several conversations per sequence, as Megatron reads `.bin/.idx`), where the
plain step pads one conversation per row; the loss covers `<|assistant|>` … `<|end|>` in both.
"""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Sequence

SEQ_LENGTH = 128  # tokens per packed sample (~4 conversations)


def train_model(items: Sequence, tokenizer, out_dir: str | Path, settings=None, device: str = "cpu",
                log=print, num_mtp: int = 1) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.records.manifest import write_manifest
    from mixtures.build import build_manifest, manifest_path
    from mixtures.export import export
    from mixtures.spec import MixtureSpec
    from tools.tiny_model.tokenizer import format_response, render_prompt
    from tools.tiny_model.train import TrainSettings
    from trainer.config import TrainConfig
    from trainer.export import export_hf
    from trainer.train import train

    settings = settings or TrainSettings()
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="tiny-mtp-") as tmp:
        work = Path(tmp)
        texts = [render_prompt(it.question) + format_response(it.question, it.answer) for it in items]
        shard = work / "items.parquet"
        pq.write_table(pa.table({"id": [f"item-{i}" for i in range(len(texts))], "text": texts}), shard)
        tokenizer.save_pretrained(str(work / "tok"))
        spec = MixtureSpec.model_validate({
            "output_dir": str(work / "mixture"), "seed": settings.seed,
            "documents": {"id_column": "id", "text_column": "text"},
            "tokenizer": {"path": str(work / "tok" / "tokenizer.json"), "eod_token": None, "add_special_tokens": False},
            "export": {"megatron": True, "parquet": False},
            "stages": [{"name": "curriculum", "token_budget": "max", "seq_length": SEQ_LENGTH, "rope_base": 10000,
                        "sources": [{"name": "arithmetic", "shards": [str(shard)], "ratio": 1.0, "max_epochs": 1}]}]})
        manifest = build_manifest(spec)
        write_manifest(manifest, manifest_path(spec))
        export(manifest)
        tokens_per_item = manifest.stages[0].sources[0].tokens / max(1, len(texts))
        micro_batch = max(1, round(settings.batch_size * tokens_per_item / SEQ_LENGTH))
        cfg = TrainConfig.model_validate({
            "out_dir": str(work / "run"), "seed": settings.seed,
            "data": {"manifest": str(manifest_path(spec)), "loss_between": ["<|assistant|>", "<|end|>"],
                     "stages": [{"name": "curriculum", "steps": settings.steps}]},
            # the backends' shape (tools.tiny_model.train.model_config): head_dim 32 for vLLM
            "model": {"vocab_size": 8 * math.ceil(len(tokenizer) / 8), "hidden_size": 128, "num_layers": 4,
                      "num_heads": 4, "num_kv_heads": 2, "intermediate_size": 512, "tie_embeddings": True,
                      "num_mtp": num_mtp, "max_position_embeddings": 256},
            "optim": {"lr": settings.lr, "min_lr": 0.05 * settings.lr, "warmup_steps": settings.warmup,
                      "weight_decay": settings.weight_decay, "betas": [0.9, 0.98], "grad_clip": 1.0},
            "micro_batch": micro_batch, "threads": settings.threads, "device": device,
            "log_every": 100, "checkpoint_every": 10_000, "export": False})
        summary = train(cfg, log=log)
        model = load_from_checkpoint(summary["checkpoint"], cfg, manifest_path(spec))
        export_hf(model, out_dir, eod_id=tokenizer.eos_token_id)
    tokenizer.save_pretrained(str(out_dir))
    gen = {"eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id, "do_sample": False}
    (out_dir / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")
    return out_dir


def load_from_checkpoint(checkpoint: str | Path, cfg, manifest: Path):
    import torch

    from trainer.data import load_manifest
    from trainer.model import Transformer
    from trainer.train import model_config

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = Transformer(model_config(cfg, load_manifest(manifest)))
    model.load_state_dict(state["model"])
    return model.eval()
