"""`python -m trainer.train CONFIG.yaml` (or `torchrun --nproc_per_node N -m trainer.train CONFIG.yaml`).

Trains the model of trainer/model.py on a mixture manifest's `.bin/.idx` files, stage after stage
(each stage its own blend, sequence length and RoPE base), with AdamW, warmup + cosine or WSD,
gradient clipping, MTP loss weight scheduled 0.3 → 0.1; bf16 autocast, SDPA and torch.compile on
CUDA, float32 on CPU; data parallel (DDP: NCCL on CUDA, gloo on CPU) under torchrun.

`<out_dir>/checkpoint.pt` is written every `checkpoint_every` steps and at the end (atomically),
and a rerun of the same command resumes from it: model, optimizer, step, data position and RNG are
restored, so on CPU the resumed run is bit-for-bit the uninterrupted one. `<out_dir>/log.jsonl`
gets one line per `log_every` steps (loss, MTP loss per depth, lr, λ, tokens/s, MFU); at the end
the model is exported to `<out_dir>/hf` (trainer/export.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from trainer.data import BlendedStream, DataError, Manifest, load_manifest, response_labels, token_id
from trainer.model import ModelConfig, Transformer
from trainer.step import keep_cpu_memory, lr_at, make_optimizer, mtp_weight_at, train_step

CHECKPOINT = "checkpoint.pt"
# Dense bf16 peak per device for MFU (datasheet; the anchors use 989 TFLOP/s for H100/H200).
PEAK_FLOPS = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10G": 125e12}


@dataclass
class StagePlan:
    name: str
    steps: int
    seq_len: int
    rope_base: float
    first_step: int


def plan_stages(cfg, manifest: Manifest, global_batch: int) -> list[StagePlan]:
    runs = cfg.data.stages or [None] * len(manifest.stages)
    plans, first = [], 0
    for i, run in enumerate(runs):
        stage = manifest.stage(run.name) if run else manifest.stages[i]
        seq = (run.seq_length if run and run.seq_length else None) or stage.seq_length
        steps = (run.steps if run and run.steps else None) or (stage.train_samples // global_batch)
        if steps < 1:
            raise DataError(f"stage {stage.name!r}: {stage.train_samples} samples make no step of "
                            f"{global_batch} sequences; set data.stages[].steps")
        base = (run.rope_base if run and run.rope_base else None) or stage.rope_base or cfg.model.rope_base
        plans.append(StagePlan(stage.name, steps, seq, float(base), first))
        first += steps
    return plans


def model_config(cfg, manifest: Manifest) -> ModelConfig:
    fields = cfg.model.model_dump()
    fields["vocab_size"] = fields["vocab_size"] or manifest.vocab_size
    if fields["vocab_size"] < manifest.vocab_size:
        raise DataError(f"model.vocab_size {fields['vocab_size']} is below the tokenizer's {manifest.vocab_size}")
    return ModelConfig(**fields)


def peak_flops(cfg, device: torch.device) -> float | None:
    if cfg.peak_flops:
        return cfg.peak_flops
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return next((v for k, v in PEAK_FLOPS.items() if k in name), None)
    return None


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(cfg, log=print) -> dict:
    """Run (or resume) the job described by a TrainConfig; returns a summary (rank 0's view)."""
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    want_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if distributed:
        dist.init_process_group("nccl" if want_cuda else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    if want_cuda:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        device = torch.device("cpu")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        keep_cpu_memory()  # no page faults re-fetching each step's activations (trainer.step)
    autocast = torch.bfloat16 if (cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda")) else None
    use_compile = cfg.compile == "on" or (cfg.compile == "auto" and device.type == "cuda")
    try:
        return _train(cfg, log, rank, world, device, autocast, use_compile, distributed)
    finally:
        if distributed:
            dist.destroy_process_group()


def _train(cfg, log, rank, world, device, autocast, use_compile, distributed) -> dict:
    manifest = load_manifest(cfg.data.manifest)
    global_batch = cfg.micro_batch * cfg.grad_accum * world
    stages = plan_stages(cfg, manifest, global_batch)
    total = stages[-1].first_step + stages[-1].steps
    end = min(total, cfg.max_steps) if cfg.max_steps else total
    out_dir = Path(cfg.out_dir)
    if rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(cfg.seed)
    mcfg = model_config(cfg, manifest)
    raw = Transformer(mcfg).to(device)
    if cfg.mtp.frozen:
        raw.freeze_mtp()
    optimizer = make_optimizer(raw, cfg.optim.lr, cfg.optim.betas, cfg.optim.weight_decay)

    step, data_state = 0, None
    ckpt_path = out_dir / CHECKPOINT
    if ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        if ckpt["model_config"] != mcfg.to_dict():
            raise DataError(f"{ckpt_path}: written for another model shape; use another out_dir")
        raw.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step, data_state = ckpt["step"], ckpt["data"]
        torch.set_rng_state(ckpt["rng"])
        if rank == 0:
            log(f"resumed from {ckpt_path} at step {step}")

    model = raw
    ddp = None
    if distributed:
        ddp = torch.nn.parallel.DistributedDataParallel(raw, device_ids=[device.index] if device.type == "cuda" else None)
        model = ddp
    if use_compile:
        model = torch.compile(model)

    between = [token_id(manifest, t) for t in cfg.data.loss_between] if cfg.data.loss_between else None
    # Response-only loss: run the heads and the last layer's queries, o_proj and MLP (the last MTP
    # depth's, or the trunk's last layer without MTP) on scored positions only.
    # Eager only: the boolean gather has a data-dependent shape, which torch.compile would recompile.
    raw.scored_only = bool(between) and not use_compile
    if cfg.data.reset_at_eod:
        if manifest.eod_id is None:
            raise DataError(f"{manifest.path}: data.reset_at_eod needs an EOD token (the mixture's tokenizer.eod_token)")
        raw.document_eod = manifest.eod_id
    peak = peak_flops(cfg, device)
    log_path = out_dir / "log.jsonl"
    stream, stage = None, None
    last = {"time": time.perf_counter(), "step": step, "tokens": 0}
    summary = {"steps": step, "total_steps": total, "params": raw.num_params(), "world_size": world}
    history = []
    while step < end:
        plan = next(s for s in stages if s.first_step <= step < s.first_step + s.steps)
        if stage is not plan:
            stage = plan
            stream = BlendedStream(manifest.stage(plan.name), manifest.seed + cfg.seed, plan.seq_len)
            if data_state and data_state["stage"] == plan.name:
                stream.load_state(data_state)
            raw.set_rope_base(plan.rope_base, plan.seq_len)
            if rank == 0:
                log(f"stage {plan.name}: steps {plan.first_step}…{plan.first_step + plan.steps - 1}, "
                    f"seq {plan.seq_len}, rope base {plan.rope_base:g}, {len(stream.sources)} sources")
        per_rank = cfg.micro_batch * cfg.grad_accum
        draws = stream.plan(global_batch)[rank * per_rank: (rank + 1) * per_rank]
        tokens = torch.from_numpy(stream.read(draws)).to(device, non_blocking=True)
        labels = response_labels(tokens, *between) if between else tokens[:, 1:]
        batches = [(tokens[i: i + cfg.micro_batch, :-1], labels[i: i + cfg.micro_batch])
                   for i in range(0, per_rank, cfg.micro_batch)]
        lr = lr_at(step, total, cfg.optim.lr, cfg.optim.min_lr, cfg.optim.warmup_steps, cfg.optim.schedule,
                   cfg.optim.decay_fraction)
        lam = 0.0 if cfg.mtp.frozen else mtp_weight_at(step, total, cfg.mtp.weight, cfg.mtp.final_weight, cfg.mtp.switch_at)
        out = train_step(model, optimizer, batches, lr=lr, mtp_weight=lam, grad_clip=cfg.optim.grad_clip,
                         autocast_dtype=autocast, no_sync=ddp.no_sync if ddp else None)
        step += 1
        last["tokens"] += global_batch * plan.seq_len

        if step % cfg.log_every == 0 or step == end:
            losses = torch.cat([out["loss"].view(1), out["main_loss"].view(1),
                                out["mtp_losses"] if out["mtp_losses"] is not None else torch.zeros(0, device=device)]).float()
            if distributed:
                dist.all_reduce(losses, op=dist.ReduceOp.AVG if device.type == "cuda" else dist.ReduceOp.SUM)
                if device.type != "cuda":
                    losses /= world
            losses = losses.tolist()
            now = time.perf_counter()
            tok_s = last["tokens"] / (now - last["time"])
            fpt = raw.flops_per_token(plan.seq_len, mtp=bool(mcfg.num_mtp))
            record = {"step": step, "stage": plan.name, "lr": lr, "mtp_weight": lam, "loss": losses[0],
                      "main_loss": losses[1], "mtp_loss": losses[2:], "grad_norm": float(out["grad_norm"]),
                      "tokens_per_s": tok_s, "mfu": (fpt * tok_s / (peak * world)) if peak else None}
            last = {"time": now, "step": step, "tokens": 0}
            history.append(record)
            if rank == 0:
                log(json.dumps(record))
                with open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
        if step % cfg.checkpoint_every == 0 or step == end:
            if rank == 0:
                _atomic_save({"model": raw.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                              "data": stream.state(), "rng": torch.get_rng_state(),
                              "model_config": mcfg.to_dict(), "config": cfg.model_dump(mode="json")}, ckpt_path)
            if distributed:
                dist.barrier()

    summary.update(steps=step, history=history, checkpoint=str(ckpt_path))
    if cfg.export and step == total and rank == 0:
        from trainer.export import export_hf

        summary["export"] = str(export_hf(raw, out_dir / "hf", tokenizer=_tokenizer_file(manifest),
                                          eod_id=manifest.eod_id, dtype=cfg.export_dtype))
        log(f"exported {summary['export']}")
    return summary


def _tokenizer_file(manifest: Manifest) -> Path | None:
    if not manifest.tokenizer_path:
        return None
    for candidate in (Path(manifest.tokenizer_path), manifest.root / manifest.tokenizer_path):
        if candidate.is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    from core.config import ConfigError
    from trainer.config import load_train_config

    parser = argparse.ArgumentParser(prog="python -m trainer.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path, help="train config (YAML), e.g. configs/train.yaml")
    args = parser.parse_args(argv)
    try:
        cfg = load_train_config(args.config)
        summary = train(cfg, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except (ConfigError, DataError) as e:
        print(str(e), file=sys.stderr)
        return 2
    summary.pop("history", None)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
