"""Math-, code- and forum-preserving HTML extraction (issue 3).

Public API:
- `extract_text(html, url=None) -> str`: main content as Markdown-style text;
- `extract(html, url=None) -> Extraction`: the same plus has_math / has_code / counts;
- `MathCodeExtractor`: the datatrove extractor step (default of the crawl pipeline);
- `ExtractionError`, `ExtractionTimeout`: per-document failures.
"""
from filters.extraction.content import ExtractionTimeout
from filters.extraction.core import Extraction, ExtractionError, extract, extract_text

__all__ = ["extract_text", "extract", "Extraction", "ExtractionError", "ExtractionTimeout", "MathCodeExtractor"]


def __getattr__(name: str):
    # The datatrove step is imported lazily so that `extract_text` users do not pay for datatrove.
    if name == "MathCodeExtractor":
        from filters.extraction.step import MathCodeExtractor

        return MathCodeExtractor
    raise AttributeError(name)
