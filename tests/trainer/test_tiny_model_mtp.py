"""The tiny model's training step through this trainer (tools/tiny_model_mtp.py) plugs into the
backends' build (`tools.tiny_model.build(..., train=train_model)`) and writes a folder their
evaluation loads with transformers. Skips until `tools.tiny_model` (issue #13) is in the tree."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("tools.tiny_model.build", reason="tools.tiny_model (issue #13) is not in this tree yet")


def test_build_with_the_trainer_writes_a_mimo_layout_model(tmp_path):
    from tools.tiny_model.build import build
    from tools.tiny_model.train import TrainSettings
    from tools.tiny_model_mtp import train_model

    out = build(tmp_path / "tiny", TrainSettings(steps=3, batch_size=8, warmup=1, threads=1), train=train_model)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"] == ["MiMoForCausalLM"] and cfg["num_nextn_predict_layers"] == 1
    assert cfg["hidden_size"] == 128 and cfg["num_hidden_layers"] == 4 and cfg["head_dim"] == 32
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["trainer"] == "tools.tiny_model_mtp.train_model"
    assert set(manifest["held_out_greedy_accuracy"]) == {"t1+", "t1*", "t2+", "t2*", "t3+", "t3*"}
    assert (out / "chat_template.jinja").is_file() and (out / "tokenizer.json").is_file()
