"""`python -m trainer.generate MODEL_DIR --prompt TEXT [-k K] [--compare]`: greedy decoding of an
exported model (trainer/export.py layout), speculative with its own MTP modules as the drafter.

Each step (batch 1, greedy):
  1. draft: MTP depth j (j = 1…k) at the last position combines depth j-1's state with the embedding
     of the token j-1 ahead (the pending token for j = 1, draft j-1 after) and proposes draft j;
  2. verify: the main model runs the pending token and the k drafts in one forward, and keeps the
     drafts up to the first one that differs from its own greedy choice, plus its own next token.
The output is exactly plain greedy decoding's (a test checks it); what changes is the number of
main-model forwards. Every module keeps a KV cache; positions computed from a draft token are
rolled back and recomputed next step, so caches only ever hold states of accepted tokens.

Reported: acceptance rate per draft position (accepted at position j ÷ drafts, as vLLM's
`spec_decode_num_accepted_tokens_per_pos` ÷ `num_drafts`), mean acceptance length, and tokens/s
against plain decoding of the same model and prompts (`--compare`).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from trainer.model import KVCache, Transformer


def _caches(model: Transformer, n: int, max_len: int, device) -> list[KVCache]:
    cfg = model.cfg
    dtype = next(model.parameters()).dtype
    return [KVCache(1, cfg.num_kv_heads, max_len, cfg.head_dim, device, dtype) for _ in range(n)]


@torch.no_grad()
def generate_plain(model: Transformer, prompt: list[int], max_new_tokens: int, eos_id: int | None = None) -> list[int]:
    """Greedy decoding with a KV cache, one main-model forward per token."""
    device = next(model.parameters()).device
    caches = _caches(model, model.cfg.num_layers, len(prompt) + max_new_tokens + 1, device)
    h = model.trunk(torch.tensor([prompt], device=device), 0, caches)
    out: list[int] = []
    while True:
        tok = int(model.logits(h[:, -1]).argmax(-1))
        out.append(tok)
        if len(out) >= max_new_tokens or tok == eos_id:
            return out
        h = model.trunk(torch.tensor([[tok]], device=device), caches[0].length, caches)


@torch.no_grad()
def generate_mtp(model: Transformer, prompt: list[int], max_new_tokens: int, k: int = 1,
                 eos_id: int | None = None) -> tuple[list[int], dict]:
    """Greedy decoding with k MTP drafts per step; returns (tokens, stats)."""
    if not 1 <= k <= model.cfg.num_mtp:
        raise ValueError(f"k={k}: the model has {model.cfg.num_mtp} MTP module(s); use 1 ≤ k ≤ {model.cfg.num_mtp}")
    device = next(model.parameters()).device
    max_len = len(prompt) + max_new_tokens + k + 2
    main_caches = _caches(model, model.cfg.num_layers, max_len, device)
    mtp_caches = _caches(model, k, max_len, device)
    d = model.cfg.hidden_size
    hidden = [torch.zeros(1, max_len, d, device=device) for _ in range(k + 1)]  # [0]: trunk, [j]: depth j
    tokens = list(prompt)            # accepted tokens; tokens[n] is the pending one (not yet run by the trunk)
    n = len(prompt)
    hidden[0][:, :n] = model.trunk(torch.tensor([prompt], device=device), 0, main_caches)
    tokens.append(int(model.logits(hidden[0][:, n - 1]).argmax(-1)))
    out = [tokens[-1]]
    stats = {"drafts": 0, "accepted_per_pos": [0] * k, "main_forwards": 1}
    while len(out) < max_new_tokens and out[-1] != eos_id:
        # 1. draft: depth j fills positions from its cache length to n-1, then proposes a token
        drafts: list[int] = []
        for j in range(1, k + 1):
            cache = mtp_caches[j - 1]
            start = cache.length
            ext = tokens[: n + 1] + drafts  # position i of depth j reads the token j ahead: ext[i + j]
            ahead = torch.tensor([ext[start + j: n + j]], device=device)
            h = model.mtp_step(j - 1, hidden[j - 1][:, start:n], ahead, start, cache)
            hidden[j][:, start:n] = h
            drafts.append(int(model.mtp_logits(j - 1, h[:, -1]).argmax(-1)))
            cache.length = max(0, min(cache.length, n - j + 1))  # keep only positions whose inputs are all accepted
        # 2. verify: the trunk runs the pending token and the drafts at positions n … n+k
        block = torch.tensor([[tokens[n]] + drafts], device=device)
        h = model.trunk(block, n, main_caches)
        greedy = model.logits(h)[0].argmax(-1).tolist()
        stats["main_forwards"] += 1
        stats["drafts"] += 1
        a = 0
        while a < k and drafts[a] == greedy[a]:
            stats["accepted_per_pos"][a] += 1
            a += 1
        hidden[0][:, n: n + a + 1] = h[:, : a + 1]
        for c in main_caches:
            c.length = n + a + 1
        new = drafts[:a] + [greedy[a]]
        for tok in new:
            if len(out) >= max_new_tokens or out[-1] == eos_id:
                break
            out.append(tok)
        tokens = tokens[: n + 1] + new
        n += a + 1
    return out, stats


def acceptance(stats: dict) -> dict:
    drafts = max(1, stats["drafts"])
    per_pos = [a / drafts for a in stats["accepted_per_pos"]]
    return {"drafts": stats["drafts"], "acceptance_per_position": per_pos,
            "mean_acceptance_length": 1 + sum(stats["accepted_per_pos"]) / drafts}


def _add_stats(total: dict, stats: dict) -> None:
    """Adds one generate_mtp call's counts to `total`."""
    for key in ("drafts", "main_forwards"):
        total[key] = total.get(key, 0) + stats[key]
    total["accepted_per_pos"] = [x + y for x, y in zip(total["accepted_per_pos"], stats["accepted_per_pos"])]


