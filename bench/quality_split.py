"""Quality signals with the fast word split vs datatrove's stock split: decisions and CPU time.

    python bench/quality_split.py [--sample-crawl DIR] [--web DIR]

Extracts (MathCodeExtractor) and language-tags every page of the sample crawl (WARC) and of
../shared/data/web (HTML), then runs `QualitySignals` twice on each document, with the same rule
settings: once with `filters.words.FastSpacyTokenizer` (the crawl's default) and once with
datatrove's stock English split (`tokenizer="eng"`, spaCy inside `memory_zone`). Prints, per input,
how many documents get the same keep/drop decision and the same failed-rule set, lists every
document that differs with both rule sets, and the CPU milliseconds per document of each (CPU, not
wall time: the machine may be shared). Ours is timed twice: on first sight of the pages (every new
chunk goes through spaCy) and on a second pass over them (every chunk memoised, as for the common
words of a long crawl).
"""
from __future__ import annotations

import argparse
import os
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


def judge(rule, docs) -> tuple[list[tuple[bool, frozenset]], float]:
    from datatrove.data import Document

    out, cpu = [], 0.0
    for d in docs:
        doc = Document(text=d.text, id=d.id, metadata=dict(d.metadata))
        t0 = time.process_time()
        rule.filter(doc)
        cpu += time.process_time() - t0
        out.append((doc.metadata["quality_pass"], frozenset(filter(None, doc.metadata["quality_reasons"].split(";")))))
    return out, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample-crawl", type=Path, default=ROOT / "data" / "sample-crawl")
    shared = Path(os.environ.get("RC_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--web", type=Path, default=shared / "web", help="default: $RC_SHARED_DATA/web or ../shared/data/web")
    args = ap.parse_args()
    from filters.extraction import MathCodeExtractor  # noqa: F401 - imported before silencing the logs
    from filters.quality import QualitySignals
    from filters.readers import HtmlFileReader, RobustWarcReader
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")

    inputs = {"sample crawl": RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*")}
    if args.web.is_dir():
        inputs["shared/data/web"] = HtmlFileReader(str(args.web), glob_pattern="**/*.htm*")
    else:
        print(f"{args.web} absent: sample crawl only", file=sys.stderr)
    fast, stock = QualitySignals(mode="tag"), QualitySignals(mode="tag", tokenizer="eng")
    judge(fast, documents(RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*", limit=5)))  # warm up
    judge(stock, documents(RobustWarcReader(str(args.sample_crawl), glob_pattern="*.warc*", limit=5)))
    total = same_total = 0
    print(f"{'input':<18} {'docs':>6} {'same':>6} {'agree %':>8} {'stock ms/doc':>13} {'fast ms/doc':>12} {'speed-up':>9}"
          f" {'fast, 2nd pass':>15}")
    differing = []
    for name, reader in inputs.items():
        docs = documents(reader)
        ours, ours_cpu = judge(fast, docs)  # first sight of these pages' words (cold memo)
        again, again_cpu = judge(fast, docs)  # the same pages again: every chunk memoised
        assert again == ours
        theirs, stock_cpu = judge(stock, docs)
        same = sum(a == b for a, b in zip(ours, theirs))
        differing += [(name, d.id, b, a) for d, a, b in zip(docs, ours, theirs) if a != b]
        total, same_total = total + len(docs), same_total + same
        n = max(len(docs), 1)
        print(
            f"{name:<18} {len(docs):>6} {same:>6} {100 * same / n:>8.2f} {1000 * stock_cpu / n:>13.2f} "
            f"{1000 * ours_cpu / n:>12.2f} {stock_cpu / max(ours_cpu, 1e-9):>8.1f}x {1000 * again_cpu / n:>15.2f}"
        )
    print(f"{'all':<18} {total:>6} {same_total:>6} {100 * same_total / max(total, 1):>8.2f}")
    for name, doc_id, (s_pass, s_reasons), (o_pass, o_reasons) in differing:
        print(f"differs [{name}] {doc_id}: stock {s_pass} {sorted(s_reasons)} / fast {o_pass} {sorted(o_reasons)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
