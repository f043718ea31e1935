"""`python -m mixtures.build CONFIG.yaml`: resolve a mixture spec against real shards into a manifest.

The manifest (JSON) records, per stage and source: the shards with their sha256, the documents and
tokens the source contributes (after `where` and `resample`), its blend weight, the epochs its
share implies, the seed, and the whole spec. It holds no timestamps, so the same spec, shards and
tokenizer give a byte-identical manifest. A source that cannot cover its share within `max_epochs`
fails the build with a message naming the source, the tokens it needs and the tokens it has.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import sys
from pathlib import Path

import numpy as np

import pyarrow as pa
import pyarrow.parquet as pq

from core.io import atomic_path
from core.records.manifest import MANIFEST_FORMAT, SELECTION_SCHEMA, Manifest, write_manifest
from mixtures.select import SourceSelection, select_source, source_seed
from mixtures.shards import expand_shards, inspect_shard, iter_column_batches
from mixtures.spec import MixtureError, MixtureSpec, Stage, load_spec
from mixtures.tokens import LoadedTokenizer, load_tokenizer, tokenize_shard, train_tokenizer
from core.config import ConfigError

EPOCH_SLACK = 1e-9  # float noise allowed on the epoch cap
log = logging.getLogger(__name__)


def cache_dir(spec: MixtureSpec) -> Path:
    return Path(spec.output_dir).resolve() / "token_cache"


def prepare_tokenizer(spec: MixtureSpec) -> LoadedTokenizer:
    """Load the tokenizer; train and save it first when its path is missing and `train` is set."""
    cfg = spec.tokenizer
    if cfg.train is not None and not Path(cfg.path).is_file():
        urls, _ = expand_shards(cfg.train.shards)
        if not urls:
            raise MixtureError(f"tokenizer.train: no shard matches {cfg.train.shards}")

        def texts():
            n = 0
            for url in urls:
                for batch in iter_column_batches(url, spec.documents.text_column, 1000):
                    for t in batch:
                        if t and n < cfg.train.max_documents:
                            n += 1
                            yield t
                if n >= cfg.train.max_documents:
                    return

        log.info("training a BPE tokenizer (vocabulary of at most %d tokens) on %d shard(s) → %s", cfg.train.vocab_size, len(urls), cfg.path)
        trained = train_tokenizer(texts(), cfg.train.vocab_size, cfg.path, [cfg.eod_token] if cfg.eod_token else [])
        got = trained.get_vocab_size(with_added_tokens=True)
        if got < cfg.train.vocab_size:
            # BPE stops merging when no pair of tokens is left to merge: every distinct word of the
            # training text is then a single token, and more text is the only way to more tokens.
            log.warning(
                "trained tokenizer has %d tokens, fewer than the %d asked for: the training text (at most "
                "%d documents) has no pairs left to merge — every distinct word in it is already one token",
                got, cfg.train.vocab_size, cfg.train.max_documents,
            )
        else:
            log.info("trained tokenizer has %d tokens", got)
    return load_tokenizer(cfg)


def resolve_source(spec, stage: Stage, source, tok: LoadedTokenizer) -> tuple[SourceSelection | None, dict]:
    """Select one source's documents; returns (selection or None when an optional source has no
    shards, the manifest entry without stage-level numbers)."""
    label = f"stage `{stage.name}`, source `{source.name}`"
    urls, unmatched = expand_shards(source.shards)
    seed = source_seed(spec.seed, stage.name, source.name)
    entry = {"name": source.name, "ratio": source.ratio, "max_epochs": source.max_epochs, "seed": seed,
             "where": source.where, "shard_patterns": source.shards, "unmatched_patterns": unmatched}
    if not urls:
        if source.optional:
            return None, entry | {"missing": f"no shard matches {source.shards}"}
        raise MixtureError(f"{label}: no shard matches {source.shards}")
    infos = [inspect_shard(u) for u in urls]
    tokenized = {
        i.url: tokenize_shard(i, spec.documents.text_column, tok, cache_dir(spec), spec.export.batch_size)
        for i in infos
    }
    selection = select_source(source, label, seed, infos, tokenized, spec.documents.id_column)
    eod = tok.eod_id is not None
    entry |= {
        "shards": [
            {"path": s.shard.url, "sha256": s.shard.sha256, "rows": s.shard.rows, "selected_rows": len(s.rows),
             "documents": int(s.copies.sum()), "tokens": int(((s.lengths + int(eod)) * s.copies).sum())}
            for s in selection.shards
        ],
        "matched_rows": selection.matched,
        "skipped": selection.skipped,
        "resample": selection.rules,
        "unique_documents": selection.unique_documents,
        "documents": selection.documents,
        "tokens": selection.tokens(eod),
    }
    return selection, entry


def overlapping_rows(selections: dict[str, SourceSelection]) -> dict[str, int]:
    """Rows selected by two sources of the same stage, per pair ("a&b" → rows)."""
    out = {}
    names = list(selections)
    for i, a in enumerate(names):
        rows_a = {s.shard.url: s.rows for s in selections[a].shards}
        for b in names[i + 1 :]:
            n = sum(len(np.intersect1d(rows_a[s.shard.url], s.rows, assume_unique=True))
                    for s in selections[b].shards if s.shard.url in rows_a)
            if n:
                out[f"{a}&{b}"] = int(n)
    return out


def _shortfall(label: str, need: float, entry: dict, budget: int, weight: float) -> str:
    have, cap = entry["tokens"], entry["max_epochs"]
    if have == 0:
        return (f"{label}: has 0 tokens in 0 documents ({entry['matched_rows']:,} rows match its `where`, "
                f"skipped {entry['skipped'] or 'none'}), so it cannot cover its weight {weight:.4g}")
    epochs = "∞" if have == 0 else f"{need / have:.3g}"
    return (f"{label}: needs {math.ceil(need):,} tokens (weight {weight:.4g} of the {budget:,}-token budget) "
            f"but has {have:,} tokens in {entry['documents']:,} documents; at most {cap:g} epoch(s) give "
            f"{int(have * cap):,} (it would need {epochs} epochs)")


def resolve_stage(spec: MixtureSpec, stage: Stage, tok: LoadedTokenizer) -> tuple[dict, list[str], dict]:
    """One stage's manifest entry, the list of sources that cannot cover their share, and the
    selections (source name → SourceSelection)."""
    entries, missing, selections = [], [], {}
    for source in stage.sources:
        selection, entry = resolve_source(spec, stage, source, tok)
        (missing if selection is None else entries).append(entry)
        if selection is not None:
            selections[source.name] = selection
    if not entries:
        return {}, [f"stage `{stage.name}`: none of its sources has shards"], {}
    present = sum(e["ratio"] for e in entries)
    for e in entries:
        # renormalised only when optional sources are missing (else exact, no float drift)
        e["weight"] = e["ratio"] / present if missing else e["ratio"]
    if stage.token_budget == "max":
        # The largest budget every source covers within its cap; the binding source is recorded.
        limits = {e["name"]: e["tokens"] * e["max_epochs"] / e["weight"] for e in entries}
        binding = min(limits, key=lambda n: (limits[n], n))
        budget = int(math.floor(limits[binding] + 1e-6))
    else:
        budget, binding = stage.token_budget, None
    problems, warnings = [], []
    overlaps = overlapping_rows(selections)
    for pair, n in overlaps.items():
        warnings.append(f"sources {pair.replace('&', ' and ')} both select {n:,} rows (each exports its own copy)")
    if 0 < budget < stage.seq_length:
        # The files are still valid (e.g. a preview on a small crawl), but a trainer gets no sample.
        warnings.append(f"a budget of {budget:,} tokens is less than one {stage.seq_length:,}-token "
                        "sequence: train_samples is 0")
        log.warning("stage `%s`: %s", stage.name, warnings[-1])
    for e in entries:
        label = f"stage `{stage.name}`, source `{e['name']}`"
        need = e["weight"] * budget
        e["target_tokens"] = int(round(need))
        e["epochs"] = round(need / e["tokens"], 6) if e["tokens"] else None
        if e["tokens"] == 0 or need / e["tokens"] > e["max_epochs"] + EPOCH_SLACK:
            problems.append(_shortfall(label, need, e, budget, e["weight"]))
    return {
        "name": stage.name,
        "token_budget": budget,
        "token_budget_spec": stage.token_budget,
        "budget_limited_by": binding,
        "seq_length": stage.seq_length,
        "rope_base": stage.rope_base,
        "train_samples": budget // stage.seq_length,
        "sources": entries,
        "missing_sources": missing,
        "overlapping_rows": overlaps,
        "warnings": warnings,
    }, problems, selections


def write_selection(spec: MixtureSpec, stage: str, source: str, selection: SourceSelection, root: str | Path | None = None) -> dict:
    """Persist the rows a source takes (export reads them from here, not by selecting again), under
    `root` (default: the output folder; the mixture job passes its staging folder, core.publish)."""
    rel = f"selection/{stage}/{source}.parquet"
    path = Path(root or spec.output_dir) / rel
    parts = [(np.full(len(s.rows), i, np.int32), s.rows.astype(np.int64), s.copies.astype(np.int32))
             for i, s in enumerate(selection.shards)]
    cols = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, t)
            for k, t in ((0, np.int32), (1, np.int64), (2, np.int32))]
    table = pa.Table.from_arrays([pa.array(c) for c in cols], schema=SELECTION_SCHEMA)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return {"path": rel, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "rows": table.num_rows}


def _absolute(path: str) -> str:
    return path if "://" in path else os.path.abspath(path)


def absolute_spec(spec: MixtureSpec) -> MixtureSpec:
    """The spec with local paths (output dir, tokenizer file, shard globs) made absolute against the
    working directory, so the manifest can be exported from anywhere."""
    data = spec.model_dump()
    data["output_dir"] = _absolute(data["output_dir"])
    tok = data["tokenizer"]
    if os.path.isfile(tok["path"]) or tok["train"] is not None or tok["path"].endswith(".json"):
        tok["path"] = _absolute(tok["path"])
    if tok["train"] is not None:
        tok["train"]["shards"] = [_absolute(p) for p in tok["train"]["shards"]]
    for stage in data["stages"]:
        for source in stage["sources"]:
            source["shards"] = [_absolute(p) for p in source["shards"]]
    return type(spec).model_validate(data)


def build_manifest(spec: MixtureSpec, root: str | Path | None = None) -> Manifest:
    """Resolve `spec` into the typed manifest, writing each source's selection under
    `<output_dir>/selection/` (or `<root>/selection/`: a staging folder published as the output later). Raises MixtureError listing every source that cannot cover its share,
    and every other problem, with the file or source it concerns."""
    spec = absolute_spec(spec)
    tok = prepare_tokenizer(spec)
    stages, problems, selections = [], [], []
    for stage in spec.stages:
        entry, stage_problems, stage_selections = resolve_stage(spec, stage, tok)
        stages.append(entry)
        problems += stage_problems
        selections.append(stage_selections)
    if problems:
        raise MixtureError("mixture cannot be built:\n  - " + "\n  - ".join(problems))
    for entry, stage_selections in zip(stages, selections):
        for source in entry["sources"]:
            source["selection"] = write_selection(spec, entry["name"], source["name"], stage_selections[source["name"]], root)
    spec_json = spec.model_dump(mode="json")
    return Manifest.model_validate({
        "format": MANIFEST_FORMAT,
        "spec_sha256": hashlib.sha256(json.dumps(spec_json, sort_keys=True).encode()).hexdigest(),
        "seed": spec.seed,
        "output_dir": spec.output_dir,
        "tokenizer": tok.describe(),
        "stages": stages,
        "spec": spec_json,
    })


def manifest_path(spec: MixtureSpec) -> Path:
    return Path(spec.output_dir).resolve() / "manifest.json"


def summarize(manifest: Manifest) -> str:
    lines = []
    for st in manifest.stages:
        lines.append(f"{st.name}: {st.token_budget:,} tokens, seq {st.seq_length}, {st.train_samples:,} samples")
        for s in st.sources:
            lines.append(f"  {s.name:<20} weight {s.weight:.3f}  pool {s.tokens:>14,} tokens "
                         f"{s.documents:>10,} docs  epochs {s.epochs:.3f} (cap {s.max_epochs:g})")
        for s in st.missing_sources:
            lines.append(f"  {s.name:<20} MISSING ({s.missing}); other weights renormalised")
        for w in st.warnings:
            lines.append(f"  warning: {w}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mixtures.build", description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="mixture spec (YAML, kind: mixture)")
    parser.add_argument("--manifest", type=Path, help="where to write it (default: <output_dir>/manifest.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        spec = load_spec(args.config)
        manifest = build_manifest(spec)
    except ConfigError as e:  # MixtureError included: a message for the user, no traceback
        print(str(e), file=sys.stderr)
        return 2
    out = args.manifest or manifest_path(spec)
    write_manifest(manifest, out)
    print(summarize(manifest))
    print(f"manifest: {out}")
    return 0


if __name__ == "__main__":
    from core.io import exit_cli

    exit_cli(main())
