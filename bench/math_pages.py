"""Quality step on real math/code pages and on bad pages: ours vs stock datatrove, one run.

    python bench/math_pages.py [--web DIR] [--seeds N] [--show]

Three inputs, each judged by both pipelines in this process:

1. **Real math/code pages** (`WEB/math/pages`, 47 HTML pages): ours is the crawl's per-document
   stage with `configs/crawl.yaml` settings (`MathCodeExtractor` → `LanguageID` → `QualitySignals`,
   English rules for `en`); stock is datatrove's FineWeb example (examples/fineweb.py): Trafilatura
   (favour_precision, the crawl's 2 s timeout) → GopherRepetition → GopherQuality → C4
   (filter_no_terminal_punct=False) → FineWebQuality. A page is kept when it reaches the end.
   More kept is better.
2. **Generated bad pages**: every `spam`, `low_quality` (thin, lorem ipsum, JavaScript notice,
   link list, shouting, ellipsis teasers) and `boilerplate` (an article drowned in navigation,
   ads, cookie banner, newsletter box, footer) page of `tools.sample_crawl` seeds 0..N-1, through
   both pipelines as in 1. More rejected is better.
3. **Real boilerplate**: the whole visible text of the real English pages of
   `WEB/extraction` (resiliparse's plain-text rendering with `main_content=False`: menus,
   link lists, footers and all, as a failed extraction would pass them on). Both judge the same
   text (no extractor), ours with `QualitySignals`, stock with the four stock filters. More
   rejected is better. Non-English pages are left out: ours judges the English-calibrated rules
   on English only (`quality.rule_languages`), stock (without its language filter) on all.

`--show` prints every real math/code page with the failed rules of both (ours also names the rule
groups that could not judge it). Exit status 0; the figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import gzip
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("RC_SHARED_DATA", ROOT.parent / "shared" / "data"))
BAD_KINDS = ("spam", "low_quality", "boilerplate")


def stock_rules():
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

    return [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter()]


def stock_verdict(rules, doc) -> str | None:
    """None when every stock rule passes, else the first failure (`gopher_rep:dup_line_frac`)."""
    from datatrove.data import Document
    from datatrove.pipeline.filters.base_filter import get_filter_result

    for rule in rules:
        ok, reason = get_filter_result(rule.filter(Document(text=doc.text, id=doc.id)))
        if not ok:
            return f"{type(rule).__name__.replace('QualityFilter', '').replace('Filter', '')}:{reason}"
    return None


def ours_verdict(quality, doc) -> tuple[str | None, str]:
    """(None or the failed rules, the groups that could not judge)."""
    from datatrove.data import Document

    d = Document(text=doc.text, id=doc.id, metadata=dict(doc.metadata))
    quality.filter(d)
    unjudged = ",".join(g for g in ("gopher", "c4", "fineweb") if d.metadata.get(f"{g}_pass") is None)
    return (None if d.metadata["quality_pass"] else d.metadata["quality_reasons"]), unjudged


def run_steps(steps, docs) -> list:
    data = iter(docs)
    for step in steps:
        data = step(data, 0, 1)
    return list(data)


def both(html_docs, quality, rules):
    """{id: (ours verdict, unjudged, stock verdict)}; 'extraction_empty' when an extractor dropped it."""
    from datatrove.pipeline.extractors import Trafilatura

    from filters.extraction import MathCodeExtractor
    from filters.language import LanguageID

    copy = lambda ds: [type(d)(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in ds]  # noqa: E731
    ours = {d.id: d for d in run_steps([MathCodeExtractor(timeout=2.0), LanguageID()], copy(html_docs))}
    stock = {d.id: d for d in run_steps([Trafilatura(favour_precision=True, timeout=2.0)], copy(html_docs))}
    out = {}
    for d in html_docs:
        o, unjudged = ours_verdict(quality, ours[d.id]) if d.id in ours else ("extraction_empty", "")
        s = stock_verdict(rules, stock[d.id]) if d.id in stock else "extraction_empty"
        out[d.id] = (o, unjudged, s)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--web", type=Path, default=SHARED / "web", help="default: $RC_SHARED_DATA/web or ../shared/data/web")
    ap.add_argument("--seeds", type=int, default=4, help="sample-crawl seeds for the generated bad pages")
    ap.add_argument("--show", action="store_true", help="every real math/code page with both verdicts")
    args = ap.parse_args()
    from datatrove.data import Document
    from loguru import logger

    from filters.extraction import MathCodeExtractor  # noqa: F401 - imported before silencing the logs
    from filters.language import detect_language
    from filters.quality import QualitySignals
    from filters.readers import HtmlFileReader
    from tools.sample_crawl import sample_pages

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    quality, rules = QualitySignals(mode="tag", rule_languages=["en"]), stock_rules()
    rows = []

    pages = args.web / "math" / "pages"
    if pages.is_dir():
        docs = run_steps([HtmlFileReader(str(pages), glob_pattern="*.html")], [])
        res = both(docs, quality, rules)
        rows.append(("real math/code pages", "kept", len(res), sum(o is None for o, _, _ in res.values()),
                     sum(s is None for _, _, s in res.values())))
        if args.show:
            for doc_id, (o, unjudged, s) in sorted(res.items()):
                print(f"{Path(doc_id).stem:<45} ours {'kept' if o is None else o}{f' (unjudged: {unjudged})' if unjudged else ''}"
                      f" | stock {'kept' if s is None else s}")
    else:
        print(f"{pages} absent: real math/code pages skipped", file=sys.stderr)

    bad = [p for seed in range(args.seeds) for p in sample_pages(400, seed) if p.kind in BAD_KINDS]
    bad_docs = [Document(text=p.body.decode("utf-8"), id=f"{p.kind}/{i}", metadata={}) for i, p in enumerate(bad)]
    res = both(bad_docs, quality, rules)
    for kind in BAD_KINDS:
        sub = [v for k, v in res.items() if k.startswith(kind + "/")]
        rows.append((f"generated {kind}", "rejected", len(sub), sum(o is not None for o, _, _ in sub),
                     sum(s is not None for _, _, s in sub)))

    extraction = args.web / "extraction"
    if extraction.is_dir():
        from resiliparse.extract.html2text import extract_plain_text

        from core.charset import decode_html

        real = []
        for path in sorted(extraction.rglob("*.htm*")):
            raw = path.read_bytes()
            html, _ = decode_html(gzip.decompress(raw) if path.suffix == ".gz" else raw)
            text = extract_plain_text(html, main_content=False, alt_texts=False, links=False)
            if text.strip() and detect_language(text)[0] == "en":
                real.append(Document(text=text, id=str(path), metadata={"language": "en"}))
        o_rej = sum(ours_verdict(quality, d)[0] is not None for d in real)
        s_rej = sum(stock_verdict(rules, d) is not None for d in real)
        rows.append(("real boilerplate (whole page text)", "rejected", len(real), o_rej, s_rej))
    else:
        print(f"{extraction} absent: real boilerplate skipped", file=sys.stderr)

    print(f"{'input':<36} {'figure':>9} {'pages':>6} {'ours':>6} {'stock':>6}")
    for name, fig, n, o, s in rows:
        print(f"{name:<36} {fig:>9} {n:>6} {o:>6} {s:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
