"""filters.words.FastSpacyTokenizer (datatrove's English spaCy split, memoised per chunk) against
datatrove's stock `SpaCyTokenizer`, filters.stock_rules against datatrove's Gopher filters, and the
quality rules' decisions with each on the project's sample crawl (bench/quality_split.py does the
same on ../shared/data/web)."""
from __future__ import annotations

from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters import GopherQualityFilter
from datatrove.utils.word_tokenizers import load_word_tokenizer

from filters.quality import QualitySignals, prose_only
from filters.words import FastSpacyTokenizer

SAMPLE_CRAWL = Path(__file__).resolve().parents[2] / "data" / "sample-crawl"
EDGE_TEXTS = [
    "",
    "   ",
    "One sentence without a mark",
    "Two sentences. Here they are!",
    "Ends with marks?!...",
    "Quotes: \"Is it?\" she asked. (Yes.) Then... nothing",
    "Devanagari। Danda॥ and 。Chinese stops",
    "a line\n\nwith  double  spaces\tand tabs.\n  indented. next",
    "IS_ALPHA breaks spaCy's tokenizer, datatrove removes it.",
    "e.g. U.S. vs. Dr. Smith's $3.50 (approx.) — http://x.org/a?b=c. Done.",
]


@pytest.fixture(scope="session")
def sample_docs() -> list[Document]:
    """The sample crawl as it reaches the quality step: WARC → extractor → language ID."""
    from filters.extraction import MathCodeExtractor
    from filters.language import LanguageID
    from filters.readers import RobustWarcReader

    data = None
    for step in (RobustWarcReader(str(SAMPLE_CRAWL), glob_pattern="*.warc*"), MathCodeExtractor(timeout=60), LanguageID()):
        data = step(data, 0, 1)
    docs = list(data)
    assert len(docs) > 300
    return docs


def test_fast_split_gives_datatrove_words_and_sentences(sample_docs) -> None:
    stock, fast = load_word_tokenizer("eng"), FastSpacyTokenizer("en")
    proses = [prose_only(d.text) for d in sample_docs]
    texts = EDGE_TEXTS + proses + [ln.strip() for p in proses[:80] for ln in p.splitlines()]
    for text in texts:
        assert fast.word_tokenize(text) == stock.word_tokenize(text), text[:200]
        assert fast.span_tokenize(text) == stock.span_tokenize(text), text[:200]
        assert fast.sent_tokenize(text) == stock.sent_tokenize(text), text[:200]


def test_shortcut_chunks_match_spacy(sample_docs) -> None:
    """Chunks that skip spaCy (letters; letters plus a trailing , ; ! ?; words and numbers with
    prefix/suffix punctuation split by the affix loop): every chunk of the sample crawl, raw and
    in prose, against spaCy's own tokens and punctuation flags, one chunk per call."""
    import spacy

    nlp = spacy.blank("en")
    fast = FastSpacyTokenizer("en")
    chunks = {c for d in sample_docs for text in (d.text, prose_only(d.text)) for c in text.split()}
    chunks |= {"cannot", "cannot,", "gonna!", "dont?", "Hello;", "e.g.,", "etc,", "(e.g.", "U.S.)", "10a.m.",
               "'s", "don't.", "(cannot)", "“Hi!”", "end...", "x....", "$3.50", "3km.", "°C.", "AB.", "A.",
               ":)", "(:", "—", "’", "''", "Mr.", "(Mr.", "http://x.org/a?b=c.", "(http://x.org).",
               "‘bar’.", "’80", "Kyrgios’", "day—and", "°c.", "(°f.)", "“It’s", "it’s.", "(it’s)", "’s", "—’", "’’"}
    assert len(chunks) > 2000
    fast._learn(sorted(chunks))
    affix = 0
    for c in chunks:
        expected = [(t.idx, t.idx + len(t), t.is_punct) for t in nlp.tokenizer(c)]
        assert [(a, b, kind != 0) for a, b, kind in fast._tokens(c)] == expected, c
        affix += not c.rstrip(",;!?").isalpha() and fast._affix_split(c) is not None
    assert affix > 500, affix  # the affix path was exercised (~1,300 chunks)