def compare(model: Transformer, prompts: list[list[int]], max_new_tokens: int, k: int = 1,
            eos_id: int | None = None, rounds: int = 3) -> dict:
    """Plain vs MTP-speculative greedy decoding on the same prompts: outputs, speed, acceptance.
    The two are timed interleaved, prompt by prompt (which goes first alternates), over `rounds`
    passes, so drifts in machine load hit both alike. Outputs and counts are the first pass's
    (decoding is deterministic)."""
    if rounds < 1:
        raise ValueError(f"rounds={rounds}: need at least 1")
    decode = {"plain": lambda p: (generate_plain(model, p, max_new_tokens, eos_id), None),
              "mtp": lambda p: generate_mtp(model, p, max_new_tokens, k, eos_id)}
    generate_plain(model, prompts[0], 2, eos_id)  # warm-up
    generate_mtp(model, prompts[0], 2, k, eos_id)
    seconds = {"plain": 0.0, "mtp": 0.0}
    outputs: dict[str, list[list[int]]] = {"plain": [], "mtp": []}
    total = {"drafts": 0, "accepted_per_pos": [0] * k, "main_forwards": 0}
    for r in range(rounds):
        for i, p in enumerate(prompts):
            for kind in (("plain", "mtp") if (r + i) % 2 == 0 else ("mtp", "plain")):
                t0 = time.perf_counter()
                toks, stats = decode[kind](p)
                seconds[kind] += time.perf_counter() - t0
                if r == 0:
                    outputs[kind].append(toks)
                    if stats is not None:
                        _add_stats(total, stats)
    plain, spec = outputs["plain"], outputs["mtp"]
    plain_tps = rounds * sum(map(len, plain)) / seconds["plain"]
    spec_tps = rounds * sum(map(len, spec)) / seconds["mtp"]
    return {"k": k, "prompts": len(prompts), "rounds": rounds, "identical_outputs": plain == spec,
            "plain_tokens_per_s": plain_tps, "mtp_tokens_per_s": spec_tps, "speedup": spec_tps / plain_tps,
            "main_forwards": total["main_forwards"], **acceptance(total), "plain": plain, "mtp": spec}


def main(argv: list[str] | None = None) -> int:
    from tokenizers import Tokenizer

    from trainer.export import load_hf

    parser = argparse.ArgumentParser(prog="python -m trainer.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="an exported model folder (config.json, model.safetensors, tokenizer.json)")
    parser.add_argument("--prompt", action="append", default=[], help="a prompt (repeatable)")
    parser.add_argument("--prompts-file", type=Path, help="one prompt per line")
    parser.add_argument("-k", "--draft-tokens", type=int, default=1, help="MTP draft tokens per step (≤ MTP modules)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--compare", action="store_true", help="also decode plainly: tokens/s and identical output")
    parser.add_argument("--rounds", type=int, default=3, help="with --compare: timed passes over the prompts")
    parser.add_argument("--threads", type=int, help="CPU threads")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    prompts = list(args.prompt)
    if args.prompts_file:
        prompts += [line for line in args.prompts_file.read_text(encoding="utf-8").splitlines() if line]
    if not prompts:
        parser.error("give --prompt or --prompts-file")
    tok = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    model = load_hf(args.model)
    eos = json.loads((args.model / "config.json").read_text()).get("eos_token_id")
    ids = [tok.encode(p, add_special_tokens=False).ids for p in prompts]
    if args.compare:
        result = compare(model, ids, args.max_new_tokens, args.draft_tokens, eos, args.rounds)
    else:
        t0 = time.perf_counter()
        outs, total = [], {"drafts": 0, "accepted_per_pos": [0] * args.draft_tokens}
        for p in ids:
            o, st = generate_mtp(model, p, args.max_new_tokens, args.draft_tokens, eos)
            outs.append(o)
            _add_stats(total, st)
        result = {"k": args.draft_tokens, "mtp_tokens_per_s": sum(map(len, outs)) / (time.perf_counter() - t0),
                  **acceptance(total), "mtp": outs}
    result["completions"] = [tok.decode(o) for o in result["mtp"]]
    result.pop("plain", None)
    result.pop("mtp", None)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
