"""Trainer benchmark: step time with and without one MTP layer; MTP acceptance and speed-up.

    python bench/trainer.py                      # CPU: the tiny arithmetic model, end to end
    python bench/trainer.py --gpu                # CUDA: a 124M model, batch 16 × 1024, bf16, torch.compile
    python bench/trainer.py --cpu-124m --batch 1 --seq 256 --time-steps 3   # that shape on the CPU, ±MTP
    python bench/trainer.py --layers-sweep 4,8,12   # ±MTP step time at other trunk depths (tiny width and data)

CPU (the project's proof), on the tiny arithmetic model's own recipe (tools/tiny_model_mtp.py):
curriculum → Parquet → mixture manifest + Megatron .bin/.idx (mixtures) → `trainer.train` with one
MTP module. Reports
  * step time of the same model with 0 and 1 MTP modules on the same batches, timed interleaved
    in one run (ours with MTP beside the baseline without), and the overhead — as the tiny model
    trains (loss on responses, packed conversations) and with the loss on every position — beside
    the FLOPs each step runs (torch's FlopCounterMode), i.e. what the arithmetic allows;
  * the loss curve of a short training run;
  * for the committed tiny model (data/tiny-model, built by `python -m tools.tiny_model build`):
    held-out greedy accuracy per tier, and acceptance and tokens/s of MTP-speculative vs plain
    greedy decoding (trainer.generate.compare) on held-out prompts, outputs checked identical.

GPU: a nanoGPT-sized model in the reference shape (d 768, 12 layers, 12 heads, SwiGLU 2048, vocab
50304, tied embeddings: 124M parameters) trained on random tokens, bf16 autocast + SDPA + fused
AdamW + torch.compile, 0 vs 1 MTP module, plus the eager step without MTP. tokens/s and MFU (FLOPs
counted as nanoGPT counts them, over 989 TFLOP/s dense bf16) — the anchor is nanoGPT's 495k
tokens/s compiled (MFU 0.43) on an H200. Imports only torch and trainer.model/trainer.step.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from trainer.model import ModelConfig, Transformer  # noqa: E402
from trainer.step import keep_cpu_memory, make_optimizer, train_step  # noqa: E402

PEAK = 989e12


# ---- GPU --------------------------------------------------------------------------------------------
def gpu_variant(num_mtp: int, compile_model: bool, steps: int, warmup: int, batch: int, seq: int, cfg_kw: dict,
                device: str = "cuda", profile: Path | None = None, prompt_fraction: float = 0.0) -> dict:
    device = torch.device(device)
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    cfg = ModelConfig(num_mtp=num_mtp, **cfg_kw)
    raw = Transformer(cfg).to(device)
    opt = make_optimizer(raw, 6e-4)
    model = torch.compile(raw) if compile_model else raw
    data = [torch.randint(0, cfg.vocab_size, (batch, seq + 1), device=device) for _ in range(8)]
    labels = [x[:, 1:].clone() for x in data]
    if prompt_fraction:  # SFT-like: no loss on the first part of each sequence; heads skip those rows
        for y in labels:
            y[:, : int(prompt_fraction * seq)] = -100
        raw.scored_only = not compile_model
    lam = 0.3 if num_mtp else 0.0
    amp = torch.bfloat16 if cuda else None  # CPU: float32, as the trainer runs there

    def step(i):
        x = data[i % len(data)]
        return train_step(model, opt, [(x[:, :-1], labels[i % len(data)])], lr=6e-4, mtp_weight=lam, grad_clip=1.0,
                          autocast_dtype=amp)

    t0 = time.perf_counter()
    for i in range(warmup):
        out = step(i)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    sync()
    warm_s = time.perf_counter() - t0
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for i in range(steps):
        out = step(i)
    sync()
    dt = time.perf_counter() - t0
    tok_s = steps * batch * seq / dt
    fpt_all = raw.flops_per_token(seq, mtp=True)
    fpt_trunk = raw.flops_per_token(seq, mtp=False)
    res = {"mtp": num_mtp, "compile": compile_model, "prompt_fraction": prompt_fraction, "params": raw.num_params(), "step_ms": 1000 * dt / steps,
           "tokens_per_s": tok_s, "mfu": fpt_all * tok_s / PEAK, "mfu_trunk_flops_only": fpt_trunk * tok_s / PEAK,
           "warmup_s": warm_s, "loss": float(out["loss"]), "max_mem_gb": torch.cuda.max_memory_allocated() / 1e9 if cuda else None}
    if profile is not None:  # where the time goes: a few steps under the profiler, kernels by total time
        from torch.profiler import ProfilerActivity, profile as prof_ctx

        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
        with prof_ctx(activities=acts) as prof:
            for i in range(3):
                step(i)
            sync()
        key = "cuda_time_total" if cuda else "cpu_time_total"
        table = prof.key_averages().table(sort_by=key, row_limit=40, max_name_column_width=70)
        profile.write_text(table)
        print("\n".join(table.splitlines()[:32]), flush=True)
    del model, raw, opt, data
    if cuda:
        torch.cuda.empty_cache()
    return res


def run_gpu(args) -> dict:
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    cfg_kw = dict(vocab_size=args.vocab, hidden_size=args.hidden, num_layers=args.layers, num_heads=args.heads,
                  num_kv_heads=args.kv_heads, intermediate_size=args.ffn, tie_embeddings=True)
    name = torch.cuda.get_device_name() if args.device == "cuda" else f"cpu, {args.threads} thread(s)"
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    print(f"device {name}, torch {torch.__version__}", flush=True)
    rows = []
    variants = [(0, not args.no_compile), (1, not args.no_compile)] + ([(0, False)] if args.eager else [])
    if args.base_only:
        variants = variants[:1]
    for num_mtp, comp in variants:
        prof = args.profile if (args.profile and (num_mtp, comp) == variants[0]) else None
        r = gpu_variant(num_mtp, comp, args.steps, args.warmup, args.batch, args.seq, cfg_kw, args.device, prof,
                        args.prompt_fraction)
        rows.append(r)
        print(json.dumps(r), flush=True)
    if args.cdt:  # inductor's coordinate-descent tuning of the generated kernels (longer compile)
        import torch._inductor.config as inductor_config

        inductor_config.coordinate_descent_tuning = True
        r = gpu_variant(0, True, args.steps, args.warmup, args.batch, args.seq, cfg_kw, args.device)
        r["variant"] = "coordinate_descent_tuning"
        rows.append(r)
        print(json.dumps(r), flush=True)
    base = rows[0]
    mtp = next((r for r in rows if r["mtp"] == 1 and r["compile"] == base["compile"]), None)
    summary = {"batch": args.batch, "seq": args.seq, "steps": args.steps, "rows": rows,
               "mtp_slowdown": 1 - mtp["tokens_per_s"] / base["tokens_per_s"] if mtp else None,
               "anchor": {"nanogpt_compiled_tokens_per_s": 495e3, "nanogpt_mfu": 0.43, "hf_qwen2_compiled_tokens_per_s": 427e3}}
    print(f"\n{'variant':<22}{'params':>10}{'step ms':>10}{'tokens/s':>12}{'MFU':>7}{'MFU trunk':>11}")
    for r in rows:
        name = f"{'compiled' if r['compile'] else 'eager'}, {r['mtp']} MTP"
        print(f"{name:<22}{r['params'] / 1e6:>9.1f}M{r['step_ms']:>10.1f}{r['tokens_per_s']:>12,.0f}{r['mfu']:>7.3f}"
              f"{r['mfu_trunk_flops_only']:>11.3f}")
    if summary["mtp_slowdown"] is not None:
        print(f"anchor (nanoGPT 124M, compiled): 495,000 tokens/s, MFU 0.43; MTP slowdown "
              f"{summary['mtp_slowdown']:.1%} (goal ≤ 20%)")
    return summary


# ---- CPU: the tiny arithmetic model -----------------------------------------------------------------
def tiny_setup(work: Path, items: int, seed: int = 0):
    """The tiny model's real training data: curriculum → mixture (tools.tiny_model_mtp.mixture)."""
    from tools.tiny_model.curriculum import sample_train
    from tools.tiny_model.tokenizer import build_tokenizer
    from tools.tiny_model_mtp import mixture

    tok = build_tokenizer()
    return tok, mixture(sample_train(items, seed=seed), tok, work, seed)