def test_suffix_search_window_gives_spacy_suffix(sample_docs) -> None:
    """`_find_suffix` searches near the end only, as far back as the widest suffix rule that can
    end with the last character: the same suffix as spaCy's `find_suffix` on every chunk of the
    sample crawl, on its chunks with characters cut from either end, and on every unit, currency
    and one-character ending after a digit, a letter, capitals and a degree sign."""
    from spacy.lang.char_classes import _currency, _units

    fast = FastSpacyTokenizer("en")
    fast._nlp()
    assert fast._suffix_rules is not None  # the English rules are bounded but for `\.\.+`
    assert fast._suffix_width(".") == 1 and fast._suffix_width("x") == 0 and fast._suffix_width("h") >= 3
    spacy_tokenizer = fast._spacy
    strings = {c for d in sample_docs for c in d.text.split()}
    strings |= {c[k:] for c in list(strings) for k in range(1, 4)} | {c[:-k] for c in list(strings) for k in range(1, 4)}
    strings |= {"a..", "...", "x.....", "5km", "5km.", "°F.", "AB.", "it's", "’s", "a%", "3$"}
    endings = set(_units.split()) | set(_currency.replace("\\", "").split())
    endings |= {chr(cp) for cp in range(0x3000)} | {"'s", "'S", "’s", "’S", "……"}
    strings |= {head + e + tail for e in endings for head in ("5", "a", "AB", "°F", "") for tail in ("", ".")}
    for s in filter(None, strings):
        assert fast._find_suffix(s) == spacy_tokenizer.find_suffix(s), s


def test_last_character_of_a_rule_is_read_or_left_unknown() -> None:
    """`_last_elements` (which characters can end a suffix rule's match): literals, classes and
    branches are read through groups and lookarounds; anything it cannot be sure of (an optional
    last element, local flags such as case-insensitivity) is unknown, so that rule is searched at
    its full width."""
    import re._compiler as compiler
    import re._parser as parser

    from filters.words import _last_elements

    def ends(pattern: str) -> str | None:
        """The characters of a sample that can end a match, by the elements read."""
        found = _last_elements(parser.parse(pattern).data)
        if found is None:
            return None
        testers = [compiler.compile(parser.SubPattern(parser.parse("").state, [e])) for e in found]
        return "".join(c for c in ".1abcxyz" if any(t.fullmatch(c) for t in testers))

    assert ends(r"(?<=[0-9])(?:km|ab|x)") == "bx"  # "m" is not in the sample
    assert ends(r"[a-c]\.(?=x)") == "."
    assert ends(r"(?:y|z)+") == "yz"
    assert ends(r"ab?") is None and ends(r"(?i:ab)") is None and ends(r"") is None


def test_memo_is_bounded_and_clearing_keeps_the_split() -> None:
    stock = load_word_tokenizer("eng")
    fast = FastSpacyTokenizer("en", max_chunks=300)
    text = " ".join(f"word{i} (sentence{i})." for i in range(200))  # 400 distinct chunks
    first = fast.word_tokenize(text)
    assert first == stock.word_tokenize(text) and fast.clears == 1
    assert len(fast._words) + len(fast._toks) <= 2 * 400
    lines = [f"Line {i}: first. Second{i}!  Third\t(part {i})... end" for i in range(120)]
    for line in lines:  # keeps filling and clearing the memo
        assert fast.span_tokenize(line) == stock.span_tokenize(line), line
        assert fast.word_tokenize(line) == stock.word_tokenize(line), line
    assert fast.clears > 1 and len(fast._words) + len(fast._toks) <= 2 * 300
    assert fast.word_tokenize(text) == first


