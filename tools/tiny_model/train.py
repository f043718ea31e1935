"""The swappable training step: curriculum items + tokenizer -> a Hugging Face model folder.

`tools.tiny_model.build` calls a training step through a parameter; the default is the project's
own trainer (`tools.tiny_model_mtp.train_model`, with its MTP head), and `train_model` here is the
stand-in it replaced (`python -m tools.tiny_model build --trainer plain`): a plain PyTorch loop
over a transformers `Qwen2ForCausalLM` (hand-written because it is 40 lines and must be bit-for-bit
deterministic on a fixed seed; `transformers.Trainer` adds data-loader workers and state we do not
want in a test fixture).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from tools.tiny_model.curriculum import Item
from tools.tiny_model.tokenizer import format_response, render_prompt

__all__ = ["TrainSettings", "model_config", "train_model"]


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 1200
    batch_size: int = 128
    lr: float = 3e-3
    warmup: int = 60
    weight_decay: float = 0.01
    seed: int = 0
    threads: int = 1  # fixed, so reductions (and weights) do not depend on the machine's core count


def model_config(vocab_size: int, pad_id: int, eos_id: int):
    """Qwen2-shaped, ~0.9M parameters; head_dim 32 (vLLM's CPU attention needs one of its sizes)."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=vocab_size, hidden_size=128, intermediate_size=512, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        rope_theta=10000.0, tie_word_embeddings=True, pad_token_id=pad_id, eos_token_id=eos_id,
        bos_token_id=None, torch_dtype="float32",
    )


def _encode(items: Sequence[Item], tokenizer) -> list[tuple[list[int], int]]:
    out = []
    for it in items:
        prompt = tokenizer(render_prompt(it.question), add_special_tokens=False)["input_ids"]
        response = tokenizer(format_response(it.question, it.answer), add_special_tokens=False)["input_ids"]
        out.append((prompt + response, len(prompt)))
    return out


def train_model(items: Sequence[Item], tokenizer, out_dir: str | Path, settings: TrainSettings = TrainSettings(),
                device: str = "cpu", log=print) -> Path:
    """Train on `items` (cycled in order, `settings.batch_size` per step) and save to `out_dir`."""
    import torch
    from transformers import GenerationConfig, Qwen2ForCausalLM

    import os

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS on a GPU
    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)
    torch.use_deterministic_algorithms(True)
    vocab = 8 * math.ceil(len(tokenizer) / 8)
    config = model_config(vocab, tokenizer.pad_token_id, tokenizer.eos_token_id)
    model = Qwen2ForCausalLM(config).to(device)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": settings.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=settings.lr, betas=(0.9, 0.98))

    def lr_at(step: int) -> float:
        if step < settings.warmup:
            return settings.lr * (step + 1) / settings.warmup
        progress = (step - settings.warmup) / max(1, settings.steps - settings.warmup)
        return settings.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))

    encoded = _encode(items, tokenizer)
    pad = tokenizer.pad_token_id
    pos = 0
    for step in range(settings.steps):
        batch = [encoded[(pos + i) % len(encoded)] for i in range(settings.batch_size)]
        pos += settings.batch_size
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (ids, n_prompt) in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            labels[row, n_prompt: len(ids)] = torch.tensor(ids[n_prompt:])  # loss on the response only
            mask[row, : len(ids)] = 1
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        loss = model(input_ids=input_ids.to(device), attention_mask=mask.to(device), labels=labels.to(device)).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == settings.steps - 1:
            log(f"step {step}/{settings.steps} loss {loss.item():.4f} lr {lr_at(step):.2e}")
    model.eval().to("cpu")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    GenerationConfig(eos_token_id=tokenizer.eos_token_id, pad_token_id=pad, do_sample=False).save_pretrained(str(out_dir))
    return out_dir


def settings_dict(settings: TrainSettings) -> dict:
    return asdict(settings)
