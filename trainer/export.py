"""Export a trained model as a Hugging Face checkpoint in MiMo's layout.

    <dir>/config.json         architectures ["MiMoForCausalLM"], model_type "qwen2",
                              num_nextn_predict_layers = K, the Qwen2 shape, rope_theta
    <dir>/model.safetensors   Qwen2 weight names (q/k/v and gate/up split again) and the MTP
                              modules under model.mtp_layers.N.{token_layernorm, hidden_layernorm,
                              input_proj, final_layernorm, input_layernorm, self_attn.*,
                              post_attention_layernorm, mlp.*}
    <dir>/tokenizer.json, tokenizer_config.json   when a tokenizer file is given

vLLM loads this natively (`MiMoForCausalLM`; the MTP draft `MiMoMTP` reads `model.mtp_layers.N.*`
and inserts `mtp_block.` itself, vllm/model_executor/models/mimo_mtp.py) with
`speculative_config={"method": "mtp", "num_speculative_tokens": k}`; transformers loads it as a
Qwen2ForCausalLM (model_type qwen2) and ignores the MTP weights.

The output head is always written as its own tensor and `tie_word_embeddings` is false: vLLM's MTP
draft model loads `lm_head.weight` from the checkpoint and does not tie it.
`load_hf(dir)` reads such a checkpoint back into a trainer model (for `trainer.generate`).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch

from trainer.model import ModelConfig, Transformer


def _block_tensors(prefix: str, block, cfg: ModelConfig) -> dict[str, torch.Tensor]:
    q_dim, kv_dim = cfg.hidden_size, cfg.num_kv_heads * cfg.head_dim
    attn, mlp = block.self_attn, block.mlp
    w_q, w_k, w_v = attn.qkv_proj.weight.split([q_dim, kv_dim, kv_dim])
    if attn.qkv_proj.bias is not None:
        b_q, b_k, b_v = attn.qkv_proj.bias.split([q_dim, kv_dim, kv_dim])
    else:  # Qwen2 always has q/k/v biases: a model trained without them exports zeros
        b_q, b_k, b_v = (torch.zeros(n, dtype=w_q.dtype, device=w_q.device) for n in (q_dim, kv_dim, kv_dim))
    gate, up = mlp.gate_up_proj.weight.chunk(2)
    return {
        f"{prefix}input_layernorm.weight": block.input_layernorm.weight,
        f"{prefix}self_attn.q_proj.weight": w_q, f"{prefix}self_attn.q_proj.bias": b_q,
        f"{prefix}self_attn.k_proj.weight": w_k, f"{prefix}self_attn.k_proj.bias": b_k,
        f"{prefix}self_attn.v_proj.weight": w_v, f"{prefix}self_attn.v_proj.bias": b_v,
        f"{prefix}self_attn.o_proj.weight": attn.o_proj.weight,
        f"{prefix}post_attention_layernorm.weight": block.post_attention_layernorm.weight,
        f"{prefix}mlp.gate_proj.weight": gate, f"{prefix}mlp.up_proj.weight": up,
        f"{prefix}mlp.down_proj.weight": mlp.down_proj.weight,
    }


def hf_state_dict(model: Transformer) -> dict[str, torch.Tensor]:
    cfg = model.cfg
    out = {"model.embed_tokens.weight": model.embed_tokens.weight, "model.norm.weight": model.norm.weight,
           "lm_head.weight": model.lm_head.weight}
    for i, layer in enumerate(model.layers):
        out.update(_block_tensors(f"model.layers.{i}.", layer, cfg))
    for i, mtp in enumerate(model.mtp_layers):
        p = f"model.mtp_layers.{i}."
        out.update({f"{p}token_layernorm.weight": mtp.token_layernorm.weight,
                    f"{p}hidden_layernorm.weight": mtp.hidden_layernorm.weight,
                    f"{p}input_proj.weight": mtp.input_proj.weight,
                    f"{p}final_layernorm.weight": mtp.final_layernorm.weight})
        out.update(_block_tensors(p, mtp.block, cfg))
    return out


def hf_config(cfg: ModelConfig, rope_base: float, dtype: str, eod_id: int | None) -> dict:
    return {
        "architectures": ["MiMoForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_heads,
        "num_key_value_heads": cfg.num_kv_heads,
        "head_dim": cfg.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": cfg.max_position_embeddings,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": rope_base,
        "rope_parameters": {"rope_type": "default", "rope_theta": rope_base},
        "tie_word_embeddings": False,
        "use_sliding_window": False,
        "attention_dropout": 0.0,
        "num_nextn_predict_layers": cfg.num_mtp,
        "bos_token_id": eod_id,
        "eos_token_id": eod_id,
        "torch_dtype": dtype,
        "dtype": dtype,
    }


def export_hf(model: Transformer, out_dir: str | Path, *, tokenizer: str | Path | None = None,
              eod_id: int | None = None, dtype: str = "float32") -> Path:
    """Write the checkpoint into out_dir (replaced atomically: built beside it, then renamed)."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype]
    tensors = {k: v.detach().to("cpu", torch_dtype).contiguous().clone() for k, v in hf_state_dict(model).items()}
    save_file(tensors, tmp / "model.safetensors", metadata={"format": "pt"})
    (tmp / "config.json").write_text(json.dumps(hf_config(model.cfg, model.rope_base, dtype, eod_id), indent=2) + "\n")
    (tmp / "generation_config.json").write_text(json.dumps(
        {"bos_token_id": eod_id, "eos_token_id": eod_id, "do_sample": False}, indent=2) + "\n")
    if tokenizer is not None:
        shutil.copyfile(tokenizer, tmp / "tokenizer.json")
        tok_cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model.cfg.max_position_embeddings}
        if eod_id is not None:
            from tokenizers import Tokenizer

            eos = Tokenizer.from_file(str(tokenizer)).id_to_token(eod_id)
            tok_cfg.update(eos_token=eos, pad_token=eos)
        (tmp / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.old")
        os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)
    return out_dir


