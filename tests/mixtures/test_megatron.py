"""The .bin/.idx writer: byte layout, dtype choice, and reading back with megatron-core itself."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from mixtures.megatron import (
    IndexedDatasetWriter,
    blend_list,
    optimal_dtype,
    read_indexed_dataset,
    write_blend_files,
)
from tests.conftest import require_or_skip


def megatron_core():
    """Import megatron-core's dataset modules (CPU; 0.16.1 is the newest for Python 3.11)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from megatron.core.datasets import indexed_dataset  # noqa: F401
    except ImportError as e:
        require_or_skip(False, f"megatron-core is not importable ({e}); pip install torch==2.13.0 megatron-core==0.16.1")
    import megatron.core.datasets as mcd

    return mcd


def test_idx_bytes_match_the_documented_layout(tmp_path):
    with IndexedDatasetWriter(tmp_path / "d", np.uint16) as w:
        w.add_document([1, 2, 3, 4])
        w.add_document([5, 6])
    idx = (tmp_path / "d.idx").read_bytes()
    # magic | version 1 | dtype 8 (uint16) | 2 sequences | 3 document indices | lengths | pointers | doc idx
    expected = (b"MMIDIDX\x00\x00" + (1).to_bytes(8, "little") + bytes([8]) + (2).to_bytes(8, "little")
                + (3).to_bytes(8, "little") + np.array([4, 2], "<i4").tobytes() + np.array([0, 8], "<i8").tobytes()
                + np.array([0, 1, 2], "<i8").tobytes())
    assert idx == expected and len(idx) == 82
    assert (tmp_path / "d.bin").read_bytes() == np.array([1, 2, 3, 4, 5, 6], "<u2").tobytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.bin", "d.idx"]  # no temporary files left


def test_dtype_follows_vocabulary_size():
    assert optimal_dtype(400) == np.uint16
    assert optimal_dtype(65_499) == np.uint16
    assert optimal_dtype(65_500) == np.int32
    assert optimal_dtype(151_680) == np.int32


def test_failed_write_leaves_no_dataset(tmp_path):
    with pytest.raises(RuntimeError):
        with IndexedDatasetWriter(tmp_path / "d", np.uint16) as w:
            w.add_document([1, 2])
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_lengths_must_match_tokens(tmp_path):
    with IndexedDatasetWriter(tmp_path / "d", np.int32) as w:
        with pytest.raises(ValueError, match="lengths sum to 3 but 2 tokens"):
            w.add_documents(np.array([1, 2]), np.array([1, 2]))


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
def test_megatron_core_reads_our_files(tmp_path, dtype):
    mcd = megatron_core()
    rng = np.random.default_rng(0)
    high = 65_000 if dtype == np.uint16 else 150_000
    docs = [rng.integers(0, high, size=rng.integers(1, 50)) for _ in range(200)]
    with IndexedDatasetWriter(tmp_path / "d", dtype) as w:
        w.add_documents(np.concatenate(docs[:100]), [len(d) for d in docs[:100]])
        for d in docs[100:]:
            w.add_document(d)
    theirs = mcd.indexed_dataset.IndexedDataset(str(tmp_path / "d"))
    ours = read_indexed_dataset(tmp_path / "d")
    assert len(theirs) == len(ours) == 200
    assert list(theirs.document_indices) == list(range(201))
    for i in (0, 57, 100, 199):
        assert theirs[i].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(theirs[i], docs[i])
        np.testing.assert_array_equal(ours[i], docs[i])
    i = next(i for i, d in enumerate(docs) if len(d) >= 3)
    np.testing.assert_array_equal(theirs.get(i, offset=1, length=2), docs[i][1:3])


def test_blend_files_parse_with_megatrons_own_parser(tmp_path):
    mcd = megatron_core()
    from megatron.core.datasets.utils import get_blend_from_list

    paths = write_blend_files(tmp_path, [(0.7, "/data/a"), (0.3, "/data/b")])
    assert blend_list([(0.7, "/data/a"), (0.3, "/data/b")]) == ["0.7", "/data/a", "0.3", "/data/b"]
    text = (tmp_path / "data_args.txt").read_text()
    assert get_blend_from_list(text.split()) == (["/data/a", "/data/b"], [0.7, 0.3])
    import json

    per_split = json.loads((tmp_path / "per_split_data_args.json").read_text())
    assert [get_blend_from_list(per_split[k]) for k in ("train", "valid", "test")] == [
        (["/data/a", "/data/b"], [0.7, 0.3]), None, None]
    assert set(paths) == {"data_args", "per_split_data_args"}
    assert mcd is not None
