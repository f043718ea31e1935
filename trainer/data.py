"""Training data: the mixture manifest, Megatron `.bin/.idx` files, blended sampling by stage.

* `load_manifest(path)` reads `<output_dir>/manifest.json` with the ground floor's typed schema
  (`core.records.manifest`, format `reasoning-curator/mixture-manifest/1`; the trainer never
  imports `mixtures`) and keeps what training needs: each stage's name, sequence length, RoPE
  base, sample budget and each source's blend weight; the token files are
  `<output_dir>/megatron/<stage>/<source>.bin/.idx` (docs/mixtures.md, Export).
* `IndexedTokens(prefix)` is the trainer's own reader of Megatron's MMIDIDX v1 index (the layout
  in docs/mixtures.md and research anchors §1.1), over a read-only memmap of the `.bin`.
* `BlendedStream` draws samples of `seq_len + 1` tokens the way Megatron's GPTDataset +
  BlendedDataset do: each source's documents are concatenated in a seeded, per-epoch shuffled
  order and cut into consecutive samples (they cross document boundaries), and sources are
  interleaved by "largest error first" (at each step the source furthest below weight × count),
  so the running ratio is exact. The stream's whole state is a few integers (`state()`), so
  resuming from a checkpoint continues with exactly the samples an uninterrupted run would see.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from core.records.manifest import MANIFEST_FORMAT, read_manifest

_MAGIC = b"MMIDIDX\x00\x00"
# Megatron's DType codes (megatron/core/datasets/indexed_dataset.py)
_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


class DataError(ValueError):
    """A manifest or token file the trainer cannot use; the message says which and why."""


# ---- the manifest ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    name: str
    weight: float          # blend weight (the target token share)
    tokens: int            # tokens in the source's pool (one pass, EOD included)
    prefix: Path           # <output_dir>/megatron/<stage>/<name>  (+ .bin / .idx)


@dataclass(frozen=True)
class Stage:
    name: str
    seq_length: int
    rope_base: float | None
    train_samples: int
    token_budget: int
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Manifest:
    path: Path
    root: Path             # the manifest's folder (= the mixture's output_dir)
    vocab_size: int
    eod_id: int | None
    tokenizer_path: str | None
    seed: int
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise DataError(f"{self.path}: no stage named {name!r} (stages: {[s.name for s in self.stages]})")


def load_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: cannot read the mixture manifest: {e}") from None
    if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
        raise DataError(f"{path}: not a mixture manifest (expected format {MANIFEST_FORMAT!r})")
    try:
        typed = read_manifest(path)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:5])
        raise DataError(f"{path}: malformed mixture manifest ({problems})") from None
    root = path.resolve().parent
    stages = []
    for st in typed.stages:
        if not st.sources:
            raise DataError(f"{path}: stage {st.name!r} has no sources")
        sources = tuple(Source(name=s.name, weight=s.weight, tokens=s.tokens, prefix=root / "megatron" / st.name / s.name)
                        for s in st.sources)
        stages.append(Stage(name=st.name, seq_length=st.seq_length,
                            rope_base=None if st.rope_base is None else float(st.rope_base),
                            train_samples=st.train_samples, token_budget=st.token_budget, sources=sources))
    tok = typed.tokenizer
    return Manifest(path=path, root=root, vocab_size=tok.vocab_size, eod_id=tok.eod_id, tokenizer_path=tok.path,
                    seed=typed.seed, stages=tuple(stages))


# ---- Megatron indexed datasets ----------------------------------------------------------------------
class IndexedTokens:
    """One `.bin/.idx` pair: `len()` documents (sequences), `doc(i)`, and the flat token array."""

    def __init__(self, prefix: str | Path):
        self.prefix = Path(prefix)
        idx_path, bin_path = Path(f"{prefix}.idx"), Path(f"{prefix}.bin")
        try:
            idx = idx_path.read_bytes()
        except OSError as e:
            raise DataError(f"{idx_path}: cannot read ({e}); export the mixture first") from None
        if len(idx) < 34 or idx[:9] != _MAGIC:
            raise DataError(f"{idx_path}: not a Megatron MMIDIDX index")
        version, code = struct.unpack_from("<QB", idx, 9)
        if version != 1:
            raise DataError(f"{idx_path}: index version {version}, only 1 is supported")
        if code not in _DTYPES:
            raise DataError(f"{idx_path}: unknown dtype code {code}")
        self.dtype = np.dtype(_DTYPES[code])
        count, doc_count = struct.unpack_from("<QQ", idx, 18)
        expected = 34 + 12 * count + 8 * doc_count
        if len(idx) < expected:
            raise DataError(f"{idx_path}: truncated ({len(idx)} bytes, the header promises {expected})")
        self.lengths = np.frombuffer(idx, "<i4", count, 34).astype(np.int64)
        self.pointers = np.frombuffer(idx, "<i8", count, 34 + 4 * count)
        self.document_indices = np.frombuffer(idx, "<i8", doc_count, 34 + 12 * count)
        size = os.path.getsize(bin_path) if bin_path.exists() else -1
        needed = int(self.lengths.sum()) * self.dtype.itemsize
        if size != needed:
            raise DataError(f"{bin_path}: {size} bytes, the index describes {needed}")
        self.tokens = np.memmap(bin_path, self.dtype, "r") if needed else np.zeros(0, self.dtype)
        self.starts = self.pointers // self.dtype.itemsize  # token offset of each document

    def __len__(self) -> int:
        return len(self.lengths)

    def doc(self, i: int) -> np.ndarray:
        return self.tokens[self.starts[i]: self.starts[i] + self.lengths[i]]


class SourceSamples:
    """A source as Megatron's GPTDataset sees it: documents shuffled per epoch (seeded), joined, cut
    into samples of seq_len + 1 tokens that overlap by one (the last input is the next's first)."""

    def __init__(self, data: IndexedTokens, seq_len: int, seed: int):
        self.data, self.seq_len, self.seed = data, seq_len, seed
        total = int(data.lengths.sum())
        self.per_epoch = (total - 1) // seq_len
        if self.per_epoch < 1:
            raise DataError(f"{data.prefix}: {total} tokens cannot fill one sample of {seq_len + 1}")
        self._epoch, self._order, self._ends = -1, None, None

    def _load_epoch(self, epoch: int) -> None:
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, epoch])
            self._order = rng.permutation(len(self.data))
            self._ends = np.cumsum(self.data.lengths[self._order])
            self._epoch = epoch

    def sample(self, j: int) -> np.ndarray:
        epoch, k = divmod(j, self.per_epoch)
        self._load_epoch(epoch)
        begin, end = k * self.seq_len, k * self.seq_len + self.seq_len + 1
        out = np.empty(self.seq_len + 1, dtype=np.int64)
        d = int(np.searchsorted(self._ends, begin, side="right"))
        pos, filled = begin, 0
        while filled < len(out):
            doc = self._order[d]
            doc_start = self._ends[d] - self.data.lengths[doc]
            piece = self.data.doc(doc)[pos - doc_start: end - doc_start]
            out[filled: filled + len(piece)] = piece
            filled += len(piece)
            pos += len(piece)
            d += 1
        return out


