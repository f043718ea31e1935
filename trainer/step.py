"""One optimizer step and its schedules (no config parsing here, so benchmarks import it alone).

  make_optimizer(model, lr, betas, weight_decay)   AdamW (torch's fused kernel, CUDA and CPU); no decay on norms/biases
  lr_at(step, ...)                                 linear warmup, then cosine or WSD (warmup-stable-decay)
  mtp_weight_at(step, total, ...)                  λ: `weight` until `switch_at`·total, then `final_weight`
  train_step(model, optimizer, batches, ...)       grad accumulation, bf16 autocast, clipping, step
  keep_cpu_memory()                                glibc: stop returning freed memory to the OS between steps
"""
from __future__ import annotations

import contextlib
import ctypes
import math
import os
import platform

import torch


def make_optimizer(model: torch.nn.Module, lr: float, betas=(0.9, 0.95), weight_decay: float = 0.1,
                   eps: float = 1e-8) -> torch.optim.AdamW:
    params = {id(p): (n, p) for n, p in model.named_parameters() if p.requires_grad}  # tied weights once
    decay = [p for n, p in params.values() if p.dim() >= 2]
    no_decay = [p for n, p in params.values() if p.dim() < 2]
    # torch's fused AdamW runs on CUDA and on the CPU (one kernel per tensor instead of a chain of
    # foreach ops: 2.1 vs 6.6 ms a step for the tiny model's 1.3M parameters on one thread)
    fused = all(p.device.type in ("cuda", "cpu") for _, p in params.values())
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=tuple(betas), eps=eps, fused=fused or None)


def lr_at(step: int, total: int, lr: float, min_lr: float, warmup: int, schedule: str = "cosine",
          decay_fraction: float = 0.2) -> float:
    """Learning rate for 0-based `step` of `total`.

    cosine: warmup to lr, then half a cosine down to min_lr at the last step.
    wsd:    warmup, constant lr, then a linear decay to min_lr over the last `decay_fraction` of steps
            (MiniCPM's warmup-stable-decay; ~10% of the steps in decay is enough per that paper)."""
    if step < warmup:
        return lr * (step + 1) / warmup
    if schedule == "cosine":
        progress = (step - warmup) / max(1, total - 1 - warmup)
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * min(1.0, progress)))
    if schedule == "wsd":
        decay_steps = max(1, round(decay_fraction * total))
        decay_start = max(warmup, total - decay_steps)
        if step < decay_start:
            return lr
        progress = (step - decay_start) / max(1, total - 1 - decay_start)
        return lr - (lr - min_lr) * min(1.0, progress)
    raise ValueError(f"unknown schedule {schedule!r} (cosine or wsd)")


def mtp_weight_at(step: int, total: int, weight: float = 0.3, final_weight: float = 0.1,
                  switch_at: float = 0.7) -> float:
    """DeepSeek-V3's MTP loss weight: 0.3 for the first ~2/3 of training, then 0.1."""
    return weight if step < switch_at * total else final_weight


def train_step(model, optimizer, batches, *, lr: float, mtp_weight: float, grad_clip: float | None,
               autocast_dtype: torch.dtype | None = None, no_sync=None) -> dict:
    """One optimizer step over `batches` (a list of (input_ids, labels) micro-batches).

    `model` may be DDP-wrapped or compiled; `no_sync` is DDP's context for all but the last micro-batch.
    Returns the mean losses (as tensors; the caller decides when to synchronise) and the grad norm."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    n = len(batches)
    loss_sum, main_sum, mtp_sum = 0.0, 0.0, None
    for i, (x, y) in enumerate(batches):
        sync = contextlib.nullcontext() if (no_sync is None or i == n - 1) else no_sync()
        amp = (torch.autocast(x.device.type, dtype=autocast_dtype) if autocast_dtype is not None
               else contextlib.nullcontext())
        with sync:
            with amp:
                out = model(x, y, mtp_weight)
            (out["loss"] / n).backward()
        loss_sum = loss_sum + out["loss"].detach() / n
        main_sum = main_sum + out["main_loss"] / n
        if out["mtp_losses"]:
            m = torch.stack(out["mtp_losses"]) / n
            mtp_sum = m if mtp_sum is None else mtp_sum + m
    params = [p for group in optimizer.param_groups for p in group["params"]]
    grad_norm = torch.nn.utils.clip_grad_norm_(params, grad_clip if grad_clip else float("inf"))
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return {"loss": loss_sum, "main_loss": main_sum, "mtp_losses": mtp_sum, "grad_norm": grad_norm}


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def keep_cpu_memory() -> bool:
    """Make glibc's malloc keep freed memory for the next step instead of returning it to the OS.

    A CPU training step frees its activations (megabytes each) and allocates them again on the next
    step. By default glibc serves such blocks with mmap, or trims them off the heap top when freed,
    so every step page-faults its activations in again. On the tiny model that is 2,000–6,000 page
    faults and 8–16 ms of system time a step, more with MTP (measured with getrusage; bench/trainer.py).
    Serving blocks up to 32 MiB from the heap and never trimming it removes the faults; the cost is
    that the process keeps its peak heap, which a training run reaches every step anyway. This is
    what `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_` do, set from inside the process (both:
    a trim threshold alone switches off glibc's adaptive mmap threshold and makes it far worse).
    Written with ctypes because no library exposes mallopt. A no-op (False) off glibc, where the
    environment already sets either variable, or under another allocator (jemalloc, tcmalloc)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")) or \
            any(a in os.environ.get("LD_PRELOAD", "") for a in ("jemalloc", "tcmalloc")):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
