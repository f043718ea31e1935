"""The trainer's data path: manifest loader, .bin/.idx reader, blended samples, resumption, bad input."""
from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from tests.conftest import require_or_skip
from trainer.data import BlendedStream, DataError, IndexedTokens, load_manifest


def test_manifest_is_read_into_typed_stages(mixture):
    m = load_manifest(mixture)
    raw = json.loads(mixture.read_text())
    assert [s.name for s in m.stages] == ["s1"]
    st = m.stages[0]
    assert st.seq_length == 64 and st.rope_base == 10000 and st.train_samples == raw["stages"][0]["train_samples"]
    assert [(s.name, s.weight) for s in st.sources] == [("easy", 0.3), ("medium", 0.7)]
    assert st.sources[0].prefix == mixture.parent / "megatron" / "s1" / "easy"
    assert m.vocab_size == raw["tokenizer"]["vocab_size"] and m.eod_id == raw["tokenizer"]["eod_id"]


def megatron_datasets(module: str):
    """megatron.core.datasets.<module> (megatron-core 0.16.1 on CPU), or a skip (a failure in CI)."""
    import importlib

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(f"megatron.core.datasets.{module}")
    except ImportError as e:
        require_or_skip(False, f"megatron-core is not importable ({e})")


def test_reader_matches_megatron_core(mixture):
    IndexedDataset = megatron_datasets("indexed_dataset").IndexedDataset
    for source in load_manifest(mixture).stages[0].sources:
        ours, theirs = IndexedTokens(source.prefix), IndexedDataset(str(source.prefix))
        assert len(ours) == len(theirs) > 0
        assert np.array_equal(ours.document_indices, theirs.document_indices)
        for i in range(len(ours)):
            assert np.array_equal(ours.doc(i), theirs[i])
        assert ours.doc(0)[-1] == load_manifest(mixture).eod_id  # EOD appended by the export


def test_blend_order_is_megatrons(mixture):
    helpers = megatron_datasets("helpers")
    stream = BlendedStream(load_manifest(mixture).stages[0], seed=0)
    draws = stream.plan(1000)
    idx, sample_idx = np.zeros(1000, np.int16), np.zeros(1000, np.int64)
    helpers.build_blending_indices(idx, sample_idx, stream.weights, len(stream.weights), 1000, False)
    assert [d[0] for d in draws] == idx.tolist() and [d[1] for d in draws] == sample_idx.tolist()
    assert stream.counts.tolist() == [300, 700]


def test_samples_cut_the_shuffled_concatenation(mixture):
    stream = BlendedStream(load_manifest(mixture).stages[0], seed=0, seq_len=16)
    src = stream.sources[0]
    samples = [src.sample(j) for j in range(src.per_epoch)]
    assert all(len(s) == 17 for s in samples)
    assert all(a[-1] == b[0] for a, b in zip(samples, samples[1:]))  # consecutive, overlapping by one token
    joined = np.concatenate([samples[0]] + [s[1:] for s in samples[1:]])
    order = src._order  # epoch 0's permutation
    docs = np.concatenate([src.data.doc(i) for i in order])
    assert np.array_equal(joined, docs[: len(joined)])
    assert sorted(order.tolist()) == list(range(len(src.data)))
    epoch1 = src.sample(src.per_epoch)  # the next epoch reshuffles
    assert not np.array_equal(src._order, order) and len(epoch1) == 17


def test_resuming_the_stream_continues_exactly(mixture):
    stage = load_manifest(mixture).stages[0]
    a = BlendedStream(stage, seed=3, seq_len=32)
    first = a.read(a.plan(25))
    state = json.loads(json.dumps(a.state()))
    rest = a.read(a.plan(40))
    b = BlendedStream(stage, seed=3, seq_len=32)
    b.load_state(state)
    assert np.array_equal(b.read(b.plan(40)), rest)
    c = BlendedStream(stage, seed=4, seq_len=32)
    assert not np.array_equal(c.read(c.plan(25)), first)  # the seed matters


def test_bad_inputs_are_named(mixture, tmp_path):
    prefix = load_manifest(mixture).stages[0].sources[0].prefix
    bad = tmp_path / "bad"
    shutil.copy(f"{prefix}.idx", f"{bad}.idx")
    shutil.copy(f"{prefix}.bin", f"{bad}.bin")
    with open(f"{bad}.bin", "r+b") as f:
        f.truncate(10)
    with pytest.raises(DataError, match="bad.bin: 10 bytes"):
        IndexedTokens(bad)
    (tmp_path / "x.idx").write_bytes(b"NOTANIDX" + bytes(40))
    with pytest.raises(DataError, match="not a Megatron MMIDIDX"):
        IndexedTokens(tmp_path / "x")
    with pytest.raises(DataError, match="export the mixture first"):
        IndexedTokens(tmp_path / "missing")
    (tmp_path / "m.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(DataError, match="not a mixture manifest"):
        load_manifest(tmp_path / "m.json")
    raw = json.loads(mixture.read_text())
    del raw["stages"][0]["seq_length"]
    (tmp_path / "m2.json").write_text(json.dumps(raw))
    with pytest.raises(DataError, match="malformed mixture manifest.*seq_length"):
        load_manifest(tmp_path / "m2.json")


def test_response_labels_keep_only_responses():
    import torch

    from trainer.data import response_labels

    S, E = 90, 91  # start / end markers
    seq = torch.tensor([[5, 6, S, 7, 8, E, 9, S, 10, E, 11]])
    labels = response_labels(seq, S, E)
    # targets: 6 S 7 8 E 9 S 10 E 11 → kept: after S up to and including E
    assert labels.tolist() == [[-100, -100, 7, 8, E, -100, -100, 10, E, -100]]
