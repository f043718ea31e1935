"""Megatron indexed datasets (`.bin` + `.idx`, MMIDIDX version 1) and blend arguments.

Layout (docs/mixtures.md, research anchors §1.1; all little-endian):
  .idx  magic b"MMIDIDX\\x00\\x00" | u64 version=1 | u8 dtype code | u64 sequence count S |
        u64 document count D+1 | int32[S] sequence lengths | int64[S] byte pointers into .bin |
        int64[D+1] document indices (0 … S)
  .bin  the tokens of every sequence, concatenated, in the dtype, no header.
We write one sequence per document (document-level, as `preprocess_data.py` without
--split-sentences). Hand-written because megatron-core's own builder needs torch, which is an
optional extra here; the format is small and a test reads our files with megatron-core itself.
"""
from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.io import atomic_write_text

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES: dict[np.dtype, int] = {
    np.dtype(np.uint8): 1,
    np.dtype(np.int8): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int64): 5,
    np.dtype(np.float64): 6,
    np.dtype(np.float32): 7,
    np.dtype(np.uint16): 8,
}
CODE_DTYPES = {code: dtype for dtype, code in DTYPE_CODES.items()}
# Megatron's DType.optimal_dtype: uint16 below this vocabulary size, else (signed) int32.
UINT16_VOCAB_LIMIT = 65500


def optimal_dtype(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size < UINT16_VOCAB_LIMIT else np.dtype(np.int32)


class IndexedDatasetWriter:
    """Append documents (1-D token arrays), then `close()`; files appear only when complete.

    `.bin` and `.idx` are written under temporary names and renamed (`.bin` first, `.idx` last), so a
    reader never sees a half-written dataset and an interrupted export leaves no valid-looking one.
    """

    def __init__(self, prefix: str | Path, dtype: np.dtype):
        self.prefix = Path(prefix)
        self.dtype = np.dtype(dtype)
        if self.dtype not in DTYPE_CODES:
            raise ValueError(f"dtype {self.dtype} has no Megatron code")
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        self._tmp_bin = self.prefix.with_name(self.prefix.name + f".bin.{os.getpid()}.tmp")
        self._bin = open(self._tmp_bin, "wb")
        self._lengths: list[np.ndarray] = []

    def add_documents(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        """Append several documents at once: `tokens` concatenated, `lengths` per document."""
        tokens = np.ascontiguousarray(tokens, dtype=self.dtype)
        lengths = np.asarray(lengths, dtype=np.int64)
        if int(lengths.sum()) != len(tokens):
            raise ValueError(f"lengths sum to {int(lengths.sum())} but {len(tokens)} tokens were given")
        if len(lengths) and lengths.max() > np.iinfo(np.int32).max:
            raise ValueError("a document longer than 2**31-1 tokens does not fit the int32 length field")
        self._bin.write(tokens.tobytes())
        self._lengths.append(lengths)

    def add_document(self, tokens) -> None:
        tokens = np.asarray(tokens)
        self.add_documents(tokens, np.array([len(tokens)]))

    def close(self) -> dict:
        self._bin.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, dtype=np.int64)
        count = len(lengths)
        pointers = np.zeros(count, dtype=np.int64)
        if count:
            np.cumsum(lengths[:-1] * self.dtype.itemsize, out=pointers[1:])
        header = MAGIC + struct.pack("<Q", VERSION) + struct.pack("<B", DTYPE_CODES[self.dtype])
        header += struct.pack("<Q", count) + struct.pack("<Q", count + 1)
        tmp_idx = self.prefix.with_name(self.prefix.name + f".idx.{os.getpid()}.tmp")
        with open(tmp_idx, "wb") as f:
            f.write(header)
            f.write(lengths.astype("<i4").tobytes())
            f.write(pointers.astype("<i8").tobytes())
            f.write(np.arange(count + 1, dtype="<i8").tobytes())
        os.replace(self._tmp_bin, Path(f"{self.prefix}.bin"))
        os.replace(tmp_idx, Path(f"{self.prefix}.idx"))
        return {"documents": count, "tokens": int(lengths.sum())}

    def abort(self) -> None:
        self._bin.close()
        self._tmp_bin.unlink(missing_ok=True)

    def __enter__(self) -> IndexedDatasetWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@dataclass
class IndexedDataset:
    """Our own reader (used to verify exports without torch)."""

    dtype: np.dtype
    sequence_lengths: np.ndarray
    sequence_pointers: np.ndarray
    document_indices: np.ndarray
    tokens: np.ndarray

    def __len__(self) -> int:
        return len(self.sequence_lengths)

    def __getitem__(self, i: int) -> np.ndarray:
        start = self.sequence_pointers[i] // self.dtype.itemsize
        return self.tokens[start : start + self.sequence_lengths[i]]


def read_indexed_dataset(prefix: str | Path) -> IndexedDataset:
    idx = Path(f"{prefix}.idx").read_bytes()
    if idx[:9] != MAGIC:
        raise ValueError(f"{prefix}.idx: not an MMIDIDX index")
    (version,) = struct.unpack_from("<Q", idx, 9)
    if version != VERSION:
        raise ValueError(f"{prefix}.idx: version {version}, expected {VERSION}")
    code = idx[17]
    if code not in CODE_DTYPES:
        raise ValueError(f"{prefix}.idx: unknown dtype code {code}")
    dtype = CODE_DTYPES[code]
    count, doc_count = struct.unpack_from("<QQ", idx, 18)
    pos = 34
    lengths = np.frombuffer(idx, dtype="<i4", count=count, offset=pos)
    pos += 4 * count
    pointers = np.frombuffer(idx, dtype="<i8", count=count, offset=pos)
    pos += 8 * count
    doc_indices = np.frombuffer(idx, dtype="<i8", count=doc_count, offset=pos)
    size = os.path.getsize(f"{prefix}.bin")
    tokens = np.memmap(f"{prefix}.bin", dtype=dtype, mode="r") if size else np.zeros(0, dtype=dtype)
    return IndexedDataset(dtype, lengths, pointers, doc_indices, tokens)


def blend_list(weighted_prefixes: list[tuple[float, str]]) -> list[str]:
    """[(w1, p1), (w2, p2)] → ["w1", "p1", "w2", "p2"]: Megatron's `--data-path` grammar."""
    out: list[str] = []
    for weight, prefix in weighted_prefixes:
        out += [repr(float(weight)), str(prefix)]
    return out


def write_blend_files(stage_dir: str | Path, weighted_prefixes: list[tuple[float, str]]) -> dict[str, str]:
    """Write `data_args.txt` (for --data-args-path) and `per_split_data_args.json` (for
    --per-split-data-args-path; all of it is train, valid/test null) atomically; return their paths."""
    stage_dir = Path(stage_dir)
    stage_dir.mkdir(parents=True, exist_ok=True)
    blend = blend_list(weighted_prefixes)
    files = {
        "data_args": (stage_dir / "data_args.txt", " ".join(blend) + "\n"),
        "per_split_data_args": (
            stage_dir / "per_split_data_args.json",
            json.dumps({"train": blend, "valid": None, "test": None}, indent=2) + "\n",
        ),
    }
    for path, text in files.values():
        atomic_write_text(path, text)
    return {key: str(path) for key, (path, _) in files.items()}


