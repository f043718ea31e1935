"""Decontamination against evaluation benchmarks: word n-gram any-overlap + digit-masked exact match.

A problem is contaminated when it shares ANY word n-gram (default 8, as open-r1's decontaminate.py)
with a benchmark item, or when its digit-masked text equals a benchmark item's (Light-R1's
"exact matching excluding digits"): a copy with its numbers swapped shares no n-gram when the numbers
are dense, but masks to the same text.

The index is plain dicts of strings so it pickles to dask workers as is (str hashes are per process,
so an index of Python `hash()` values would not survive the trip).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from filters.ngrams import masked_key, ngrams, words


@dataclass(frozen=True)
class Contamination:
    item: str  # "<benchmark>/<item id>"
    test: str  # "ngram" | "masked_exact"
    evidence: str


# LaTeX command names are not words of the problem: "a 1 a 2 dots a n" is notation, not content.
_LATEX_WORDS = frozenset(
    "frac dfrac tfrac cdot cdots ldots dots sqrt left right text mathrm mathbf textbf times leq geq le ge neq "
    "quad qquad begin end overline angle circ pmatrix bmatrix array displaystyle operatorname".split()
)


def content_words(gram: str) -> int:
    return sum(1 for w in gram.split() if len(w) > 1 and w.isalpha() and w not in _LATEX_WORDS)


@dataclass
class BenchmarkIndex:
    n: int = 8
    # Masked texts shorter than this many words are templates ("compute 0 0"), not evidence of a copy.
    min_masked_words: int = 6
    # An n-gram is evidence only if it has this many real words: "0 0 1 1 0 0 0 0" (a sample test) or
    # "2 3 4 5 6 7 8 9" is shared by unrelated problems. On the shared data this removes 11 of the 20
    # false hits of plain any-overlap between TACO and the benchmarks, and no true hit.
    min_ngram_words: int = 3
    ngram_to_item: dict[str, str] = field(default_factory=dict)
    masked_to_item: dict[str, str] = field(default_factory=dict)
    items: int = 0

    def add(self, item: str, text: str) -> None:
        self.items += 1
        tokens = words(text)
        for g in ngrams(tokens, self.n):
            # A text shorter than n words is one "n-gram" (the whole text): always evidence of a copy.
            if len(tokens) < self.n or content_words(g) >= self.min_ngram_words:
                self.ngram_to_item.setdefault(g, item)
        key = masked_key(text)
        if len(key.split()) >= self.min_masked_words:
            self.masked_to_item.setdefault(key, item)

    def add_all(self, items: Iterable[tuple[str, str]]) -> "BenchmarkIndex":
        for item, text in items:
            self.add(item, text)
        return self

    def match(self, text: str) -> Contamination | None:
        """The first benchmark item this text is contaminated by, or None."""
        key = masked_key(text)
        hit = self.masked_to_item.get(key)
        if hit is not None:
            return Contamination(hit, "masked_exact", f"digit-masked text equals {hit}")
        for g in ngrams(words(text), self.n):
            hit = self.ngram_to_item.get(g)
            if hit is not None:
                return Contamination(hit, "ngram", f"shares {self.n}-gram {g!r} with {hit}")
        return None
