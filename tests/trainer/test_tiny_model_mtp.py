"""The tiny model's training step through this trainer (tools/tiny_model_mtp.py) is the default of
`python -m tools.tiny_model build`: it writes a MiMo-layout folder their evaluation loads with
transformers, and the manifest records the trainer, its config and the loss curve."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")


def test_build_with_the_trainer_writes_a_mimo_layout_model(tmp_path):
    from tools.tiny_model.build import build
    from tools.tiny_model.train import TrainSettings

    out = build(tmp_path / "tiny", TrainSettings(steps=3, batch_size=8, warmup=1, threads=1))
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"] == ["MiMoForCausalLM"] and cfg["num_nextn_predict_layers"] == 1
    assert cfg["hidden_size"] == 128 and cfg["num_hidden_layers"] == 4 and cfg["head_dim"] == 32
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["trainer"] == "tools.tiny_model_mtp.train_model" and manifest["device"] == "cpu"
    assert set(manifest["held_out_greedy_accuracy"]) == {"t1+", "t1*", "t2+", "t2*", "t3+", "t3*"}
    training = manifest["training"]
    assert training["config"]["data"]["reset_at_eod"] and training["config"]["model"]["num_mtp"] == 1
    assert [r["step"] for r in training["loss_curve"]] == [3]
    assert (out / "chat_template.jinja").is_file() and (out / "tokenizer.json").is_file()
    assert not (out / "training.json").exists() and set(manifest["files"]) == {
        p.name for p in out.iterdir() if p.name != "manifest.json"}
