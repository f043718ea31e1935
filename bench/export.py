"""Export throughput: our mixture export (build + Megatron .bin/.idx) vs datatrove's DocumentTokenizer,
on the same documents and the same tokenizer, in one run.

    python bench/export.py [--copies N] [--vocab V] [--repeats R]

Input: the real article texts of ../shared/data/web (the scrapinghub benchmark's 181 articleBody
ground truths), repeated `--copies` times with distinct ids, in one Parquet shard with the crawl schema.
Tokenizer: a byte-level BPE trained here on those texts (`--vocab` tokens, with <|endoftext|>).

Ours: `build_manifest` + `export` from a cold token cache (one source taking every row, Megatron only):
read Parquet → encode_batch_fast → .bin/.idx + blend files. Baseline: datatrove's ParquetReader →
DocumentTokenizer (eos_token=<|endoftext|>, shuffle_documents=False, so it does no extra copy pass)
under LocalPipelineExecutor, tasks=1. Both encode with the same Rust tokenizer on the same threads
(RAYON_NUM_THREADS, default all cores). The two token streams are compared byte for byte.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_WEB = ROOT.parent / "shared" / "data" / "web" / "extraction"


def load_texts() -> list[str]:
    texts = [v["articleBody"] for v in json.loads((SHARED_WEB / "scrapinghub" / "ground-truth.json").read_text()).values()]
    return [t for t in texts if t and t.strip()]


def write_input(folder: Path, texts: list[str], copies: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.records.document import DOCUMENT_SCHEMA

    rows = []
    for c in range(copies):
        for i, t in enumerate(texts):
            row = dict.fromkeys(DOCUMENT_SCHEMA.names)
            row.update(id=f"{c}-{i}", text=t, quality_pass=True)
            rows.append(row)
    folder.mkdir(parents=True)
    path = folder / "part-0.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path, row_group_size=10_000)
    return path


def run_ours(work: Path, shard_dir: Path, tokenizer: Path) -> tuple[float, Path, int]:
    from mixtures.build import build_manifest
    from mixtures.export import export
    from mixtures.spec import MixtureSpec

    spec = MixtureSpec.model_validate({
        "output_dir": str(work), "seed": 0,
        "documents": {"id_column": "id", "text_column": "text"},
        "tokenizer": {"path": str(tokenizer), "eod_token": "<|endoftext|>"},
        "export": {"megatron": True, "parquet": False, "batch_size": 1000},
        "stages": [{"name": "all", "token_budget": "max", "seq_length": 4096, "sources": [
            {"name": "docs", "shards": [str(shard_dir / "*.parquet")], "ratio": 1.0, "max_epochs": 1}]}],
    })
    t0 = time.perf_counter()
    manifest = build_manifest(spec)
    export(manifest)
    elapsed = time.perf_counter() - t0
    return elapsed, work / "megatron" / "all" / "docs.bin", manifest.stages[0].sources[0].tokens


def run_datatrove(work: Path, shard_dir: Path, tokenizer: Path) -> tuple[float, Path, int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.tokens import DocumentTokenizer

    executor = LocalPipelineExecutor(
        pipeline=[
            ParquetReader(str(shard_dir), text_key="text", id_key="id"),
            DocumentTokenizer(str(work / "out"), tokenizer_name_or_path=str(tokenizer), eos_token="<|endoftext|>",
                              shuffle_documents=False, batch_size=1000, save_filename="docs"),
        ],
        tasks=1, workers=1, logging_dir=str(work / "logs"),
    )
    t0 = time.perf_counter()
    executor.run()
    elapsed = time.perf_counter() - t0
    (ds,) = list((work / "out").glob("*.ds"))
    return elapsed, ds, ds.stat().st_size // 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="times the shared texts are repeated")
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each; the best is reported")
    args = parser.parse_args()
    if not SHARED_WEB.is_dir():
        print(f"shared data missing: {SHARED_WEB}", file=sys.stderr)
        return 2
    logging.disable(logging.INFO)
    from loguru import logger

    logger.remove()  # datatrove's per-step logging would dominate the terminal
    from mixtures.tokens import train_tokenizer

    texts = load_texts()
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        tokenizer = tmp / "tokenizer.json"
        train_tokenizer(texts, args.vocab, tokenizer, ["<|endoftext|>"])
        shard_dir = tmp / "shards"
        shard = write_input(shard_dir, texts, args.copies)
        n_docs, n_chars = len(texts) * args.copies, sum(map(len, texts)) * args.copies
        print(f"input: {n_docs:,} documents, {n_chars / 1e6:.1f} M characters ({shard.stat().st_size / 1e6:.1f} MB Parquet); "
              f"tokenizer: byte-level BPE, {args.vocab} tokens")
        best = {"ours": None, "datatrove": None}
        for r in range(args.repeats):
            for name, fn in (("datatrove", run_datatrove), ("ours", run_ours)):
                work = tmp / f"{name}-{r}"
                elapsed, path, tokens = fn(work, shard_dir, tokenizer)
                if best[name] is None or elapsed < best[name][0]:
                    best[name] = (elapsed, path, tokens)
        (t_ours, bin_ours, tok_ours), (t_dt, bin_dt, tok_dt) = best["ours"], best["datatrove"]
        same = bin_ours.read_bytes() == bin_dt.read_bytes()
        print(f"{'':<34}{'tokens':>12}{'seconds':>10}{'tokens/s':>14}")
        print(f"{'ours (build + export, .bin/.idx)':<34}{tok_ours:>12,}{t_ours:>10.2f}{tok_ours / t_ours:>14,.0f}")
        print(f"{'datatrove DocumentTokenizer':<34}{tok_dt:>12,}{t_dt:>10.2f}{tok_dt / t_dt:>14,.0f}")
        print(f"ratio (ours / datatrove tokens/s): {(tok_ours / t_ours) / (tok_dt / t_dt):.2f}x; "
              f"token streams identical: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
