"""Real pages with a known domain, from the shared web data (docs/classifiers.md, "real quality check").

`../shared/data/web/math` holds 47 real pages labelled `math` or `code` by their source (index.json
`category`); `../shared/data/web/extraction` holds 301 news/blog/article pages (scrapinghub and
trafilatura benchmarks) with neither — labelled `other` here. Every page is run through the crawl's
own extractor (`filters.extraction.extract_text`), so the classifier sees what it sees in the crawl.
Used by tests/filters/test_classifiers_real.py and bench/classifiers.py.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

__all__ = ["web_domain_rows"]


def _pages(web: Path):
    for entry in json.loads((web / "math" / "index.json").read_text()):
        yield entry["id"], entry["category"], (web / "math" / entry["file"]).read_bytes(), entry.get("url")
    for sub in ("scrapinghub", "trafilatura"):
        for path in sorted((web / "extraction" / sub / "html").glob("*.html.gz")):
            yield f"{sub}/{path.name.removesuffix('.html.gz')}", "other", gzip.decompress(path.read_bytes()), None


def web_domain_rows(web: str | Path, min_chars: int = 200) -> list[dict]:
    """[{id, text, domain}] for every page whose extracted text has at least `min_chars` characters."""
    from filters.extraction import extract_text

    rows = []
    for page_id, domain, html, url in _pages(Path(web)):
        text = extract_text(html, url)
        if len(text) >= min_chars:
            rows.append({"id": page_id, "text": text, "domain": domain})
    return rows
