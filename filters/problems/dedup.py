"""Near-duplicate removal inside the problem set: datasketch MinHash + LSH on word n-grams.

Signatures are computed where the rows are (dask workers) and shipped back as uint32 arrays; the LSH
pass is one sequential sweep in the driver (a hash-table insert/query per row, ~30K rows/s), which is
what makes "first one wins" well defined: a row is a duplicate of the earliest kept row whose estimated
Jaccard similarity is at least the threshold. Input order therefore sets priority (earlier inputs win).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

from filters.ngrams import ngrams, words

# datasketch >= 2 needs the hashing scheme named when a MinHash is rebuilt from shipped hash values;
# 32-bit affine hashing is its default and lets the signatures travel as uint32.
SCHEME = "affine32"
# xxh32 instead of datasketch's default sha1: the same 32-bit hash job at ~3x the speed (the shingle
# hashing is most of the signature cost on long code statements).
HASHFUNC = xxhash.xxh32_intdigest


def signatures(texts: Sequence[str], n: int = 3, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash signatures of word n-gram shingles."""
    if not texts:
        return np.zeros((0, num_perm), dtype=np.uint32)
    shingles = [[g.encode("utf-8") for g in ngrams(words(t), n)] or [b""] for t in texts]
    hashes = MinHash.bulk(shingles, num_perm=num_perm, seed=seed, scheme=SCHEME, hashfunc=HASHFUNC)
    return np.stack([m.hashvalues for m in hashes]).astype(np.uint32)


def near_duplicates(
    keys: Sequence[str], sigs: np.ndarray, groups: Sequence[str], threshold: float = 0.5, seed: int = 1
) -> dict[int, tuple[int, float]]:
    """{row index: (index of the kept row it duplicates, estimated Jaccard)} for rows to drop.

    Rows are only compared within their group (math with math, code with code).
    """
    num_perm = sigs.shape[1] if len(sigs) else 128
    lsh_by_group: dict[str, MinHashLSH] = {}
    minhashes: dict[int, LeanMinHash] = {}
    index_of = {k: i for i, k in enumerate(keys)}
    dups: dict[int, tuple[int, float]] = {}
    for i, key in enumerate(keys):
        lsh = lsh_by_group.get(groups[i])
        if lsh is None:
            lsh = lsh_by_group[groups[i]] = MinHashLSH(threshold=threshold, num_perm=num_perm)
        m = LeanMinHash(seed=seed, hashvalues=sigs[i], scheme=SCHEME)
        best: tuple[int, float] | None = None
        # LSH candidates are only likely matches; confirm with the signature estimate.
        for cand in lsh.query(m):
            j = index_of[cand]
            sim = m.jaccard(minhashes[j])
            if sim >= threshold and (best is None or j < best[0]):
                best = (j, sim)
        if best is not None:
            dups[i] = best
        else:
            lsh.insert(key, m)
            minhashes[i] = m
    return dups
