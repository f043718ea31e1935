"""The tiny test model: its files regenerate exactly, training is deterministic, and it is not a toy."""
from __future__ import annotations

import pytest

from synth.backends import Message, Request, SamplingParams
from tools.tiny_model.build import check
from tools.tiny_model.curriculum import OPS, TIERS, held_out, is_held_out, sample_train
from tools.tiny_model.tokenizer import build_tokenizer
from tools.tiny_model.train import TrainSettings
from tools.tiny_model_mtp import train_model


def test_committed_copy_matches_a_rebuild(tiny_model):
    assert check(tiny_model) == []


def test_curriculum_split_and_tiers():
    train = sample_train(2000, seed=0)
    assert not any(is_held_out(it.question) for it in train)
    assert {it.tier for it in train} == set(TIERS) and {it.op for it in train} == set(OPS)
    for it in held_out(3, "*", 20):
        a, b = map(int, it.question.split("*"))
        assert 100 <= a <= 999 and 100 <= b <= 999 and int(it.answer) == a * b
    assert held_out(2, "+", 10) == held_out(2, "+", 10)


def test_training_is_deterministic(tmp_path):
    import torch
    from safetensors.torch import load_file

    items = sample_train(16, seed=1)
    settings = TrainSettings(steps=2, batch_size=8, warmup=1, threads=1)  # the project's trainer (the default)
    dirs = [train_model(items, build_tokenizer(), tmp_path / name, settings, log=lambda *_: None) for name in "ab"]
    a, b = (load_file(str(d / "model.safetensors")) for d in dirs)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.xdist_group("llm")
def test_greedy_accuracy_is_graded_by_difficulty(transformers_backend):
    from verifiers.math import grade

    cells = [(1, "+"), (2, "+"), (3, "*")]  # easy, easy, hardest
    items = {cell: held_out(*cell, 40, seed=7) for cell in cells}
    accuracy = {}
    for key, its in items.items():
        reqs = [Request(messages=[Message(role="user", content=it.question)],
                        sampling=SamplingParams(temperature=0, max_tokens=24)) for it in its]
        done = transformers_backend.generate_batch(reqs)
        accuracy[key] = sum(grade(it.answer, c.samples[0].text).correct for it, c in zip(its, done)) / len(its)
    assert accuracy[(1, "+")] >= 0.9, accuracy
    assert accuracy[(2, "+")] >= 0.9, accuracy
    assert accuracy[(3, "*")] <= 0.05, accuracy
