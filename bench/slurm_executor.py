"""The suite's real Slurm vs datatrove's local executor: same pipeline, same input, one run.

    .venv/bin/python bench/slurm_executor.py [--pages N] [--files F]

What it measures (to size the Slurm tests and to show what the test cluster costs):
  * sample crawl generation (tools.sample_crawl, warcio writer) for F files of N pages;
  * start-up of a private single-node Slurm (tools.slurm.start_cluster: munged + slurmctld +
    slurmd until `sinfo` shows the node idle);
  * a two-stage datatrove pipeline over those WARCs — WarcReader → Trafilatura → JsonlWriter, then
    JsonlReader → LambdaFilter → JsonlWriter with `depends=` — under
      baseline: LocalPipelineExecutor (tasks=F, workers=all CPUs), and
      ours:     SlurmPipelineExecutor on the test cluster (tasks=F), timed from submission until
                tools.slurm.wait_for_slurm_jobs sees every job (and merge_stats) finished;
    and checks both produced identical documents.
Needs root (or an installed slurm-wlm + munge); the cluster is stopped at the end.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor  # noqa: E402
from datatrove.pipeline.extractors import Trafilatura  # noqa: E402
from datatrove.pipeline.filters import LambdaFilter  # noqa: E402
from datatrove.pipeline.readers import JsonlReader, WarcReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from tools.sample_crawl import generate_sample_warc  # noqa: E402
from tools.slurm import start_cluster, stop_cluster, wait_for_slurm_jobs  # noqa: E402


def stages(warcs: Path, out: Path):
    one = [WarcReader(str(warcs)), Trafilatura(favour_precision=True, timeout=5), JsonlWriter(str(out / "one"))]
    two = [JsonlReader(str(out / "one")), LambdaFilter(lambda doc: len(doc.text.split()) >= 50), JsonlWriter(str(out / "two"))]
    return one, two


def documents(folder: Path) -> list[tuple[str, str]]:
    docs = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt") as f:
            docs += [(d["id"], d["text"]) for d in map(json.loads, f)]
    return sorted(docs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400, help="pages per WARC file (default 400)")
    parser.add_argument("--files", type=int, default=4, help="WARC files = tasks per stage (default 4)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-slurm-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        for i in range(args.files):
            generate_sample_warc(tmp / "warcs" / f"part-{i}.warc.gz", n_pages=args.pages, seed=i)
        gen_s = time.perf_counter() - t
        n_pages = args.pages * args.files

        t = time.perf_counter()
        local_one, local_two = stages(tmp / "warcs", tmp / "local")
        LocalPipelineExecutor(
            local_two, tasks=args.files, workers=-1, logging_dir=str(tmp / "local" / "logs2"),
            depends=LocalPipelineExecutor(local_one, tasks=args.files, workers=-1, logging_dir=str(tmp / "local" / "logs1")),
        ).run()
        local_s = time.perf_counter() - t

        t = time.perf_counter()
        cluster = start_cluster(tmp / "cluster")
        start_s = time.perf_counter() - t
        os.environ.update(cluster.env)
        try:
            t = time.perf_counter()
            slurm_one, slurm_two = stages(tmp / "warcs", tmp / "slurm")
            common = dict(tasks=args.files, time="00:20:00", partition=cluster.partition, mem_per_cpu_gb=1,
                          venv_path=f"{sys.prefix}/bin/activate", requeue=False)
            SlurmPipelineExecutor(
                slurm_two, job_name="bench_two", logging_dir=str(tmp / "slurm" / "logs2"), **common,
                depends=SlurmPipelineExecutor(slurm_one, job_name="bench_one", logging_dir=str(tmp / "slurm" / "logs1"), **common),
            ).run()
            wait_for_slurm_jobs(tmp / "slurm" / "logs1", tmp / "slurm" / "logs2", timeout=900)
            slurm_s = time.perf_counter() - t
        finally:
            stop_cluster(cluster)

        local_docs, slurm_docs = documents(tmp / "local" / "two"), documents(tmp / "slurm" / "two")
        print(f"\ninput: {args.files} WARC files x {args.pages} pages = {n_pages} pages; {os.cpu_count()} CPUs")
        print(f"sample crawl generation: {gen_s:6.2f} s  ({n_pages / gen_s:,.0f} pages/s; target < 3 s per 400-page file)")
        print(f"slurm cluster start-up:  {start_s:6.2f} s  (munged + slurmctld + slurmd, node idle)")
        print(f"{'executor':<34}{'wall s':>9}{'pages/s':>10}{'docs out':>10}")
        print(f"{'baseline: LocalPipelineExecutor':<34}{local_s:>9.2f}{n_pages / local_s:>10.1f}{len(local_docs):>10}")
        print(f"{'ours: SlurmPipelineExecutor':<34}{slurm_s:>9.2f}{n_pages / slurm_s:>10.1f}{len(slurm_docs):>10}")
        print(f"slurm / local wall time: {slurm_s / local_s:.2f}x; identical output: {slurm_docs == local_docs}")
        return 0 if slurm_docs == local_docs else 1


if __name__ == "__main__":
    sys.exit(main())
