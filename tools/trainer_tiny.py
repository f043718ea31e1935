"""A minimal arithmetic pipeline for the trainer's tests: curriculum text → Parquet shards →
mixture (mixtures.build + mixtures.export: manifest, .bin/.idx) → trainer config.

Plain `a+b=c` lines with a one-token-per-character tokenizer and an EOD token: small and fast
enough for session fixtures. The tiny test model itself (data/tiny-model) is trained on its own
curriculum and chat format by tools/tiny_model_mtp.py, which bench/trainer.py times.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

ALPHABET = "0123456789+*=\n "
EOD = "<|endoftext|>"


def char_tokenizer(path: Path) -> Path:
    """A tokenizer.json with one token per character of ALPHABET, plus <|endoftext|> (id 0)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    vocab = {EOD: 0, **{c: i + 1 for i, c in enumerate(ALPHABET)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=EOD))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("[\\s\\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens([EOD])
    path.parent.mkdir(parents=True, exist_ok=True)
    tok.save(str(path))
    return path


def problems(rng: random.Random, digits: int, n: int) -> list[str]:
    lo, hi = (0 if digits == 1 else 10 ** (digits - 1)), 10 ** digits - 1
    out = []
    for _ in range(n):
        a, b = rng.randint(lo, hi), rng.randint(lo, hi)
        out.append(f"{a}+{b}={a + b}")
    return out


def write_curriculum(folder: Path, seed: int = 0, docs: int = 400, per_doc: int = 16,
                     held_out: set[str] | None = None) -> dict[str, Path]:
    """Parquet shards `easy` (1-digit sums) and `medium` (2-digit sums), documents of `per_doc`
    lines; problems in `held_out` are never written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    held_out = held_out or set()
    paths = {}
    for name, digits in (("easy", 1), ("medium", 2)):
        rows = []
        for d in range(docs):
            lines = [p for p in problems(rng, digits, per_doc) if p.split("=")[0] not in held_out]
            rows.append({"id": f"{name}-{d}", "text": "\n".join(lines) + "\n"})
        paths[name] = folder / "shards" / f"{name}.parquet"
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), paths[name])
    return paths


def build_mixture(folder: Path, seq_length: int = 64, stages: list[dict] | None = None, seed: int = 0,
                  docs: int = 400, held_out: set[str] | None = None) -> Path:
    """Shards → mixture spec → manifest + Megatron export, with the mixtures package; returns the
    manifest path. Default: one stage, easy 0.3 / medium 0.7."""
    from core.records.manifest import write_manifest
    from mixtures.build import build_manifest, manifest_path
    from mixtures.export import export
    from mixtures.spec import MixtureSpec

    shards = write_curriculum(folder, seed, docs, held_out=held_out)
    tok = char_tokenizer(folder / "tokenizer.json")
    stages = stages or [{"name": "s1", "token_budget": "max", "seq_length": seq_length, "rope_base": 10000,
                         "sources": [{"name": "easy", "ratio": 0.3, "max_epochs": 50},
                                     {"name": "medium", "ratio": 0.7, "max_epochs": 50}]}]
    for st in stages:
        for src in st["sources"]:
            src.setdefault("shards", [str(shards[src["name"]])])
    spec = MixtureSpec.model_validate({
        "output_dir": str(folder / "mixture"), "seed": seed,
        "documents": {"id_column": "id", "text_column": "text"},
        "tokenizer": {"path": str(tok), "eod_token": EOD, "add_special_tokens": False},
        "export": {"megatron": True, "parquet": False}, "stages": stages})
    manifest = build_manifest(spec)
    path = manifest_path(spec)
    write_manifest(manifest, path)
    export(manifest)
    return path


def tiny_config(manifest: Path, out_dir: Path, **overrides) -> dict:
    """A ~0.2M-parameter Qwen2-shaped model (head_dim 32, as vLLM needs) with one MTP module."""
    cfg = {
        "out_dir": str(out_dir), "seed": 0,
        "data": {"manifest": str(manifest), "stages": [{"name": "s1", "steps": 40}]},
        "model": {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "num_kv_heads": 1,
                  "intermediate_size": 192, "num_mtp": 1, "vocab_size": 32},
        "optim": {"lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 5},
        "micro_batch": 8, "threads": 1, "log_every": 5, "checkpoint_every": 1000,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(json.loads(json.dumps(cfg)), sort_keys=False))
    return path
