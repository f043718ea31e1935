"""The Hugging Face export (MiMo layout): transformers loads it as Qwen2 with our logits; the MTP
weights carry the names vLLM's MiMo MTP loader reads; speculative decoding equals plain decoding."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from safetensors import safe_open  # noqa: E402

from tests.conftest import REPO_ROOT  # noqa: E402
from trainer.export import load_hf  # noqa: E402
from trainer.generate import compare, generate_mtp, generate_plain  # noqa: E402
from trainer.model import ModelConfig, Transformer  # noqa: E402

# What vllm/model_executor/models/mimo_mtp.py (MiMoMTP.load_weights) reads under model.mtp_layers.N.
# (it inserts `mtp_block.` before the decoder-layer names itself).
MTP_NAMES = {"token_layernorm.weight", "hidden_layernorm.weight", "input_proj.weight", "final_layernorm.weight",
             "input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.o_proj.weight",
             "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"} | {
    f"self_attn.{x}_proj.{w}" for x in "qkv" for w in ("weight", "bias")}


@pytest.fixture(scope="module")
def export_dir(trained):
    return Path(trained[0]["export"])


def trainer_model(trained):
    summary, cfg = trained
    from trainer.data import load_manifest
    from trainer.train import model_config

    ckpt = torch.load(summary["checkpoint"], weights_only=False)
    model = Transformer(model_config(cfg, load_manifest(cfg.data.manifest)))
    model.load_state_dict(ckpt["model"])
    return model.eval()


def test_config_is_mimo_layout(export_dir, trained):
    cfg = json.loads((export_dir / "config.json").read_text())
    assert cfg["architectures"] == ["MiMoForCausalLM"] and cfg["model_type"] == "qwen2"
    assert cfg["num_nextn_predict_layers"] == 1 and cfg["tie_word_embeddings"] is False
    assert cfg["head_dim"] == 32 and cfg["num_key_value_heads"] == 1 and cfg["rope_theta"] == 10000
    with safe_open(export_dir / "model.safetensors", "pt") as f:
        keys = set(f.keys())
    mtp = {k for k in keys if k.startswith("model.mtp_layers.")}
    assert {re.sub(r"^model\.mtp_layers\.0\.", "", k) for k in mtp} == MTP_NAMES
    assert "lm_head.weight" in keys and "model.embed_tokens.weight" in keys
    assert not any(k.startswith("model.layers.") and ("qkv_proj" in k or "gate_up" in k) for k in keys)


def test_transformers_loads_it_as_qwen2_with_our_logits(export_dir, trained):
    hf = transformers.AutoModelForCausalLM.from_pretrained(export_dir).eval()
    assert type(hf).__name__ == "Qwen2ForCausalLM"
    ours = trainer_model(trained)
    x = torch.randint(0, 16, (3, 40))
    with torch.no_grad():
        torch.testing.assert_close(hf(x).logits, ours(x), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(load_hf(export_dir)(x), ours(x), rtol=0, atol=0)  # round trip
    tok = transformers.AutoTokenizer.from_pretrained(export_dir)
    assert tok.decode(tok("12+7=19")["input_ids"]) == "12+7=19"


def test_mtp_speculative_decoding_equals_plain_greedy(export_dir):
    model = load_hf(export_dir)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
    prompts = [tok.encode(p).ids for p in ("3+4=7\n12+30=", "5+5=", "41+17=58\n9+9=18\n")]
    result = compare(model, prompts, 30, k=1, rounds=2)
    assert result["rounds"] == 2
    assert result["identical_outputs"] and result["drafts"] > 0
    assert len(result["acceptance_per_position"]) == 1
    # the drafter is a trained MTP head, not noise: most drafts accepted
    assert result["acceptance_per_position"][0] > 0.5
    assert result["main_forwards"] < sum(map(len, result["plain"])) + len(prompts)


def test_speculative_decoding_with_several_depths_equals_plain():
    torch.manual_seed(1)
    model = Transformer(ModelConfig(vocab_size=24, hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1,
                                    intermediate_size=96, num_mtp=3)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    for k in (1, 2, 3):
        for prompt in ([1, 2, 3, 4], [7]):
            plain = generate_plain(model, prompt, 25)
            spec, stats = generate_mtp(model, prompt, 25, k)
            assert spec == plain, k
            assert len(stats["accepted_per_pos"]) == k
    with pytest.raises(ValueError, match="MTP module"):
        generate_mtp(model, [1], 5, k=4)


def test_generate_command_line(export_dir):
    r = subprocess.run([sys.executable, "-m", "trainer.generate", str(export_dir), "--prompt", "12+30=",
                        "--prompt", "5+5=", "--max-new-tokens", "12", "--compare", "--threads", "1"],
                       capture_output=True, text=True, cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT), "PATH": ""})
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["identical_outputs"] is True and len(out["completions"]) == 2
    assert {"plain_tokens_per_s", "mtp_tokens_per_s", "speedup", "acceptance_per_position"} <= out.keys()
