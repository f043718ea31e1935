"""Model backends throughput: tokens/s for 64 prompts x n=8 through every backend on the tiny model,
beside a naive loop of one `transformers.generate` call per sample. One run, same machine.

    .venv/bin/python bench/backends.py [--prompts 64] [--n 8] [--max-tokens 32] [--only vllm-offline,...]

Contenders (all on data/tiny-model, float32, CPU, sampling at temperature 1.0):
  * vllm-offline   synth.backends vllm, `generate_batch` (vllm.LLM)
  * vllm-async     synth.backends vllm, `generate_many` (AsyncLLM)
  * openai->vllm   synth.backends openai against `python -m vllm.entrypoints.openai.api_server`
  * openai->tf     synth.backends openai against `transformers serve` (ignores n: 8 requests a prompt)
  * transformers   synth.backends transformers, batched generate (batch 64 rows)
  * naive loop     one `model.generate` call per sample (512 calls), the baseline
Engine/server start-up is timed separately and not counted in tokens/s. Tokens = completion
tokens the backend reports (EOS included). The table is printed at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODEL = str(REPO / "data" / "tiny-model")
ENGINE_ARGS = {"dtype": "float32", "max_model_len": 256, "enforce_eager": True, "seed": 0, "max_num_seqs": 256,
               "distributed_executor_backend": "uni"}
ALL = ["vllm-offline", "vllm-async", "openai->vllm", "openai->tf", "transformers", "naive loop"]


def questions(k: int) -> list[str]:
    from tools.tiny_model.curriculum import held_out

    cells = [(1, "+"), (1, "*"), (2, "+"), (2, "*"), (3, "+"), (3, "*")]
    per = -(-k // len(cells))
    return [it.question for cell in cells for it in held_out(*cell, per, seed=11)][:k]


def requests(qs: list[str], n: int, max_tokens: int):
    from synth.backends import Message, Request, SamplingParams

    return [Request(messages=[Message(role="user", content=q)],
                    sampling=SamplingParams(n=n, temperature=1.0, max_tokens=max_tokens, seed=i))
            for i, q in enumerate(qs)]


def tokens_of(completions) -> int:
    return sum(s.n_tokens if s.n_tokens is not None else 0 for c in completions for s in c.samples)


def run_backend(name: str, qs, n, max_tokens, run_dir: Path) -> tuple[float, int, float, int]:
    """(start-up s, samples, generate s, tokens)."""
    import os
    from contextlib import ExitStack

    from synth.backends import load_backend
    from tools.llm_servers import shared_server

    with ExitStack() as stack:
        t0 = time.perf_counter()
        if name.startswith("vllm"):
            backend = load_backend({"backend": "vllm", "model": MODEL, "engine_args": ENGINE_ARGS})
            if name == "vllm-offline":
                backend.offline
            else:
                backend.start_async()
        elif name == "transformers":
            backend = load_backend({"backend": "transformers", "model": MODEL, "device": "cpu", "batch_size": 64})
            backend.tokenizer  # loads the model
        else:
            kind = "vllm" if name == "openai->vllm" else "transformers"
            server = stack.enter_context(shared_server(run_dir, kind, MODEL, owner_pid=os.getpid()))
            extra = {} if kind == "vllm" else {"chat_template": "client", "tokenizer": MODEL}
            backend = load_backend({"backend": "openai", "model": server.model, "base_url": server.url,
                                    "max_concurrency": 32, **extra})
        stack.callback(backend.close)
        startup = time.perf_counter() - t0
        reqs = requests(qs, n, max_tokens)
        t0 = time.perf_counter()
        done = asyncio.run(backend.generate_many(reqs)) if name == "vllm-async" else backend.generate_batch(reqs)
        elapsed = time.perf_counter() - t0
        if any(len(c.samples) != n for c in done):
            raise SystemExit(f"{name}: expected {n} samples per prompt")
        tokens = tokens_of(done)
    return startup, len(done) * n, elapsed, tokens


def run_naive(qs, n, max_tokens) -> tuple[float, int, float, int]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(MODEL).eval()
    startup = time.perf_counter() - t0
    eos = tok.eos_token_id
    tokens = 0
    t0 = time.perf_counter()
    for i, q in enumerate(qs):
        ids = tok.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True, return_tensors="pt",
                                      return_dict=True)
        for j in range(n):
            torch.manual_seed(i * 1000 + j)
            with torch.no_grad():
                out = model.generate(**ids, max_new_tokens=max_tokens, do_sample=True, temperature=1.0, top_k=0,
                                     top_p=1.0, pad_token_id=tok.pad_token_id)
            new = out[0, ids["input_ids"].shape[1]:].tolist()
            tokens += (new.index(eos) + 1) if eos in new else len(new)
    return startup, len(qs) * n, time.perf_counter() - t0, tokens


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--only", default=",".join(ALL))
    args = ap.parse_args()
    import os

    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    qs = questions(args.prompts)
    names = args.only.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # The baseline first, so every later row can be printed (to stderr) with its ratio at once.
        for name in sorted(names, key=lambda n: n != "naive loop"):
            print(f"... {name}", file=sys.stderr, flush=True)
            if name == "naive loop":
                row = (name, *run_naive(qs, args.n, args.max_tokens))
            else:
                row = (name, *run_backend(name, qs, args.n, args.max_tokens, Path(tmp)))
            rows.append(row)
            print("ROW " + _row(row, rows), file=sys.stderr, flush=True)
    print(f"\n{args.prompts} prompts x n={args.n}, max_tokens={args.max_tokens}, temperature 1.0, tiny model (CPU)")
    print("| backend | start-up s | samples | generate s | tokens | tokens/s | vs naive loop |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(_row(row, rows))


def _row(row, rows) -> str:
    name, startup, samples, secs, tokens = row
    base = next((r for r in rows if r[0] == "naive loop"), None)
    tps = tokens / secs
    ratio = f"{tps / (base[4] / base[3]):.1f}x" if base else "-"
    return f"| {name} | {startup:.1f} | {samples} | {secs:.2f} | {tokens} | {tps:,.0f} | {ratio} |"


if __name__ == "__main__":
    main()