def test_stock_rules_give_datatrove_verdicts(sample_docs) -> None:
    """filters.stock_rules (cheaper n-gram and word counting) against datatrove's own filters,
    on the sample crawl's prose and on texts whose words join into the same strings."""
    import random

    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.filters.gopher_repetition_filter import find_all_duplicate, find_top_duplicate, get_n_grams

    from filters.stock_rules import C4Quality, GopherQuality, GopherRepetition, all_duplicate_chars, top_duplicate_chars

    rng = random.Random(3)
    tricky = [[rng.choice(["a", "b", "ab", "ba", "abc", "c"]) for _ in range(rng.randint(0, 80))] for _ in range(200)]
    # words with spaces (" ".join no longer one-to-one) and empty words: the string path
    spaced = [[rng.choice(["a", "b", "a b", " ", "", "b a"]) for _ in range(rng.randint(1, 60))] for _ in range(100)]
    tricky += spaced
    for words in tricky:
        for n in (2, 3, 4):
            if len(words) >= n:
                assert top_duplicate_chars(words, n) == find_top_duplicate(get_n_grams(words, n)), (words, n)
        for n in range(1, 11):
            assert all_duplicate_chars(words, n) == find_all_duplicate(words, n), (words, n)
    texts = [prose_only(d.text) for d in sample_docs] + [" ".join(w) + "." for w in tricky]
    # C4's longest word: a line with a word over 1,000 characters, one as long with short words
    long_lines = ["x" * 1001 + " is one long word here.", "short words " * 100 + "end.", "y" * 1000 + " fits."]
    texts += ["\n".join(long_lines), "\n".join(long_lines[1:]) + "\nA kept line with enough words."]
    words = FastSpacyTokenizer("en")  # the same words on both sides: this compares the rules
    no_lines = dict(dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None, dup_para_char_frac=None)
    pairs = [
        (GopherRepetition(language=words), GopherRepetitionFilter(language=words)),
        (GopherRepetition(**no_lines, language=words), GopherRepetitionFilter(**no_lines, language=words)),
        (GopherQuality(language=words), GopherQualityFilter(language=words)),
        (GopherQuality(max_non_alpha_words_ratio=0.6, min_doc_words=5, language=words),
         GopherQualityFilter(max_non_alpha_words_ratio=0.6, min_doc_words=5, language=words)),
        (C4Quality(language=words), C4QualityFilter(language=words)),
        (C4Quality(line_stats=False, language=words), C4QualityFilter(language=words)),
        (C4Quality(filter_no_terminal_punct=False, filter_curly_bracket=False, min_num_sentences=2, language=words),
         C4QualityFilter(filter_no_terminal_punct=False, filter_curly_bracket=False, min_num_sentences=2, language=words)),
    ]

    def judged(rule, text: str) -> tuple:
        doc = Document(text=text, id="x")  # C4 rewrites the text: compare that too
        return rule.filter(doc), doc.text

    for ours, theirs in pairs:
        verdicts = [(judged(ours, t), judged(theirs, t)) for t in texts if t.strip()]
        assert all(a == b for a, b in verdicts), [v for v in verdicts if v[0] != v[1]][:5]
        assert len({str(b) for _, b in verdicts}) > 2  # several different verdicts exercised
        if getattr(ours, "line_stats", True):  # the same counters, unless asked not to keep them
            assert ours.stats.to_dict() == theirs.stats.to_dict()


def test_quality_decisions_match_stock_split_on_sample_crawl(sample_docs) -> None:
    fast, stock = QualitySignals(mode="tag"), QualitySignals(mode="tag", tokenizer="eng")

    def verdicts(rule) -> list[tuple[bool, str]]:
        out = []
        for d in sample_docs:
            doc = Document(text=d.text, id=d.id, metadata=dict(d.metadata))
            rule.filter(doc)
            out.append((doc.metadata["quality_pass"], doc.metadata["quality_reasons"]))
        return out

    ours, theirs = verdicts(fast), verdicts(stock)
    assert any(not ok for ok, _ in theirs) and any(ok for ok, _ in theirs)  # the sample exercises both
    differing = [(d.id, a, b) for d, a, b in zip(sample_docs, ours, theirs) if a != b]
    assert len(differing) <= 0.005 * len(sample_docs), differing


def test_stock_filters_keep_datatrove_split() -> None:
    """The fast split is passed to our rules only; a stock filter built elsewhere is untouched."""
    QualitySignals()
    assert GopherQualityFilter().language == "eng"
    from datatrove.pipeline.filters import gopher_quality_filter
    from datatrove.utils import text as dt_text

    assert gopher_quality_filter.split_into_words is dt_text.split_into_words


def test_pickling_returns_the_process_shared_splitter() -> None:
    """Executors pickle pipelines per task: a worker must reuse its process's loaded splitter."""
    import pickle

    from filters.words import shared_tokenizer

    tok = shared_tokenizer()
    tok.word_tokenize("Load the model.")
    assert pickle.loads(pickle.dumps(QualitySignals())).gopher_quality.language is tok