class BlendedStream:
    """Samples of one stage, blended by weight; deterministic given (seed, stage) and resumable."""

    def __init__(self, stage: Stage, seed: int, seq_len: int | None = None):
        self.stage = stage
        self.seq_len = seq_len or stage.seq_length
        weights = np.array([s.weight for s in stage.sources], dtype=np.float64)
        if (weights <= 0).any():
            raise DataError(f"stage {stage.name!r}: blend weights must be positive, got {weights.tolist()}")
        self.weights = weights / weights.sum()
        self.sources = [SourceSamples(IndexedTokens(s.prefix), self.seq_len, _seed(seed, stage.name, s.name))
                        for s in stage.sources]
        self.counts = np.zeros(len(self.sources), dtype=np.int64)  # samples drawn per source
        self.drawn = 0

    def state(self) -> dict:
        return {"stage": self.stage.name, "drawn": self.drawn, "counts": self.counts.tolist(), "seq_len": self.seq_len}

    def load_state(self, state: dict) -> None:
        if state["stage"] != self.stage.name or state["seq_len"] != self.seq_len:
            raise DataError(f"data state is for stage {state['stage']!r} (seq {state['seq_len']}), "
                            f"not {self.stage.name!r} (seq {self.seq_len})")
        self.drawn, self.counts = int(state["drawn"]), np.array(state["counts"], dtype=np.int64)

    def plan(self, n: int) -> list[tuple[int, int]]:
        """The next n draws as (source index, sample index within the source); advances the state."""
        out = []
        for _ in range(n):
            t = max(self.drawn, 1)
            i = int(np.argmax(self.weights * t - self.counts))  # largest error first (Megatron's helper)
            out.append((i, int(self.counts[i])))
            self.counts[i] += 1
            self.drawn += 1
        return out

    def read(self, draws: list[tuple[int, int]]) -> np.ndarray:
        return np.stack([self.sources[i].sample(j) for i, j in draws])


def response_labels(tokens, start_id: int, end_id: int):
    """Labels for samples `tokens` (B, T+1) with the loss only on responses: target i is kept when
    the last of start_id / end_id among inputs[0..i] is start_id; -100 elsewhere (torch tensors)."""
    import torch

    inputs, labels = tokens[:, :-1], tokens[:, 1:]
    pos = torch.arange(inputs.shape[1], device=tokens.device).expand_as(inputs)
    last_start = torch.where(inputs == start_id, pos, -1).cummax(1).values
    last_end = torch.where(inputs == end_id, pos, -1).cummax(1).values
    return torch.where(last_start > last_end, labels, torch.full_like(labels, -100))


def token_id(manifest: Manifest, token: str) -> int:
    """The id of `token` in the manifest's tokenizer (DataError if it has none)."""
    from tokenizers import Tokenizer

    path = Path(manifest.tokenizer_path or "")
    path = path if path.is_file() else manifest.root / path
    if not path.is_file():
        raise DataError(f"{manifest.path}: tokenizer {manifest.tokenizer_path} not found (needed for {token!r})")
    tid = Tokenizer.from_file(str(path)).token_to_id(token)
    if tid is None:
        raise DataError(f"token {token!r} is not in the tokenizer {path}")
    return tid


def _seed(seed: int, stage: str, source: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}/{stage}/{source}".encode(), digest_size=8).digest(), "little")
