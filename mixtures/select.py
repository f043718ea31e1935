"""Which rows of which shards a source takes, and how many copies of each.

A pure function of (shard contents, the source's spec, the seed): build and export both call it,
and the manifest pins the shard hashes, so export writes exactly the documents build counted.

Resampling: a row takes the first `resample` rule it matches (like a CASE WHEN chain). A rule with
`keep = k` gives each of its n rows floor(k) copies, plus one more copy to exactly round(frac(k)·n)
of them: those with the smallest keyed hash of their id (blake2b, keyed by the source's seed, so the
choice is stable across runs, machines and shard order, and independent between sources/stages).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from mixtures.shards import ShardInfo, read_columns
from mixtures.spec import MixtureError, Source, parse_expression
from mixtures.tokens import TokenizedShard

SKIP_EMPTY = "empty_or_null_text"
SKIP_NULL_ID = "null_id"


def source_seed(seed: int, stage: str, source: str) -> int:
    digest = hashlib.blake2b(f"{seed}/{stage}/{source}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # keep it a non-negative int64


def _id_hashes(ids: list[str], seed: int) -> np.ndarray:
    key = seed.to_bytes(8, "little")
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(i).encode(), key=key, digest_size=8).digest(), "little") for i in ids),
        dtype=np.uint64,
        count=len(ids),
    )


@dataclass
class ShardSelection:
    shard: ShardInfo
    rows: np.ndarray  # row indices into the shard, ascending
    copies: np.ndarray  # copies of each selected row (>= 1)
    lengths: np.ndarray  # raw tokens per selected row (no EOD)


@dataclass
class SourceSelection:
    shards: list[ShardSelection]
    matched: int  # rows the `where` selected
    skipped: dict[str, int] = field(default_factory=dict)  # reason → rows
    rules: list[dict] = field(default_factory=list)  # per resample rule: matched rows, copies written

    @property
    def documents(self) -> int:
        return int(sum(s.copies.sum() for s in self.shards))

    @property
    def unique_documents(self) -> int:
        return int(sum(len(s.rows) for s in self.shards))

    def tokens(self, eod: bool) -> int:
        """Tokens of the resampled pool (one pass), counting one EOD per document copy if `eod`."""
        return int(sum(((s.lengths + int(eod)) * s.copies).sum() for s in self.shards))


def _boolean(df: pl.DataFrame, expr: pl.Expr, what: str) -> np.ndarray:
    try:
        # with_columns broadcasts a literal (no `where`) to every row; select would not
        result = df.with_columns(expr.alias("_m"))["_m"]
    except pl.exceptions.PolarsError as e:
        raise MixtureError(f"{what}: cannot evaluate: {e}") from None
    if result.dtype != pl.Boolean:
        raise MixtureError(f"{what}: must be a true/false condition, it gives {result.dtype}")
    return result.fill_null(False).to_numpy()


def select_source(
    source: Source,
    label: str,
    seed: int,
    shards: list[ShardInfo],
    tokenized: dict[str, TokenizedShard],
    id_column: str,
) -> SourceSelection:
    """Apply `where` and `resample` to the source's shards. `label` (e.g. "stage `s1`, source `web`")
    prefixes every error message."""
    where = parse_expression(source.where) if source.where else pl.lit(True)
    rules = [parse_expression(r.where) for r in source.resample]
    needed = {id_column}
    for e in [where, *rules]:
        needed.update(e.meta.root_names())
    rule_of = pl.lit(-1, dtype=pl.Int32)
    for i in reversed(range(len(rules))):
        rule_of = pl.when(rules[i].fill_null(False)).then(pl.lit(i, dtype=pl.Int32)).otherwise(rule_of)

    skipped: dict[str, int] = {}
    per_shard = []
    matched = 0
    for shard in shards:
        missing = sorted(needed - set(shard.columns))
        if missing:
            raise MixtureError(
                f"{label}: shard {shard.url} lacks column(s) {missing} used by its expressions "
                f"(it has: {', '.join(shard.columns)})"
            )
        df = pl.from_arrow(read_columns(shard.url, sorted(needed)))
        if isinstance(df, pl.Series):
            df = df.to_frame()
        mask = _boolean(df, where, f"{label}: where `{source.where}`")
        for i, r in enumerate(source.resample):
            _boolean(df, rules[i], f"{label}: resample[{i}] where `{r.where}`")
        matched += int(mask.sum())
        lengths = tokenized[shard.url].lengths
        empty = mask & (lengths == 0)
        null_id = mask & df[id_column].is_null().to_numpy()
        if empty.any():
            skipped[SKIP_EMPTY] = skipped.get(SKIP_EMPTY, 0) + int(empty.sum())
        if (null_id & ~empty).any():
            skipped[SKIP_NULL_ID] = skipped.get(SKIP_NULL_ID, 0) + int((null_id & ~empty).sum())
        keep = mask & ~empty & ~null_id
        rows = np.flatnonzero(keep)
        rule_idx = df.with_columns(rule_of.alias("_rule"))["_rule"].to_numpy()[rows]
        ids = df[id_column].cast(pl.String).to_numpy()[rows]
        per_shard.append((shard, rows, rule_idx, ids, lengths[rows]))

    # Resampling is decided over the whole source (all shards), so "keep 30%" is exact per source.
    copies = [np.ones(len(rows), dtype=np.int64) for _, rows, *_ in per_shard]
    rule_stats = []
    for i, rule in enumerate(source.resample):
        members = [(k, np.flatnonzero(ri == i)) for k, (_, _, ri, _, _) in enumerate(per_shard)]
        n = sum(len(m) for _, m in members)
        base, frac = math.floor(rule.keep), rule.keep - math.floor(rule.keep)
        extra = math.floor(frac * n + 0.5)
        for k, m in members:
            copies[k][m] = base
        if extra:
            shard_of = np.concatenate([np.full(len(m), k) for k, m in members])
            pos = np.concatenate([m for _, m in members])
            hashes = np.concatenate([_id_hashes(per_shard[k][3][m].tolist(), seed) for k, m in members])
            # smallest hash first; ties (equal ids) broken by shard then row position
            order = np.lexsort((pos, shard_of, hashes))[:extra]
            for j in order:
                copies[shard_of[j]][pos[j]] += 1
        rule_stats.append({"where": rule.where, "keep": rule.keep, "matched": n,
                           "copies": int(sum(copies[k][m].sum() for k, m in members))})

    selections = []
    for (shard, rows, _, _, lengths), c in zip(per_shard, copies):
        kept = c > 0
        selections.append(ShardSelection(shard=shard, rows=rows[kept], copies=c[kept], lengths=lengths[kept]))
    return SourceSelection(shards=selections, matched=matched, skipped=skipped, rules=rule_stats)