def test_duplicate_ngrams_exact_under_hash_collisions(monkeypatch) -> None:
    """`all_duplicate_chars` finds candidates by hash and compares strings: with bases that make
    hashes collide all the time (1: anagrams collide; 2**32: every power past the first vanishes
    modulo 2**64, so n-grams of one length collide) it still gives datatrove's values."""
    import random

    import numpy as np
    from datatrove.pipeline.filters.gopher_repetition_filter import find_all_duplicate

    from filters import stock_rules

    for base in (1, 2**32):
        monkeypatch.setattr(stock_rules, "_BASE", base)
        monkeypatch.setattr(stock_rules, "_powers", np.ones(1, dtype=np.uint64))
        rng = random.Random(5)
        for _ in range(200):
            words = [rng.choice(["a", "b", "ab", "ba", "", "é", "😀", "xyz"]) for _ in range(rng.randint(0, 60))]
            for n in range(1, 11):
                assert stock_rules.all_duplicate_chars(words, n) == find_all_duplicate(words, n), (words, n)


def test_signal_columns_match_their_definitions(sample_docs) -> None:
    """`compute_signals` finds its `\\w+` words per whitespace chunk and counts words with a
    letter and stop words through shortcuts (all-letter words set aside in C, stop words as the
    set of their spellings): the same numbers as the definitions, word by word, on the sample
    crawl's prose and on edge cases."""
    import re
    import sys

    from datatrove.pipeline.filters.gopher_quality_filter import STOP_WORDS

    from filters.quality import _LOWERS_TO, compute_signals

    # The spelling table: every code point that lowers to ASCII letters lowers to one letter,
    # and it is in that letter's entry.
    lowers = {}
    for cp in range(sys.maxunicode + 1):
        low = chr(cp).lower()
        if low and all(c.isascii() and c.isalpha() for c in low):
            lowers.setdefault(low, set()).add(chr(cp))
    assert lowers == _LOWERS_TO
    # The `\w+` words are split per whitespace chunk: no whitespace character is `\w`, and a
    # chunk of `str.isalnum` characters is one `\w+` word (`\w` is alnum or "_").
    word_char = re.compile(r"\w")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        assert bool(word_char.match(c)) == (c.isalnum() or c == "_") and not (c.isspace() and c.isalnum()), cp
    texts = [prose_only(d.text) for d in sample_docs] + [
        "THE The tHe \u212aelvin and AND And 123 4_5 _ ½ ² İthe The\u0307 WITH wİth \u212a THAT thaT Σ",
        "", "123 456", "the", "a\u00a0b\u2003c\u3000d_e  f-g,h.the", "__ _x x_ ½½ ²3",
    ]
    for text in texts:
        words = re.findall(r"\w+", text)
        signals = compute_signals(text)
        with_letter = sum(any(map(str.isalpha, w)) for w in words)
        assert signals["n_words"] == len(words), text[:200]
        assert signals["mean_word_length"] == (sum(map(len, words)) / len(words) if words else 0.0), text[:200]
        assert signals["alpha_word_ratio"] == (with_letter / len(words) if words else 0.0), text[:200]
        assert signals["stop_word_count"] == sum(w.lower() in STOP_WORDS for w in words), text[:200]


def test_line_and_paragraph_splits_are_datatrove_regex_splits() -> None:
    """`GopherRepetition` splits lines and paragraphs with `str.split`: the same pieces as
    datatrove's `\\n+` / `\\n{2,}` regexes on random texts of letters, spaces and newline runs."""
    import random

    from datatrove.pipeline.filters import GopherRepetitionFilter

    from filters.stock_rules import split_lines, split_paragraphs

    stock = GopherRepetitionFilter()
    rng = random.Random(2)
    for _ in range(50000):
        text = "".join(rng.choice(["a", "b", " ", "\n", "\n", "\t", "\r"]) for _ in range(rng.randint(0, 14)))
        assert split_lines(text) == stock._line_splitter.split(text), repr(text)
        assert split_paragraphs(text.strip()) == stock.paragraph_exp.split(text.strip()), repr(text)
