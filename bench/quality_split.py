"""Quality signals with the fast word split vs datatrove's stock split: decisions and CPU time.

    python bench/quality_split.py [--sample-crawl DIR] [--web DIR] [--repeat N]

Extracts (MathCodeExtractor) and language-tags every page of the sample crawl (WARC) and of
../shared/data/web (HTML), then runs `QualitySignals` on each document with the same rule settings:
with `filters.words.FastSpacyTokenizer` and our Gopher/C4 counting (the crawl's default) and with
datatrove's stock split and filters (`tokenizer="eng"`, spaCy inside `memory_zone`).

Printed per input: how many documents get the same keep/drop decision and the same failed-rule set
(every differing document is listed with both rule sets), how many get identical metadata (every
signal column and verdict), and the CPU milliseconds per document (CPU, not wall time: the machine
may be shared) of

- stock: datatrove's split and filters;
- ours, first pass: the word memo emptied before the input, so every chunk of its pages is split
  on first sight (issue 20's figure: ≤ 5 ms per document);
- ours, warm: the same pages again, every chunk memoised (as for the common words of a long crawl).

Each is timed `--repeat` times (memo emptied before every first pass); the table shows the median
and the range. Every pass must give the same metadata as the first, or the bench fails.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def documents(reader) -> list:
    """Reader → extractor → language ID, in this process; the documents that reach quality."""
    from filters.extraction import MathCodeExtractor
    from filters.language import LanguageID

    data = None
    for step in (reader, MathCodeExtractor(timeout=60), LanguageID()):
        data = step(data, 0, 1)
    return list(data)


def judge(rule, docs) -> tuple[list[dict], float]:
    """Each document's metadata after `rule` (on a copy), and the CPU seconds the rule took."""
    from datatrove.data import Document

    out, cpu = [], 0.0
    for d in docs:
        doc = Document(text=d.text, id=d.id, metadata=dict(d.metadata))
        t0 = time.process_time()
        rule.filter(doc)
        cpu += time.process_time() - t0
        out.append(doc.metadata)
    return out, cpu


def decision(metadata: dict) -> tuple[bool, frozenset]:
    return metadata["quality_pass"], frozenset(filter(None, metadata["quality_reasons"].split(";")))


def spread(seconds: list[float], n: int) -> str:
    """Median ms/doc and the range over the repeats."""
    ms = sorted(1000 * s / n for s in seconds)
    median = statistics.median(ms)
    return f"{median:.2f} ({ms[0]:.2f}-{ms[-1]:.2f})" if len(ms) > 1 else f"{median:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample-crawl", type=Path, default=ROOT / "data" / "sample-crawl")
    shared = Path(os.environ.get("RC_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--web", type=Path, default=shared / "web", help="default: $RC_SHARED_DATA/web or ../shared/data/web")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each pass per input (default 3)")
    args = ap.parse_args()
    from filters.extraction import MathCodeExtractor  # noqa: F401 - imported before silencing the logs
    from filters.quality import QualitySignals
    from filters.readers import HtmlFileReader, RobustWarcReader
    from filters.words import shared_tokenizer
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")

    inputs = {"sample crawl": RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*")}
    if args.web.is_dir():
        inputs["shared/data/web"] = HtmlFileReader(str(args.web), glob_pattern="**/*.htm*")
    else:
        print(f"{args.web} absent: sample crawl only", file=sys.stderr)
    fast, stock = QualitySignals(mode="tag"), QualitySignals(mode="tag", tokenizer="eng")
    memo = shared_tokenizer("en")  # the splitter `fast` uses
    assert fast.gopher_quality.language is memo
    judge(fast, documents(RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*", limit=5)))  # warm up
    judge(stock, documents(RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*", limit=5)))
    print(f"CPU ms per document, median of {args.repeat} (range); ours first pass = empty word memo; "
          f"issue 20 asks <= 5 ms/doc")
    header = (f"{'input':<16} {'docs':>5} {'same decision':>13} {'same metadata':>13} {'stock':>20} "
              f"{'ours, first pass':>20} {'ours, warm':>20} {'speed-up 1st/warm':>18}")
    print(header)
    total = same_total = 0
    differing = []
    for name, reader in inputs.items():
        docs = documents(reader)
        n = max(len(docs), 1)
        first, warm, theirs_cpu = [], [], []
        ours = None
        for _ in range(args.repeat):
            memo.clear()
            cold, cold_cpu = judge(fast, docs)  # first sight of these pages' chunks
            again, again_cpu = judge(fast, docs)  # the same pages again: every chunk memoised
            theirs, stock_cpu = judge(stock, docs)
            ours = ours if ours is not None else cold
            assert cold == ours and again == ours, "our metadata changed between passes"
            first.append(cold_cpu)
            warm.append(again_cpu)
            theirs_cpu.append(stock_cpu)
        same = sum(decision(a) == decision(b) for a, b in zip(ours, theirs))
        same_meta = sum(a == b for a, b in zip(ours, theirs))
        differing += [(name, d.id, decision(b), decision(a)) for d, a, b in zip(docs, ours, theirs)
                      if decision(a) != decision(b)]
        total, same_total = total + len(docs), same_total + same
        ratio_first = statistics.median(theirs_cpu) / max(statistics.median(first), 1e-9)
        ratio_warm = statistics.median(theirs_cpu) / max(statistics.median(warm), 1e-9)
        print(
            f"{name:<16} {len(docs):>5} {f'{same} ({100 * same / n:.1f}%)':>13} {same_meta:>13} "
            f"{spread(theirs_cpu, n):>20} {spread(first, n):>20} {spread(warm, n):>20} "
            f"{f'{ratio_first:.1f}x / {ratio_warm:.1f}x':>18}"
        )
    print(f"{'all':<16} {total:>5} {f'{same_total} ({100 * same_total / max(total, 1):.1f}%)':>13}")
    for name, doc_id, (s_pass, s_reasons), (o_pass, o_reasons) in differing:
        print(f"differs [{name}] {doc_id}: stock {s_pass} {sorted(s_reasons)} / fast {o_pass} {sorted(o_reasons)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