def load_hf(path: str | Path, device: str | torch.device = "cpu") -> Transformer:
    """Read an export back into a trainer model (weights fused again)."""
    from safetensors.torch import load_file

    path = Path(path)
    hf = json.loads((path / "config.json").read_text())
    cfg = ModelConfig(vocab_size=hf["vocab_size"], hidden_size=hf["hidden_size"], num_layers=hf["num_hidden_layers"],
                      num_heads=hf["num_attention_heads"], num_kv_heads=hf["num_key_value_heads"],
                      intermediate_size=hf["intermediate_size"], rope_base=hf["rope_theta"],
                      rms_norm_eps=hf["rms_norm_eps"], tie_embeddings=False,
                      num_mtp=hf.get("num_nextn_predict_layers", 0),
                      max_position_embeddings=hf["max_position_embeddings"])
    model = Transformer(cfg)
    sd = load_file(path / "model.safetensors")
    ours = {}
    for name, module in [(f"model.layers.{i}.", layer) for i, layer in enumerate(model.layers)] + \
                        [(f"model.mtp_layers.{i}.", m.block) for i, m in enumerate(model.mtp_layers)]:
        own = "layers." + name.split(".")[2] + "." if "mtp" not in name else f"mtp_layers.{name.split('.')[2]}.block."
        a = name + "self_attn."
        ours[own + "self_attn.qkv_proj.weight"] = torch.cat([sd[a + f"{x}_proj.weight"] for x in "qkv"])
        ours[own + "self_attn.qkv_proj.bias"] = torch.cat([sd[a + f"{x}_proj.bias"] for x in "qkv"])
        ours[own + "self_attn.o_proj.weight"] = sd[a + "o_proj.weight"]
        ours[own + "mlp.gate_up_proj.weight"] = torch.cat([sd[name + "mlp.gate_proj.weight"], sd[name + "mlp.up_proj.weight"]])
        ours[own + "mlp.down_proj.weight"] = sd[name + "mlp.down_proj.weight"]
        for norm in ("input_layernorm", "post_attention_layernorm"):
            ours[own + f"{norm}.weight"] = sd[name + f"{norm}.weight"]
    for i in range(cfg.num_mtp):
        for part in ("token_layernorm", "hidden_layernorm", "input_proj", "final_layernorm"):
            ours[f"mtp_layers.{i}.{part}.weight"] = sd[f"model.mtp_layers.{i}.{part}.weight"]
    ours.update({"embed_tokens.weight": sd["model.embed_tokens.weight"], "norm.weight": sd["model.norm.weight"],
                 "lm_head.weight": sd["lm_head.weight"]})
    model.load_state_dict({k: v.float() for k, v in ours.items()}, strict=True)
    model.set_rope_base(hf["rope_theta"])
    return model.to(device).eval()