def _attention_flops(query_shape, key_shape, *args, out_shape=None, **kwargs) -> int:
    """Forward FLOPs of SDPA's CPU flash kernel, which torch's FLOP counter has no formula for:
    scores and weighted values over every key (with a mask the kernel computes every block)."""
    b, h, s_q, d = query_shape
    return 4 * b * h * s_q * key_shape[-2] * d


def _attention_backward_flops(grad_out_shape, query_shape, key_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * _attention_flops(query_shape, key_shape)  # as torch counts the other SDPA backwards


def step_flops(model, x, y, mtp_weight: float) -> int:
    """Matrix and attention FLOPs of one forward + backward, counted by torch's FlopCounterMode on
    the ops that actually run (so skipped rows and gather padding count as they are)."""
    from torch.utils.flop_counter import FlopCounterMode

    aten = torch.ops.aten
    counter = FlopCounterMode(display=False, custom_mapping={
        aten._scaled_dot_product_flash_attention_for_cpu: _attention_flops,
        aten._scaled_dot_product_flash_attention_for_cpu_backward: _attention_backward_flops})
    with counter:
        model(x, y, mtp_weight)["loss"].backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def mtp_overhead(shape: dict, samples: list, steps: int, warmup: int = 3, **knobs) -> dict:
    """Step time of one model shape with 0 and 1 MTP module on the same (inputs, labels) batches,
    steps interleaved (order alternating) so load drifts hit both; medians of wall time and of the
    thread's CPU time (on a shared machine the CPU time is the steadier of the two: waiting for a
    core is not counted). `knobs`: model attributes the trainer would set (scored_only, document_eod)."""
    runs = {}
    for n in (0, 1):
        torch.manual_seed(0)
        model = Transformer(ModelConfig(**{**shape, "num_mtp": n}))
        for name, value in knobs.items():
            setattr(model, name, value)
        runs[n] = (model, make_optimizer(model, 1e-3), [], [])
    flops = {n: step_flops(runs[n][0], *samples[0], 0.3 if n else 0.0) for n in runs}
    for i in range(steps + warmup):
        x, y = samples[i % len(samples)]
        for n in ((0, 1) if i % 2 == 0 else (1, 0)):
            model, opt, wall, cpu = runs[n]
            t0, c0 = time.perf_counter(), time.thread_time()
            train_step(model, opt, [(x, y)], lr=1e-3, mtp_weight=0.3 if n else 0.0, grad_clip=1.0)
            if i >= warmup:
                wall.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
    med = {n: sorted(t)[len(t) // 2] for n, (_, _, t, _) in runs.items()}
    cpu = {n: sorted(t)[len(t) // 2] for n, (_, _, _, t) in runs.items()}
    return {"step_ms_without_mtp": 1000 * med[0], "step_ms_with_mtp": 1000 * med[1], "mtp_overhead": med[1] / med[0] - 1,
            "cpu_ms_without_mtp": 1000 * cpu[0], "cpu_ms_with_mtp": 1000 * cpu[1], "mtp_overhead_cpu": cpu[1] / cpu[0] - 1,
            "params_without_mtp": runs[0][0].num_params(), "params_with_mtp": runs[1][0].num_params(),
            "gflops_without_mtp": flops[0] / 1e9, "gflops_with_mtp": flops[1] / 1e9, "mtp_overhead_flops": flops[1] / flops[0] - 1}


def step_times(manifest: Path, tokenizer, steps: int, micro_batch: int, threads: int, num_layers: int | None = None,
               modes: tuple[str, ...] = ("responses", "responses_heads_everywhere", "all_positions")) -> dict:
    """The tiny model ±MTP on its real batches: as it trains (loss on responses, packed
    conversations: trainer.train's settings), the same without `scored_only` (heads and the last
    layer on every position, as before it existed) and with the loss on every position.
    `num_layers`: the same width and data at another trunk depth (--layers-sweep)."""
    from trainer.data import BlendedStream, load_manifest, response_labels
    from tools.tiny_model_mtp import MODEL

    torch.set_num_threads(threads)
    m = load_manifest(manifest)
    stream = BlendedStream(m.stages[0], 0)
    start, end = (tokenizer.convert_tokens_to_ids(t) for t in ("<|assistant|>", "<|end|>"))
    tokens = [torch.from_numpy(stream.read(stream.plan(micro_batch))) for _ in range(8)]
    shape = {**MODEL, "vocab_size": 8 * -(-len(tokenizer) // 8), **({"num_layers": num_layers} if num_layers else {})}
    responses = [(x[:, :-1], response_labels(x, start, end)) for x in tokens]
    scored = float(sum((y != -100).sum() for _, y in responses) / sum(y.numel() for _, y in responses))
    runs = {"responses": lambda: mtp_overhead(shape, responses, steps, scored_only=True, document_eod=m.eod_id),
            "responses_heads_everywhere": lambda: mtp_overhead(shape, responses, steps, document_eod=m.eod_id),
            "all_positions": lambda: mtp_overhead(shape, [(x[:, :-1], x[:, 1:]) for x in tokens], steps)}
    return {**{mode: runs[mode]() for mode in modes},
            "scored_fraction": scored, "tokens_per_step": micro_batch * m.stages[0].seq_length}


def run_cpu_124m(args) -> dict:
    """The GPU benchmark's 124M shape (vocab 50,304) on the CPU, float32 eager, random tokens: ±MTP
    with the loss on every position, and with no loss on the first half of each sequence (SFT-like,
    `scored_only`)."""
    torch.set_num_threads(args.threads)
    shape = dict(vocab_size=args.vocab, hidden_size=args.hidden, num_layers=args.layers, num_heads=args.heads,
                 num_kv_heads=args.kv_heads, intermediate_size=args.ffn, tie_embeddings=True)
    torch.manual_seed(0)
    tokens = [torch.randint(0, args.vocab, (args.batch, args.seq + 1)) for _ in range(2)]
    half = [(x[:, :-1], torch.cat([torch.full_like(x[:, 1: 1 + args.seq // 2], -100), x[:, 1 + args.seq // 2:]], 1))
            for x in tokens]
    out = {"batch": args.batch, "seq": args.seq,
           "all_positions": mtp_overhead(shape, [(x[:, :-1], x[:, 1:]) for x in tokens], args.time_steps, warmup=1),
           "half_prompt": mtp_overhead(shape, half, args.time_steps, warmup=1, scored_only=True)}
    for mode in ("all_positions", "half_prompt"):
        r = out[mode]
        print(f"124M shape on CPU, {args.batch}×{args.seq} tokens, {mode:<14} without MTP {r['step_ms_without_mtp']:8.0f} ms, "
              f"with 1 MTP {r['step_ms_with_mtp']:8.0f} ms → {r['mtp_overhead']:+.1%} (FLOPs {r['mtp_overhead_flops']:+.1%})", flush=True)
    return out


def tiny_recipe(args):
    """The tiny model's recipe at --steps: (work folder, tokenizer, mixture manifest, TrainConfig)."""
    from tools.tiny_model.train import TrainSettings
    from tools.tiny_model_mtp import train_config
    from trainer.config import TrainConfig

    torch.set_num_threads(args.threads)
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-trainer-"))
    settings = TrainSettings(steps=args.steps, threads=args.threads, warmup=max(1, args.steps // 20))
    n_items = settings.steps * settings.batch_size
    t0 = time.perf_counter()
    tok, manifest = tiny_setup(work, n_items)
    print(f"mixture of {n_items} conversations built in {time.perf_counter() - t0:.1f}s: {manifest}", flush=True)
    cfg = TrainConfig.model_validate(train_config(manifest, tok, work / "run", settings, n_items, log_every=25))
    return work, tok, manifest, cfg


def run_layers_sweep(args) -> dict:
    """MTP's overhead against trunk depth: the tiny model's width and real batches at each depth in
    --layers-sweep, ±1 MTP module, as trained and with the loss on every position. One MTP module
    is a fixed amount of work, so its share falls as the trunk deepens; the FLOP column says what
    the arithmetic allows at each depth."""
    _, tok, manifest, cfg = tiny_recipe(args)
    micro_batch = cfg.micro_batch
    out = {}
    print(f"MTP overhead against trunk depth (d 128, {micro_batch} × 128 tokens, median of {args.time_steps} "
          "interleaved steps):", flush=True)
    for layers in [int(n) for n in args.layers_sweep.split(",")]:
        st = step_times(manifest, tok, args.time_steps, micro_batch, args.threads, layers,
                        modes=("responses", "all_positions"))
        out[layers] = st
        for mode in ("responses", "all_positions"):
            r = st[mode]
            print(f"  {layers:>2} layers, {mode:<13} without MTP {r['step_ms_without_mtp']:7.1f} ms, with 1 MTP "
                  f"{r['step_ms_with_mtp']:7.1f} ms → {r['mtp_overhead']:+.1%} wall, {r['mtp_overhead_cpu']:+.1%} CPU; "
                  f"FLOPs {r['mtp_overhead_flops']:+.1%}", flush=True)
    return out


def run_cpu(args) -> dict:
    from tools.tiny_model.build import DEFAULT_DIR, eval_items, evaluate
    from tools.tiny_model.curriculum import held_out
    from tools.tiny_model.tokenizer import render_prompt
    from trainer.export import load_hf
    from trainer.generate import compare
    from trainer.train import train

    work, tok, manifest, cfg = tiny_recipe(args)

    st = step_times(manifest, tok, args.time_steps, cfg.micro_batch, args.threads)
    print(json.dumps(st), flush=True)

    t0 = time.perf_counter()  # a short run of the real recipe: the loss falls
    summary = train(cfg, log=lambda msg: print(msg, flush=True))
    train_s = time.perf_counter() - t0
    losses = [(r["step"], round(r["main_loss"], 3), [round(x, 3) for x in r["mtp_loss"]]) for r in summary["history"]]

    model_dir = Path(args.model or DEFAULT_DIR)  # the committed tiny model: accuracy and MTP decoding
    recorded = json.loads((model_dir / "manifest.json").read_text())
    acc = evaluate(model_dir, eval_items())
    model = load_hf(model_dir)
    eos = tok.eos_token_id
    prompts = [tok(render_prompt(it.question), add_special_tokens=False)["input_ids"]
               for tier, op in [(1, "+"), (2, "+"), (2, "*"), (3, "+"), (3, "*")] for it in held_out(tier, op, 8, seed=11)]
    spec = compare(model, prompts, args.new_tokens, 1, eos)
    spec.pop("plain"), spec.pop("mtp")
    result = {"work": str(work), "train_s": train_s, "steps": summary["steps"], "loss_curve": losses,
              "model": str(model_dir), "trainer": recorded.get("trainer"), "held_out_accuracy": acc,
              "step_time": st, "speculative": spec, "params": summary["params"]}
    print("\n=== bench/trainer.py (CPU) ===")
    r0 = st["responses"]
    print(f"step time, tiny model ({r0['params_without_mtp']:,} params, +{r0['params_with_mtp'] - r0['params_without_mtp']:,} "
          f"for 1 MTP module), {st['tokens_per_step']} tokens/step, median of {args.time_steps} interleaved steps:")
    print(f"  (share of positions scored as trained: {st['scored_fraction']:.2f})")
    for mode, label in (("responses", "as trained (loss on responses, packed)"),
                        ("responses_heads_everywhere", "same, without scored_only"),
                        ("all_positions", "loss on every position")):
        r = st[mode]
        print(f"  {label:<40} without MTP {r['step_ms_without_mtp']:7.1f} ms, with 1 MTP {r['step_ms_with_mtp']:7.1f} ms "
              f"→ overhead {r['mtp_overhead']:+.1%} wall, {r['mtp_overhead_cpu']:+.1%} CPU "
              f"({r['cpu_ms_without_mtp']:.1f} → {r['cpu_ms_with_mtp']:.1f} ms) (goal ≤ 20%); "
              f"FLOPs {r['gflops_without_mtp']:.2f} → {r['gflops_with_mtp']:.2f} G, {r['mtp_overhead_flops']:+.1%}")
    print(f"training: {summary['steps']} steps in {train_s:.0f}s; main loss {losses[0][1]} → {losses[-1][1]}, "
          f"MTP loss {losses[0][2]} → {losses[-1][2]}")
    print(f"{model_dir} ({recorded.get('trainer')}): held-out greedy accuracy {acc}")
    print(f"MTP speculative decoding (k=1, {spec['prompts']} prompts, ≤ {args.new_tokens} tokens): acceptance "
          f"{spec['acceptance_per_position']}, mean acceptance length {spec['mean_acceptance_length']:.2f}, "
          f"{spec['mtp_tokens_per_s']:.0f} vs plain {spec['plain_tokens_per_s']:.0f} tokens/s → speed-up "
          f"{spec['speedup']:.2f}×, identical outputs: {spec['identical_outputs']}")
    return result


def main() -> int:
    keep_cpu_memory()  # as trainer.train does on the CPU, so the timed steps are the trainer's
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gpu", action="store_true")
    p.add_argument("--cpu-124m", action="store_true",
                   help="the GPU shape on the CPU, ±MTP interleaved (--batch/--seq/--time-steps; e.g. --batch 1 --seq 256)")
    p.add_argument("--out", type=Path, help="write the result JSON here")
    g = p.add_argument_group("GPU")
    g.add_argument("--steps-gpu", dest="gpu_steps", type=int, default=200)
    g.add_argument("--warmup", type=int, default=15)
    g.add_argument("--batch", type=int, default=16)
    g.add_argument("--seq", type=int, default=1024)
    g.add_argument("--vocab", type=int, default=50304)
    g.add_argument("--hidden", type=int, default=768)
    g.add_argument("--layers", type=int, default=12)
    g.add_argument("--heads", type=int, default=12)
    g.add_argument("--kv-heads", type=int, default=12)
    g.add_argument("--ffn", type=int, default=2048)
    g.add_argument("--eager", action="store_true", help="also time the eager step without MTP")
    g.add_argument("--no-compile", action="store_true")
    g.add_argument("--base-only", action="store_true", help="only the first variant (compiled, no MTP)")
    g.add_argument("--cdt", action="store_true", help="also: compiled without MTP, coordinate-descent tuning")
    g.add_argument("--profile", type=Path, help="profile the first variant; kernel table written here")
    g.add_argument("--device", default="cuda", help="cpu: the same model and steps on the CPU (float32, eager)")
    g.add_argument("--prompt-fraction", type=float, default=0.0,
                   help="no loss on this share of each sequence (SFT-like); eager runs skip those rows in the heads")
    c = p.add_argument_group("CPU")
    c.add_argument("--steps", type=int, default=150, help="steps of the short training run (loss curve)")
    c.add_argument("--time-steps", type=int, default=30, help="timed steps per variant for the MTP overhead")
    c.add_argument("--new-tokens", type=int, default=24)
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--layers-sweep", metavar="N,N,...",
                   help="only the ±MTP step times at these trunk depths (the tiny model's width and data), e.g. 4,8,16")
    c.add_argument("--model", help="tiny model to evaluate (default: data/tiny-model)")
    c.add_argument("--work", help="working folder (default: a new temporary one)")
    args = p.parse_args()
    if args.cpu_124m:
        result = run_cpu_124m(args)
    elif args.layers_sweep:
        result = run_layers_sweep(args)
    elif args.gpu:
        args.steps = args.gpu_steps
        result = run_gpu(args)
    else:
        result = run_cpu(args)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
