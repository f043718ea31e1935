"""One word/sentence splitter for the quality rules and MinHash: datatrove's own English splitter
(spaCy's blank `en` tokenizer + sentencizer), run without spaCy's `memory_zone`.

datatrove's `SpaCyTokenizer` wraps every call in `memory_zone()`, which throws away every lexeme
the call created; the next call recreates them, so each document pays for building its whole
vocabulary again (~30 ms per page, most of the crawl's per-document time). `FastSpacyTokenizer` is
the same spaCy tokenizer with the same settings and the same post-processing (`strip_strings`), so
the words and sentences are the same; it only keeps the vocabulary between calls and bounds it by
reloading the tokenizer once `max_lexemes` accumulated (memory stays flat on long runs).

It is a datatrove `WordTokenizer`: pass the shared instance (`shared_tokenizer()`) as the
`language` argument of a stock filter or of `MinhashDedupSignature` (datatrove's
`load_word_tokenizer` accepts a tokenizer there). datatrove's `split_into_words` memoises on
(text, language), so the Gopher and FineWeb rules judging the same prose share one split.
Filters built with a language code (e.g. a stock pipeline in the same process) are untouched.
"""
from __future__ import annotations

from datatrove.utils.word_tokenizers import SpaCyTokenizer, strip_strings
from spacy.attrs import IDX, IS_PUNCT, LENGTH
from spacy.pipeline import Sentencizer

__all__ = ["FastSpacyTokenizer", "shared_tokenizer"]

# ~1 kB per lexeme plus the tokenizer's cache: about 100 MB at the limit.
DEFAULT_MAX_LEXEMES = 100_000
_PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)
_PUNCT_STR = "".join(sorted(_PUNCT_CHARS))
assert all(len(c) == 1 for c in _PUNCT_CHARS)  # `_sentences` compares one-character tokens


class FastSpacyTokenizer(SpaCyTokenizer):
    """datatrove's spaCy tokenizer for `language`, without a memory zone per call."""

    def __init__(self, language: str = "en", max_lexemes: int = DEFAULT_MAX_LEXEMES):
        if language == "ja":  # datatrove chunks Japanese by bytes; this class has no such path
            raise ValueError("FastSpacyTokenizer does not handle Japanese")
        super().__init__(language)
        self.max_lexemes = max_lexemes
        self.reloads = 0

    def __reduce__(self):
        # Executors pickle the pipeline for every task (datatrove's local pool too). Unpickle to
        # the process's shared instance: a forked worker gets the one its parent already loaded,
        # a fresh process (Slurm) loads one once; the spaCy model itself is never pickled.
        return shared_tokenizer, (self.language, self.max_lexemes)

    def _nlp(self):
        nlp = self.tokenizer  # SpaCyTokenizer's property: spacy.blank(language) + sentencizer
        if len(nlp.vocab) > self.max_lexemes:
            self._tokenizer = None
            self.reloads += 1
            nlp = self.tokenizer
        return nlp

    def _tokens(self, text: str) -> tuple[list[tuple[int, int]], list[bool]]:
        """(start, end) of every token and whether spaCy calls it punctuation. Read from the Doc's
        arrays: creating a Python `Token` per word costs more than tokenizing."""
        doc = self._nlp().tokenizer(text)
        arr = doc.to_array([IDX, LENGTH, IS_PUNCT]).tolist()
        return [(i, i + n) for i, n, _ in arr], [bool(p) for _, _, p in arr]

    def word_tokenize(self, text: str) -> list[str]:
        if "IS_ALPHA" in text:  # breaks spaCy's pipeline; datatrove's own workaround decides
            return super().word_tokenize(text)
        spans, _ = self._tokens(text)
        return strip_strings([text[a:b] for a, b in spans])

    def _sentences(self, text: str) -> list[tuple[int, int]]:
        """spaCy's `Sentencizer.predict` (default punctuation), run on the token arrays instead
        of Token objects; tests compare it with the sentencizer itself. A sentence starts at the
        first token that is neither punctuation nor a sentence mark after a sentence mark."""
        spans, is_punct = self._tokens(text)
        starts, seen_mark = [0], False
        for i, (a, b) in enumerate(spans):
            is_mark = b - a == 1 and text[a] in _PUNCT_CHARS
            if seen_mark and not is_punct[i] and not is_mark:
                starts.append(i)
                seen_mark = False
            elif is_mark:
                seen_mark = True
        if not spans:
            return []
        ends = starts[1:] + [len(spans)]
        return [(spans[s][0], spans[e - 1][1]) for s, e in zip(starts, ends)]

    def sent_tokenize(self, text: str) -> list[str]:
        if "IS_ALPHA" in text:
            return super().sent_tokenize(text)
        return strip_strings([text[a:b] for a, b in self._sentences(text)])

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        # The sentencizer starts a sentence only after a token that is one of its punctuation
        # characters. A stripped text with none of them before its trailing punctuation is one
        # sentence: answer without tokenizing (C4 asks this for every line of a page).
        if "IS_ALPHA" in text:
            return super().span_tokenize(text)
        if text and text == text.strip() and not _PUNCT_CHARS.intersection(text.rstrip(_PUNCT_STR)):
            return [(0, len(text))]
        return self._sentences(text)


_SHARED: dict[tuple[str, int], FastSpacyTokenizer] = {}


def shared_tokenizer(language: str = "en", max_lexemes: int = DEFAULT_MAX_LEXEMES) -> FastSpacyTokenizer:
    """The process's one splitter for `language` (every rule and MinHash use the same instance)."""
    key = (language, max_lexemes)
    if key not in _SHARED:
        _SHARED[key] = FastSpacyTokenizer(language, max_lexemes)
    return _SHARED[key]
