"""Math- and code-aware quality signals.

datatrove's stock Gopher / C4 / FineWeb rules are applied, with their FineWeb settings, to the
*prose view* of a document (`filters.prose`: code, equation lines, tables, repeated quotes and
captions set aside, formulas as words), because on the whole text those rules destroy math and
code pages (C4 drops any page with a `{`, Gopher counts `#` comments as symbols, FineWeb's line
ratios hit code and display math). A rule group that cannot judge a page (another language, or
too little prose on a page mostly set aside) records null instead of a verdict. Every verdict is
recorded as columns and reasons; in `filter` mode a document failing any rule is rejected with
all its reasons, in `tag` mode it is kept and only tagged. Rules and figures: docs/quality.md.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import filterfalse
from typing import Literal

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.pipeline.filters.gopher_quality_filter import STOP_WORDS
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.word_tokenizers import WordTokenizer

from filters.prose import Prose, prose_only, prose_view  # noqa: F401 - prose_only: re-exported
from filters.stock_rules import C4Quality, GopherQuality, GopherRepetition, letterless_count
from filters.words import shared_tokenizer

_WORD = re.compile(r"\w+", re.U)
_SYMBOLS = ("#", "...", "…")

# The code points whose `str.lower()` is a given ASCII letter: the letter and its capital, and
# the Kelvin sign (U+212A) for k; no other code point lowers to an ASCII letter or to a longer
# ASCII string (tests check every code point).
_LOWERS_TO = {c: {c, c.upper()} | ({"\u212a"} if c == "k" else set()) for c in "abcdefghijklmnopqrstuvwxyz"}


def _case_variants(word: str) -> set[str]:
    """Every string whose `str.lower()` is `word` (ASCII letters): the spellings of each letter."""
    variants = {""}
    for c in word:
        variants = {v + u for v in variants for u in _LOWERS_TO[c]}
    return variants


# The words `w` with `w.lower() in STOP_WORDS` (datatrove's stop words are lowercase ASCII):
# a page's stop words are the intersection of its distinct words with this set, one C call
# instead of lowering every distinct word.
_STOP_SPELLINGS = frozenset().union(*map(_case_variants, STOP_WORDS))
_PUNCT_END = (".", "!", "?", '"', "'", "。", "！", "？", ":", ";")

# Minimum share of words containing a letter for pages with math or code (stock Gopher: 0.8).
MATH_CODE_MIN_ALPHA_WORDS = 0.6

# FineWeb's language threshold (examples/fineweb.py LanguageFilter): below it, lid.176 has not
# identified the language, and such a page is judged by the rules rather than exempted from them.
LANGUAGE_MIN_SCORE = 0.65

# Scripts written without spaces between words.
UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "km", "my", "bo", "wuu", "yue"}

# Rule groups that make up the recorded verdicts.
RULES = ("gopher", "c4", "fineweb")


def compute_signals(text: str) -> dict[str, float | int]:
    """Cheap, language-neutral numeric signals on prose, stored as columns for later selection."""
    lines = [ln for ln in map(str.strip, text.split("\n")) if ln]
    # The `\w+` words, in another order (every use below counts them): a whitespace-separated
    # chunk made only of letters and digits (`str.isalnum`, most of them) is one such word, the
    # rest are searched with the regex (whitespace is never `\w`, so no word spans two chunks).
    # One regex pass over the whole text was half of this function.
    chunks = text.split()
    words = list(filter(str.isalnum, chunks))
    words += _WORD.findall(" ".join(filterfalse(str.isalnum, chunks)))
    n_words = len(words)
    word_counts = Counter(words)  # per-word tests once per distinct word
    others = [(w, word_counts[w]) for w in filterfalse(str.isalpha, word_counts)]  # not all letters
    n_lines = len(lines)
    line_counts = Counter(lines)
    dup_lines = sum(c for c in line_counts.values() if c > 1)
    return {
        "n_chars": len(text),
        "n_words": n_words,
        "n_lines": n_lines,
        "mean_word_length": (sum(map(len, words)) / n_words) if n_words else 0.0,
        "symbol_word_ratio": (sum(text.count(s) for s in _SYMBOLS) / n_words) if n_words else 0.0,
        "alpha_word_ratio": ((n_words - letterless_count(others)) / n_words) if n_words else 0.0,
        "stop_word_count": sum(map(word_counts.__getitem__, _STOP_SPELLINGS.intersection(word_counts))),
        "dup_line_frac": (dup_lines / n_lines) if n_lines else 0.0,
        "line_punct_ratio": (sum(1 for ln in lines if ln.endswith(_PUNCT_END)) / n_lines) if n_lines else 0.0,
        "short_line_ratio": (sum(1 for ln in lines if len(ln) <= 30) / n_lines) if n_lines else 0.0,
    }


class QualitySignals(BaseFilter):
    """Records signal columns and the verdict of datatrove's Gopher (quality + repetition), C4 and
    FineWeb rules on the document's prose.

    The English-calibrated rules (Gopher quality, C4, FineWeb) are only judged for documents whose
    `language` is in `rule_languages`, as FineWeb did, or whose language lid.176 could not identify
    (score under FineWeb's 0.65: keyword lists, link lists); Gopher's repetition rules apply to
    every language. The rules judge the prose view (`filters.prose`); a page mostly set aside,
    with less prose than Gopher's minimum document, is not judged (`*_pass` null). On pages with
    math or code (extractor metadata) the letter-word share and C4's curly-bracket rule are relaxed.

    `tokenizer`: the word splitter the rules use; default the shared `FastSpacyTokenizer`.
    `"eng"` gives datatrove's stock splitting (the decision-agreement test and bench compare them).
    """

    name = "📐 Quality signals"

    def __init__(
        self,
        mode: Literal["filter", "tag"] = "filter",
        rule_languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
        tokenizer: WordTokenizer | str | None = None,
    ):
        super().__init__(exclusion_writer)
        self.mode = mode
        self.rule_languages = set(rule_languages or ["en"])
        # Every rule splits with the process's one `FastSpacyTokenizer` (datatrove's English spaCy
        # split, the stock default for these filters, memoised per whitespace chunk); datatrove
        # memoises the split per (text, tokenizer), so the rules judging one prose share its words.
        words = tokenizer if tokenizer is not None else shared_tokenizer("en")
        # A language code means datatrove's stock path throughout (the comparison baseline);
        # otherwise Gopher's rules count n-grams and words the cheaper way (same verdicts).
        stock = isinstance(words, str)
        repetition = GopherRepetitionFilter if stock else GopherRepetition
        quality = GopherQualityFilter if stock else GopherQuality
        c4 = C4QualityFilter if stock else C4Quality
        # FineWeb's settings of the stock filters (examples/fineweb.py).
        self.gopher_repetition = repetition(language=words)
        # Word n-gram rules need word boundaries; for unspaced scripts datatrove's default tokenizer
        # yields whole clauses as "words", so only the line and paragraph duplicate rules apply.
        self.gopher_repetition_unspaced = repetition(top_n_grams=(), dup_n_grams=(), language=words)
        self.gopher_quality = quality(language=words)
        # On math and code pages numbers, operators and symbols are words, so the stock
        # "≥ 80% of words contain a letter" rule rejects most of them (FineMath's finding).
        self.gopher_quality_technical = quality(
            max_non_alpha_words_ratio=MATH_CODE_MIN_ALPHA_WORDS, language=words
        )
        # This step's stats record the verdicts; the sub-rules' own stats are never collected, so
        # ours skips C4's per-line counters (the stock baseline keeps datatrove's filter as is).
        c4_options = {} if stock else {"line_stats": False}
        self.c4 = c4(filter_no_terminal_punct=False, language=words, **c4_options)
        # C4 drops any page with a `{`: every LaTeX or C-family page. Not on technical pages.
        self.c4_technical = c4(filter_no_terminal_punct=False, filter_curly_bracket=False, language=words, **c4_options)
        self.fineweb = FineWebQualityFilter(language=words)

    @staticmethod
    def _verdict(rule: BaseFilter, text: str, doc_id: str) -> str | None:
        # The stock filters may rewrite doc.text (C4 drops lines); judge a throwaway copy.
        ok, reason = get_filter_result(rule.filter(Document(text=text, id=doc_id)))
        return None if ok else (reason or rule.name)

    def judgeable(self, prose: Prose, n_words: int) -> bool:
        """Whether the rules can judge this prose: a page that is mostly set aside (more lines of
        code, equations and tables than of prose) and whose prose is under Gopher's own minimum
        document size is a formula sheet or a code listing with captions; the prose rules would
        judge the captions, so they record "cannot judge" instead. Pages with nothing set aside
        are always judged (a thin page is still rejected as too short)."""
        return n_words >= self.gopher_quality.min_doc_words or prose.set_aside <= prose.lines

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        view = prose_view(doc.text)
        prose = view.text
        signals = compute_signals(prose)
        doc.metadata.update(signals, n_set_aside_lines=view.set_aside)
        language = doc.metadata.get("language", "en")
        judgeable = self.judgeable(view, signals["n_words"])
        identified = doc.metadata.get("language_score", 1.0) >= LANGUAGE_MIN_SCORE
        english_rules = judgeable and (
            language in self.rule_languages or not (identified or language in UNSPACED_LANGUAGES)
        )
        technical = bool(doc.metadata.get("has_math") or doc.metadata.get("has_code"))
        failed: dict[str, list[str]] = {rule: [] for rule in RULES}
        judged: set[str] = set()
        for group, rule, applies in (
            ("gopher", self.gopher_repetition_unspaced if language in UNSPACED_LANGUAGES else self.gopher_repetition,
             judgeable),
            ("gopher", self.gopher_quality_technical if technical else self.gopher_quality, english_rules),
            # FineWeb before C4: datatrove memoises only the last few splits and C4 splits every
            # line, so this order lets FineWeb reuse the prose's words. `quality_reasons` lists
            # the groups in RULES order whatever the order they are judged in.
            ("fineweb", self.fineweb, english_rules),
            ("c4", self.c4_technical if technical else self.c4, english_rules),
        ):
            if not applies:
                continue
            judged.add(group)
            if reason := self._verdict(rule, prose, doc.id):
                failed[group].append(reason if reason.startswith(group) else f"{group}_{reason}")
        for group in RULES:
            # None: the group judged nothing (another language, or a page its rules cannot judge).
            doc.metadata[f"{group}_pass"] = (not failed[group]) if group in judged else None
            if group not in judged:
                self.stat_update(f"unjudged_{group}")
        reasons = [r for group in RULES for r in failed[group]]
        doc.metadata["quality_reasons"] = ";".join(reasons)
        doc.metadata["quality_pass"] = not reasons
        for r in reasons:
            self.stat_update(f"failed_{r}")
        if reasons and self.mode == "filter":
            # The first failed rule names the rejection; `quality_reasons` keeps all of them.
            return False, reasons[0]
        return True
