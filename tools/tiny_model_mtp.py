"""The tiny model's training step through the project's own trainer (issue #14), MTP head included.

`train_model` has the signature of `tools.tiny_model.train.train_model` and is the default of
`tools.tiny_model.build` (`python -m tools.tiny_model build`): curriculum items → Parquet →
mixture (manifest + Megatron .bin/.idx, with `mixtures`) → `trainer.train` (the tiny model's
shape, one MTP module, loss on the responses only) → `trainer.export` (MiMoForCausalLM layout,
which transformers loads as Qwen2 and vLLM with MTP speculative decoding) + the tokenizer files
and chat template.

Conversations are packed into samples of SEQ_LENGTH tokens (as Megatron reads `.bin/.idx`), each
ending with the mixture's EOD token, `<|end|>` — the chat template's end of turn, so the token
stream is exactly the rendered conversations. The trainer restarts positions and attention at
every EOD (`data.reset_at_eod`), so each conversation trains as the prompt alone is served.
`mixture` and `train_config` are shared with bench/trainer.py.
"""
from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Sequence

SEQ_LENGTH = 128  # tokens per packed sample (~7 conversations)
# The tiny model's shape (that of tools.tiny_model.train.model_config): head_dim 32, which vLLM's CPU
# attention supports.
MODEL = {"hidden_size": 128, "num_layers": 4, "num_heads": 4, "num_kv_heads": 2, "intermediate_size": 512,
         "tie_embeddings": True, "max_position_embeddings": 256}


def mixture(items: Sequence, tokenizer, work: Path, seed: int = 0) -> Path:
    """Curriculum items → Parquet → mixture manifest + Megatron .bin/.idx under `work`; returns the
    manifest path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.records.manifest import write_manifest
    from mixtures.build import build_manifest, manifest_path
    from mixtures.export import export
    from mixtures.spec import MixtureSpec
    from tools.tiny_model.tokenizer import EOS, format_response, render_prompt

    work.mkdir(parents=True, exist_ok=True)
    # the mixture appends EOD (= EOS) to every document: leave it off the text
    texts = [render_prompt(it.question) + format_response(it.question, it.answer).removesuffix(EOS) for it in items]
    shard = work / "items.parquet"
    pq.write_table(pa.table({"id": [f"item-{i}" for i in range(len(texts))], "text": texts}), shard)
    tokenizer.save_pretrained(str(work / "tok"))
    spec = MixtureSpec.model_validate({
        "output_dir": str(work / "mixture"), "seed": seed,
        "documents": {"id_column": "id", "text_column": "text"},
        "tokenizer": {"path": str(work / "tok" / "tokenizer.json"), "eod_token": EOS, "add_special_tokens": False},
        "export": {"megatron": True, "parquet": False},
        "stages": [{"name": "curriculum", "token_budget": "max", "seq_length": SEQ_LENGTH, "rope_base": 10000,
                    "sources": [{"name": "arithmetic", "shards": [str(shard)], "ratio": 1.0, "max_epochs": 1}]}]})
    manifest = build_manifest(spec)
    write_manifest(manifest, manifest_path(spec))
    export(manifest)
    return manifest_path(spec)


def train_config(manifest: Path, tokenizer, run_dir: Path, settings, items: int, device: str = "cpu",
                 num_mtp: int = 1, **overrides) -> dict:
    """The trainer config (a dict for `trainer.config.TrainConfig`): `settings.steps` steps of about
    `settings.batch_size` conversations each (packed), AdamW with warmup and cosine decay to 5% of
    the peak, MTP weight 0.3 → 0.1, loss on `<|assistant|>` … `<|end|>`."""
    from core.records.manifest import read_manifest

    tokens = read_manifest(manifest).stages[0].sources[0].tokens
    micro_batch = max(1, round(settings.batch_size * tokens / max(1, items) / SEQ_LENGTH))
    cfg = {
        "out_dir": str(run_dir), "seed": settings.seed,
        "data": {"manifest": str(manifest), "loss_between": ["<|assistant|>", "<|end|>"], "reset_at_eod": True,
                 "stages": [{"name": "curriculum", "steps": settings.steps}]},
        "model": {**MODEL, "vocab_size": 8 * math.ceil(len(tokenizer) / 8), "num_mtp": num_mtp},
        "optim": {"lr": settings.lr, "min_lr": 0.05 * settings.lr, "warmup_steps": settings.warmup,
                  "weight_decay": settings.weight_decay, "betas": [0.9, 0.98], "grad_clip": 1.0},
        "micro_batch": micro_batch, "threads": settings.threads, "device": device,
        "log_every": 100, "checkpoint_every": 10_000, "export": False}
    cfg.update(overrides)
    return cfg


def train_model(items: Sequence, tokenizer, out_dir: str | Path, settings=None, device: str = "cpu",
                log=print, num_mtp: int = 1) -> Path:
    from tools.tiny_model.train import TrainSettings
    from trainer.config import TrainConfig
    from trainer.export import export_hf
    from trainer.train import train

    settings = settings or TrainSettings()
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="tiny-mtp-") as tmp:
        work = Path(tmp)
        manifest = mixture(items, tokenizer, work, settings.seed)
        cfg = TrainConfig.model_validate(train_config(manifest, tokenizer, work / "run", settings, len(items),
                                                      device, num_mtp))
        summary = train(cfg, log=log)
        model = load_from_checkpoint(summary["checkpoint"], cfg, manifest)
        export_hf(model, out_dir, eod_id=tokenizer.eos_token_id)
        curve = [{k: r[k] for k in ("step", "lr", "mtp_weight", "loss", "main_loss", "mtp_loss", "tokens_per_s")}
                 for r in summary["history"]]
        record = {"config": cfg.model_dump(mode="json", exclude={"out_dir"}), "loss_curve": curve}
        record["config"]["data"]["manifest"] = "(temporary mixture of the training items)"
        (out_dir / "training.json").write_text(json.dumps(record, indent=1) + "\n")  # build folds it into manifest.json
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
