"""filters.quality shares one memoised word split between datatrove's stock Gopher/FineWeb filters
(it rebinds `split_into_words` in their modules). This checks the rebinding is in place and that
every stock rule gives the same verdict with and without it."""
from __future__ import annotations

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.filters import fineweb_quality_filter, gopher_quality_filter, gopher_repetition_filter
from datatrove.pipeline.filters.base_filter import get_filter_result
from datatrove.utils import text as dt_text

from filters.quality import QualitySignals

MODULES = (fineweb_quality_filter, gopher_quality_filter, gopher_repetition_filter)
TEXTS = [
    "The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.\n" * 3,
    "Buy now!!! Cheap cheap cheap. Click here. Click here. Click here.\n…\n…\n# # #",
    "Let x be a real number such that formula holds. Then we prove the bound by induction on n.\n"
    "The base case is immediate, and the step follows from the triangle inequality.",
    "short",
    "Der schnelle braune Fuchs springt über den faulen Hund. Das ist ein ganz normaler Satz.",
]


def _verdicts() -> list:
    rules = [GopherQualityFilter(), GopherRepetitionFilter(), FineWebQualityFilter()]
    return [[get_filter_result(r.filter(Document(text=t, id=str(i)))) for r in rules] for i, t in enumerate(TEXTS)]


def test_stock_filters_share_one_split_and_give_the_same_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    QualitySignals()  # installs the shared split
    shared = gopher_quality_filter.split_into_words
    assert getattr(shared, "_rc_shared", False)
    assert all(m.split_into_words is shared for m in MODULES)
    for text in TEXTS:
        for lang in ("en", "de"):
            words = shared(text, lang)
            assert words == list(dt_text.split_into_words(text, lang))
            words.append("MUTATED")  # callers may mutate: the next caller gets a fresh list
            assert "MUTATED" not in shared(text, lang)
    with_shared = _verdicts()
    for m in MODULES:
        monkeypatch.setattr(m, "split_into_words", dt_text.split_into_words)
    assert _verdicts() == with_shared
