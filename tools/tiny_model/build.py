"""Build the tiny model: curriculum -> tokenizer + chat template -> `train` -> HF folder + manifest.

    python -m tools.tiny_model build [--out data/tiny-model] [--device cpu|cuda] [--trainer project|plain]
    python -m tools.tiny_model check [--dir data/tiny-model]   # files a rebuild would write identically

`data/tiny-model/` is a committed copy (4 MB). `manifest.json` records what made it: the training
step and its settings (with the project's trainer: its whole config and the loss curve), the
sha256 of the training items, of every file, torch/transformers versions and device, and held-out
greedy accuracy per tier.

The default training step is the project's trainer (`tools.tiny_model_mtp.train_model`: mixture →
`.bin/.idx` → `trainer.train` with one MTP module → MiMo-layout export, which vLLM serves with MTP
speculative decoding); `--trainer plain` is the stand-in Qwen2 loop of `tools.tiny_model.train`. Training is deterministic for a fixed seed, torch version
and device (checked by tests/tools/test_tiny_model.py on a few steps); `check` rebuilds
everything but the weights and compares byte for byte.
"""
from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Callable, Sequence

from tools.tiny_model.curriculum import OPS, TIERS, Item, held_out, sample_train
from tools.tiny_model.tokenizer import build_tokenizer, render_prompt
from tools.tiny_model.train import TrainSettings, settings_dict
from tools.tiny_model.train import train_model as plain_train_model
from tools.tiny_model_mtp import train_model

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "data" / "tiny-model"
EVAL_PER_CELL = 100
TrainFn = Callable[..., Path]  # (items, tokenizer, out_dir, settings) -> out_dir
TRAINERS: dict[str, TrainFn] = {"project": train_model, "plain": plain_train_model}
TRAINING_RECORD = "training.json"  # a training step may leave details here; folded into manifest.json

__all__ = ["DEFAULT_DIR", "build", "check", "evaluate", "training_items", "eval_items"]


def training_items(settings: TrainSettings) -> list[Item]:
    return sample_train(settings.steps * settings.batch_size, seed=settings.seed)


def eval_items(per_cell: int = EVAL_PER_CELL) -> list[Item]:
    return [it for tier in TIERS for op in OPS for it in held_out(tier, op, per_cell)]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _items_sha(items: Sequence[Item]) -> str:
    h = hashlib.sha256()
    for it in items:
        h.update(f"{it.question}={it.answer}\n".encode())
    return h.hexdigest()


def evaluate(model_dir: str | Path, items: Sequence[Item], device: str = "cpu", batch_size: int = 256) -> dict[str, float]:
    """Greedy accuracy per `t<tier><op>` cell with plain transformers. Answers are integers, so exact
    text match is what `verifiers.math.grade` decides too (the tests grade with it; this runs where
    only torch and transformers are installed)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir)).to(device).eval()
    correct: dict[str, list[int]] = {}
    for start in range(0, len(items), batch_size):
        chunk = items[start: start + batch_size]
        enc = tok([render_prompt(it.question) for it in chunk], return_tensors="pt", padding=True,
                  add_special_tokens=False).to(device)
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=24, do_sample=False, pad_token_id=tok.pad_token_id)
        texts = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=False)
        for it, text in zip(chunk, texts):
            answer = text.split("</think>")[-1].split(tok.eos_token)[0]
            ok = answer.strip() == it.answer
            correct.setdefault(f"t{it.tier}{it.op}", []).append(int(ok))
    return {k: sum(v) / len(v) for k, v in sorted(correct.items())}


def build(out_dir: str | Path = DEFAULT_DIR, settings: TrainSettings = TrainSettings(), train: TrainFn = train_model,
          device: str = "cpu") -> Path:
    import torch
    import transformers

    out_dir = Path(out_dir)
    items = training_items(settings)
    tok = build_tokenizer()
    train(items, tok, out_dir, settings, device=device)
    accuracy = evaluate(out_dir, eval_items(), device=device)
    record = out_dir / TRAINING_RECORD
    details = json.loads(record.read_text()) if record.is_file() else None
    record.unlink(missing_ok=True)
    files = {p.name: _sha(p) for p in sorted(out_dir.iterdir()) if p.name != "manifest.json"}
    manifest = {
        "format": "reasoning-curator/tiny-model/1",
        "train": settings_dict(settings), "train_items": len(items), "train_items_sha256": _items_sha(items),
        "trainer": f"{train.__module__}.{train.__qualname__}",
        "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version(),
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "held_out_greedy_accuracy": accuracy, "files": files,
    }
    if details is not None:
        manifest["training"] = details
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return out_dir


def check(model_dir: str | Path = DEFAULT_DIR) -> list[str]:
    """Differences between `model_dir` and what a rebuild writes, weights and manifest aside."""
    import tempfile

    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    problems: list[str] = []
    settings = TrainSettings(**manifest["train"])
    if _items_sha(training_items(settings)) != manifest["train_items_sha256"]:
        problems.append("training items differ from the manifest's")
    with tempfile.TemporaryDirectory() as tmp:
        build_tokenizer().save_pretrained(tmp)
        for p in sorted(Path(tmp).iterdir()):
            if not (model_dir / p.name).is_file() or _sha(model_dir / p.name) != _sha(p):
                problems.append(f"{p.name} differs from a rebuild")
    for name, sha in manifest["files"].items():
        if not (model_dir / name).is_file() or _sha(model_dir / name) != sha:
            problems.append(f"{name} does not match manifest.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m tools.tiny_model")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", default=str(DEFAULT_DIR))
    b.add_argument("--device", default="cpu")
    b.add_argument("--steps", type=int, default=TrainSettings.steps)
    b.add_argument("--threads", type=int, default=TrainSettings.threads)
    b.add_argument("--trainer", choices=sorted(TRAINERS), default="project")
    c = sub.add_parser("check")
    c.add_argument("--dir", default=str(DEFAULT_DIR))
    args = ap.parse_args(argv)
    if args.cmd == "build":
        out = build(args.out, TrainSettings(steps=args.steps, threads=args.threads), train=TRAINERS[args.trainer],
                    device=args.device)
        print(json.loads((out / "manifest.json").read_text())["held_out_greedy_accuracy"])
        return 0
    problems = check(args.dir)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0
