"""Tokenisation with Hugging Face `tokenizers`, cached per (shard content, tokenizer).

Each input shard is tokenised once into `<cache_dir>/<key>.tokens` (raw token ids, the export
dtype) and `<key>.offsets.npy` (int64, rows + 1 boundaries); every stage and source that reads the
shard reuses it, and build (which needs exact token counts) and export share it. The key holds
the shard's sha256 and the tokenizer's, so a changed shard or tokenizer is never served stale.

Parallelism over documents comes from `Tokenizer.encode_batch_fast`, which encodes a batch on all
cores in Rust threads (RAYON_NUM_THREADS bounds them) without pickling text to worker processes.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from core.io import atomic_open, atomic_path
from core.progress import bar
from mixtures.megatron import optimal_dtype
from mixtures.shards import ShardInfo, iter_column_batches
from mixtures.spec import MixtureError, TokenizerSpec


@dataclass(frozen=True)
class LoadedTokenizer:
    tokenizer: Tokenizer
    name_or_path: str
    sha256: str
    vocab_size: int
    dtype: np.dtype
    eod_id: int | None
    add_special_tokens: bool

    def describe(self) -> dict:
        return {
            "path": self.name_or_path,
            "sha256": self.sha256,
            "vocab_size": self.vocab_size,
            "dtype": self.dtype.name,
            "eod_id": self.eod_id,
            "add_special_tokens": self.add_special_tokens,
        }


def train_tokenizer(texts, vocab_size: int, out_path: str | Path, special_tokens: list[str]) -> Tokenizer:
    """Train a byte-level BPE on an iterable of texts and save it (atomically) as tokenizer.json."""
    from tokenizers import decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    with atomic_path(out_path) as tmp:
        tok.save(str(tmp))
    return tok


def load_tokenizer(spec: TokenizerSpec) -> LoadedTokenizer:
    path = spec.path
    if os.path.isfile(path):
        try:
            tok = Tokenizer.from_file(path)
        except Exception as e:
            raise MixtureError(f"tokenizer {path}: not a valid tokenizer.json: {e}") from None
    elif path.endswith(".json") or path.startswith(("/", ".")) or not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", path):
        # A path, not a hub name (`org/name`): say so instead of asking the hub.
        raise MixtureError(f"tokenizer {path}: file not found (set tokenizer.train to train one there)")
    else:
        try:
            tok = Tokenizer.from_pretrained(path)
        except Exception as e:
            raise MixtureError(f"tokenizer {path!r}: not a local file and not loadable from the hub: {e}") from None
    vocab = tok.get_vocab_size(with_added_tokens=True)
    eod_id = None
    if spec.eod_token is not None:
        eod_id = tok.token_to_id(spec.eod_token)
        if eod_id is None:
            raise MixtureError(f"tokenizer {path}: eod_token {spec.eod_token!r} is not in its vocabulary")
    return LoadedTokenizer(
        tokenizer=tok,
        name_or_path=path,
        sha256=hashlib.sha256(tok.to_str().encode()).hexdigest(),
        vocab_size=vocab,
        dtype=optimal_dtype(vocab),
        eod_id=eod_id,
        add_special_tokens=spec.add_special_tokens,
    )


def encode_texts(tok: LoadedTokenizer, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Encode texts → (concatenated token ids, per-text lengths). None or "" gives length 0."""
    present = [i for i, t in enumerate(texts) if t]
    encodings = tok.tokenizer.encode_batch_fast([texts[i] for i in present], add_special_tokens=tok.add_special_tokens)
    lengths = np.zeros(len(texts), dtype=np.int64)
    if present:
        lengths[present] = [len(e.ids) for e in encodings]
    total = int(lengths.sum())
    ids = np.fromiter(itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int64, count=total)
    if total and (ids.max() > np.iinfo(tok.dtype).max or ids.min() < 0):
        raise MixtureError(f"tokenizer {tok.name_or_path}: token id {ids.max()} does not fit {tok.dtype.name}")
    return ids.astype(tok.dtype, copy=False), lengths


@dataclass(frozen=True)
class TokenizedShard:
    """Token ids of every row of a shard: row r is tokens[offsets[r]:offsets[r+1]]."""

    tokens: np.ndarray  # memory-mapped
    offsets: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def _cache_key(shard: ShardInfo, tok: LoadedTokenizer, text_column: str) -> str:
    col = re.sub(r"[^A-Za-z0-9_.-]", "_", text_column)
    special = "s" if tok.add_special_tokens else "n"
    return f"{shard.sha256[:24]}-{tok.sha256[:16]}{special}-{col}"


def _open_cached(tokens_path: Path, offsets_path: Path, dtype: np.dtype) -> TokenizedShard:
    offsets = np.load(offsets_path)
    if offsets[-1] == 0:
        tokens = np.zeros(0, dtype=dtype)
    else:
        tokens = np.memmap(tokens_path, dtype=dtype, mode="r", shape=(int(offsets[-1]),))
    return TokenizedShard(tokens=tokens, offsets=offsets)


def tokenize_shard(
    shard: ShardInfo, text_column: str, tok: LoadedTokenizer, cache_dir: str | Path, batch_size: int = 1000
) -> TokenizedShard:
    """Tokenise every row's `text_column` (or reuse the cache). Writes are atomic: tokens first,
    then the offsets file, whose presence marks a complete entry."""
    if text_column not in shard.columns:
        raise MixtureError(f"shard {shard.url}: text column {text_column!r} is missing (columns: {shard.columns})")
    cache_dir = Path(cache_dir)
    key = _cache_key(shard, tok, text_column)
    tokens_path, offsets_path = cache_dir / f"{key}.tokens", cache_dir / f"{key}.offsets.npy"
    if offsets_path.is_file() and tokens_path.is_file():
        cached = _open_cached(tokens_path, offsets_path, tok.dtype)
        if len(cached.offsets) == shard.rows + 1 and tokens_path.stat().st_size == cached.offsets[-1] * tok.dtype.itemsize:
            return cached
    all_lengths = []
    with atomic_open(tokens_path, "wb") as out, bar(shard.rows, f"tokenise {Path(shard.url).name}", "doc") as shown:  # tokens first, then the offsets that validate them
        for texts in iter_column_batches(shard.url, text_column, batch_size):
            ids, lengths = encode_texts(tok, texts)
            out.write(ids.tobytes())
            all_lengths.append(lengths)
            shown.update(len(texts))
        lengths = np.concatenate(all_lengths) if all_lengths else np.zeros(0, dtype=np.int64)
        if len(lengths) != shard.rows:
            raise MixtureError(f"shard {shard.url}: read {len(lengths)} rows, its metadata says {shard.rows}")
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    with atomic_open(offsets_path, "wb") as out:
        np.save(out, offsets)
    return _open_cached(tokens_path, offsets_path, tok.dtype)
