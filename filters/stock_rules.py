"""datatrove's stock quality rules, with the same verdicts, computed with fewer Python operations.

`GopherQuality` is datatrove's `GopherQualityFilter` with its per-word tests (symbol-only word,
word with a letter) run once per distinct word instead of once per word, and only for the words
not all letters (an all-letter word has a letter and is not a symbol word); character counts from
the numbered words' lengths and counts.

`GopherRepetition` is datatrove's `GopherRepetitionFilter` (same settings, same checks in the same
order, same reasons); only its n-gram counting is cheaper. It was a third of the quality step's
time on real pages: datatrove builds every n-gram with `" ".join(words[i:i+n])` (a list slice and
a join per word and per n, nine times per document). Here the top n-grams are counted as tuples of
word ids, and the duplicate-n-gram walk (datatrove's `find_all_duplicate`, whose result depends on
the positions it visits) only looks at the n-grams that occur more than once, found by hashing
every n-gram of the joined words with array operations (strings built only for those). Hand-written
because datatrove has no cheaper path and no maintained library computes these Gopher statistics;
tests compare it with datatrove's own functions.
"""
from __future__ import annotations

from collections import Counter
from itertools import filterfalse

import numpy as np

from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.filters.c4_filters import CITATION_REGEX, ELLIPSIS, END_PUNCTUATION, POLICY_SUBSTRINGS
from datatrove.pipeline.filters.gopher_repetition_filter import find_duplicates
from datatrove.utils.text import PUNCTUATION_SET, split_into_sentences, split_into_words

_PUNCTUATION = frozenset(PUNCTUATION_SET)
assert not any(map(str.isalpha, _PUNCTUATION))  # GopherQuality's tests rely on it

__all__ = [
    "C4Quality", "GopherQuality", "GopherRepetition", "JoinedWords", "WordIds", "top_duplicate_chars", "all_duplicate_chars",
    "letterless_count", "split_lines", "split_paragraphs",
]


class WordIds:
    """The words of a text numbered: `ids[i]` (a numpy array) is `words[i]`'s first-seen rank
    among the distinct words (equal words, equal ids), `distinct` those words in first-seen order,
    `counts[id]` and `lengths[id]` (numpy) each one's count and length, `spaced` whether a word
    contains a space, `rank` each distinct word's id. `WordIds.of(words)` numbers one list once
    for every rule that reads it."""

    __slots__ = ("words", "ids", "rank", "distinct", "counts", "lengths", "spaced")
    _last: tuple[list[str], "WordIds"] | None = None

    def __init__(self, words: list[str]):
        rank = dict(zip(dict.fromkeys(words), range(len(words))))  # first-seen rank
        self.words = words
        self.rank = rank  # word → its id
        self.distinct = list(rank)
        self.ids = np.fromiter(map(rank.__getitem__, words), dtype=np.int64, count=len(words))
        self.counts = np.bincount(self.ids, minlength=len(rank))
        self.lengths = np.fromiter(map(len, self.distinct), dtype=np.int64, count=len(rank))
        self.spaced = " " in "".join(rank)

    @classmethod
    def of(cls, words: list[str]) -> "WordIds":
        """`WordIds(words)`, computed once per list: datatrove's `split_into_words` returns the same
        list object for the same text (its lru_cache), so the repetition and quality rules judging
        one prose number its words once. Keyed by identity, holding the list (its id stays
        unique while it is held); a list is never changed after the split."""
        last = cls._last
        if last is not None and last[0] is words:
            return last[1]
        numbered = cls(words)
        cls._last = (words, numbered)
        return numbered


def top_duplicate_chars(words: list[str], n: int, numbered: WordIds | None = None) -> int:
    """datatrove's `find_top_duplicate(get_n_grams(words, n))`: characters of the most frequent
    space-joined n-gram times its count (the first one seen on ties, as `Counter.most_common`).

    The n-grams are counted as word ids, not as strings: when no word contains a space,
    `" ".join` of n words is one-to-one (`str.split(" ")` gives the n words back), so equal id
    sequences and equal strings are the same thing: same counts; the string's length is its
    words' lengths plus n - 1 spaces. Each n-gram's ids are packed into one integer
    (base: the number of distinct words, so packing is one-to-one while it fits in 63 bits) and
    counted as runs of equal keys once sorted; `Counter.most_common(1)` is the first of the most
    frequent in first-seen order, i.e. the one whose first occurrence comes first: the first
    position holding one of the keys with the top count. When a word contains a space the strings themselves are
    counted; when the packing would not fit, tuples of ids (same reasoning)."""
    numbered = numbered or WordIds(words)
    if numbered.spaced:
        counts = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        gram, count = counts.most_common(1)[0]
        return len(gram) * count
    ids, lengths, base = numbered.ids, numbered.lengths, len(numbered.distinct)
    grams = len(ids) - n + 1
    if base**n >= 2**63:
        tuples = Counter(zip(*[ids[k:].tolist() for k in range(n)]))
        gram_ids, count = tuples.most_common(1)[0]
        return (int(lengths[list(gram_ids)].sum()) + n - 1) * count
    keys = ids[:grams].copy()
    for k in range(1, n):
        keys *= base
        keys += ids[k : k + grams]
    # The largest run of equal keys once sorted (a plain sort: `np.unique` with first indices
    # argsorts, several times slower); then the first position holding one of the keys with that
    # count (every n-gram once: the first one).
    ordered = np.sort(keys)
    bounds = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
    runs = np.diff(bounds)
    count = int(runs.max())
    if count == 1:
        start = 0
    else:
        top = ordered[bounds[:-1][runs == count]]  # sorted, distinct
        if len(top) == 1:
            start = int(np.argmax(keys == top[0]))
        else:
            start = int(np.argmax(top[np.minimum(np.searchsorted(top, keys), len(top) - 1)] == keys))
    return (int(lengths[ids[start : start + n]].sum()) + n - 1) * count


# Polynomial hash of a string s: sum of ord(s[t]) * _BASE**t modulo 2**64, numpy's uint64
# arithmetic wrapping around (no division). Only equal hashes are compared, and the strings of the
# candidates are compared after (`all_duplicate_chars`), so a collision changes nothing.
_BASE = 1_000_003  # odd: its powers never vanish modulo 2**64
_powers = np.ones(1, dtype=np.uint64)  # _BASE**t modulo 2**64, grown on demand


def _base_powers(count: int) -> np.ndarray:
    global _powers
    while len(_powers) < count:
        step = np.uint64(pow(_BASE, len(_powers), 2**64))
        with np.errstate(over="ignore"):
            _powers = np.concatenate([_powers, _powers * step])
    return _powers


def letterless_count(others) -> int:
    """How many of the words in `others` — (word, count) pairs of distinct words that are not all
    letters — have no letter at all. Words with a letter are all the others: the all-letter ones
    (most words) are set aside in C with `filterfalse(str.isalpha, …)`, and only these are tested
    character by character."""
    return sum(c for w, c in others if not any(map(str.isalpha, w)))


class JoinedWords:
    """`"".join(words)`, each word's start in it (`offsets`, and the end), and prefix hashes of its
    characters, from which any substring's hash takes a few array operations."""

    __slots__ = ("joined", "offsets", "starts", "prefix", "powers", "word_prefix", "word_scale")

    def __init__(self, words: list[str], numbered: WordIds | None = None):
        self.joined = "".join(words)
        self.starts = np.zeros(len(words) + 1, dtype=np.int64)
        if numbered is not None:
            lengths = numbered.lengths[numbered.ids]
        else:
            lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        np.cumsum(lengths, out=self.starts[1:])
        self.offsets = self.starts.tolist()
        codes = np.frombuffer(self.joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        self.powers = _base_powers(len(codes) + 1)
        self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * self.powers[: len(codes)], out=self.prefix[1:])
        # Per word start a: prefix[a] and _BASE**(len - a), gathered once for every n.
        self.word_prefix = self.prefix[self.starts]
        self.word_scale = self.powers[len(self.joined) - self.starts]

    def repeated_grams(self, n: int) -> list[int]:
        """Start (word index) of every n-gram whose (hash, length) occurs more than once, in order.
        Equal strings have equal hashes and lengths, so every n-gram whose string occurs more than
        once is listed (hash collisions may list others: the caller compares the strings)."""
        count = len(self.offsets) - n
        if count < 2:
            return []
        # (prefix[b] - prefix[a]) is the n-gram's hash times _BASE**a; times _BASE**(len - a) it
        # is the hash times _BASE**len for every n-gram, comparable across positions. The
        # n-gram's length is mixed in (xor), so that strings of different lengths seldom meet.
        word_prefix = self.word_prefix
        keys = (word_prefix[n:] - word_prefix[:count]) * self.word_scale[:count]
        keys ^= (self.starts[n:] - self.starts[:count]).astype(np.uint64)
        # The keys that occur more than once: equal neighbours once sorted (a plain sort is ~3x
        # cheaper than an argsort); then every position whose key is one of them, in order.
        ordered = np.sort(keys)
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            return []
        twice = ordered[1:][same]  # sorted, with repeats: searchsorted finds any equal one
        found = twice[np.minimum(np.searchsorted(twice, keys), len(twice) - 1)]
        return np.flatnonzero(found == keys).tolist()


def all_duplicate_chars(words: list[str], n: int, joined: JoinedWords | None = None) -> int:
    """datatrove's `find_all_duplicate(words, n)`: characters of the n-grams (words joined without
    a separator) already seen at a visited position; after a repeat the walk jumps n words.

    Only n-grams whose string occurs more than once can be repeats or make one; the walk over the
    others changes nothing, so it visits just those positions (skipping n words after each
    repeat). They are found by hashing every n-gram (array operations, no string per n-gram);
    only the candidates' strings are built and compared, so a hash collision changes nothing."""
    joined = joined or JoinedWords(words)
    candidates = joined.repeated_grams(n)
    if not candidates:
        return 0
    text, offsets = joined.joined, joined.offsets
    grams = {i: text[offsets[i] : offsets[i + n]] for i in candidates}
    counts = Counter(grams.values())
    unique: set[str] = set()
    repeated, resume = 0, 0
    for idx in candidates:
        gram = grams[idx]
        if idx < resume or counts[gram] < 2:
            continue
        if gram in unique:
            repeated += len(gram)
            resume = idx + n
        else:
            unique.add(gram)
    return repeated


def split_lines(text: str) -> list[str]:
    """`re.split("\n+", text)` (datatrove's line split) with `str.split`, ~8x cheaper: the pieces
    between newlines, less the empty ones a run of newlines leaves inside (the first and last
    piece stay, even empty, as `re.split` keeps them)."""
    pieces = text.split("\n")
    if len(pieces) < 3:
        return pieces
    return [pieces[0], *filter(None, pieces[1:-1]), pieces[-1]]


def split_paragraphs(stripped: str) -> list[str]:
    """`re.split("\n{2,}", stripped)` (datatrove's paragraph split) for a text without leading
    or trailing whitespace, with `str.split`: cutting at every "\n\n" leaves, for a longer run of
    newlines, empty pieces and one newline at the start of the next piece; neither is part of a
    paragraph (no paragraph starts with a newline or is empty between two runs)."""
    if "\n\n" not in stripped:
        return [stripped]
    return [p for p in (piece.lstrip("\n") for piece in stripped.split("\n\n")) if p]


class GopherRepetition(GopherRepetitionFilter):
    """`GopherRepetitionFilter` with cheaper n-gram counting; same arguments, same verdicts."""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        # datatrove's checks, in its order; the paragraph and line parts are its own code.
        text = doc.text
        if not text:
            return False, "empty"
        paragraphs = split_paragraphs(text.strip())  # self.paragraph_exp.split, cheaper
        paragraphs_duplicates, char_duplicates = find_duplicates(paragraphs)
        if self.dup_para_frac and paragraphs_duplicates / len(paragraphs) > self.dup_para_frac:
            return False, "dup_para_frac"
        if self.dup_para_char_frac and char_duplicates / len(text) > self.dup_para_char_frac:
            return False, "dup_para_char_frac"
        lines = split_lines(text)  # self._line_splitter.split, cheaper
        line_duplicates, char_duplicates = find_duplicates(lines)
        if self.dup_line_frac and line_duplicates / len(lines) > self.dup_line_frac:
            return False, "dup_line_frac"
        if self.dup_line_char_frac and char_duplicates / len(text) > self.dup_line_char_frac:
            return False, "dup_line_char_frac"
        if not self.top_n_grams and not self.dup_n_grams:
            return True
        words = split_into_words(text, self.language)
        if self.top_n_grams:
            numbered = WordIds.of(words)
            for n, n_frac in self.top_n_grams:
                if len(words) < n:
                    continue
                if top_duplicate_chars(words, n, numbered) / len(text) > n_frac:
                    return False, f"top_{n}_gram"
        if self.dup_n_grams:
            joined = JoinedWords(words, WordIds.of(words))
            for n, n_frac in self.dup_n_grams:
                if all_duplicate_chars(words, n, joined) / len(text) > n_frac:
                    return False, f"duplicated_{n}_n_grams"
        return True



class GopherQuality(GopherQualityFilter):
    """`GopherQualityFilter` with its word tests run per distinct word; same arguments, verdicts."""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        # datatrove's checks, in its order, on word counts instead of word lists.
        text = doc.text
        words = split_into_words(text, self.language)
        n_words = len(words)
        numbered = WordIds.of(words)  # usually numbered already by the repetition rule
        counts, rank = numbered.counts.tolist(), numbered.rank  # Counter(words), by word id
        # The distinct words not all letters (a letter is never in PUNCTUATION_SET, so the others
        # are neither symbol words nor words without a letter), set aside in C, with counts.
        others = [(w, counts[rank[w]]) for w in filterfalse(str.isalpha, numbered.distinct)]
        # "a character not in PUNCTUATION_SET" is "the word's characters are not all in it".
        symbols = [(w, c) for w, c in others if _PUNCTUATION.issuperset(w)]
        n_non_symbol_words = n_words - sum(c for _, c in symbols)
        if self.min_doc_words and n_non_symbol_words < self.min_doc_words:
            return False, "gopher_short_doc"
        if self.max_doc_words and n_non_symbol_words > self.max_doc_words:
            return False, "gopher_long_doc"
        # np.mean of the lengths: an exact float sum divided by the count (nan when empty)
        chars = int(numbered.lengths @ numbered.counts) - sum(len(w) * c for w, c in symbols)
        avg_n_words = chars / n_non_symbol_words if n_non_symbol_words else float("nan")
        if self.min_avg_word_length and avg_n_words < self.min_avg_word_length:
            return False, "gopher_below_avg_threshold"
        if self.max_avg_word_length and avg_n_words > self.max_avg_word_length:
            return False, "gopher_above_avg_threshold"
        if self.max_symbol_word_ratio and text.count("#") / n_words > self.max_symbol_word_ratio:
            return False, "gopher_too_many_hashes"
        if self.max_symbol_word_ratio and (text.count("...") + text.count("…")) / n_words > self.max_symbol_word_ratio:
            return False, "gopher_too_many_ellipsis"
        lines = text.splitlines()
        if (
            self.max_bullet_lines_ratio
            and sum(s.lstrip().startswith("•") or s.lstrip().startswith("-") for s in lines) / len(lines)
            > self.max_bullet_lines_ratio
        ):
            return False, "gopher_too_many_bullets"
        if (
            self.max_ellipsis_lines_ratio
            and sum(s.rstrip().endswith("...") or s.rstrip().endswith("…") for s in lines) / len(lines)
            > self.max_ellipsis_lines_ratio
        ):
            return False, "gopher_too_many_end_ellipsis"
        if self.max_non_alpha_words_ratio:
            alpha_words = n_words - letterless_count(others)
            if alpha_words / n_words < self.max_non_alpha_words_ratio:
                return False, "gopher_below_alpha_threshold"
        if self.min_stop_words and len(self.stop_words.intersection(rank)) < self.min_stop_words:
            return False, "gopher_enough_stop_words"
        return True


def _no_stats(*labels: str) -> None:
    pass


class C4Quality(C4QualityFilter):
    """`C4QualityFilter` that stops splitting kept lines into sentences once the document has
    `min_num_sentences`; same arguments, same verdicts, same rewritten text and line stats.

    Why that cannot change anything: the sentence count is only read by the final
    `num_sentences < min_num_sentences` test and only ever grows (a line adds ≥ 0 sentences), so
    once it reaches `min_num_sentences` that test is False whatever later lines add; the other
    line checks (and the whole-document drops, lorem ipsum and curly bracket) still run on every
    line. The per-line sentence split was a sixth of the quality step on real pages. Two cheaper
    spellings of the same tests: the citation regex (all its patterns start with "[") runs only
    on texts with a "[", and "a word longer than the limit" is the longest word's length, looked
    at only on lines longer than the limit.

    `line_stats=False` skips the per-line counters (`line-total`, `line-kept`, `line-filter-*`):
    for a rule used inside another step (`QualitySignals`), whose stats no one collects, they
    were a tenth of the rule's time (a datatrove `Stats` update per line)."""

    def __init__(self, *args, line_stats: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_stats = line_stats

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        # datatrove's loop, in its order; only the sentence counting stops early.
        stat_update = self.stat_update if self.line_stats else _no_stats
        lines = doc.text.splitlines() if self.split_paragraph else split_into_sentences(doc.text, self.language)
        enough = self.min_num_sentences
        num_sentences = 0
        kept_lines = []
        # Every citation pattern starts with "[": a text without one has nothing to remove.
        remove_citations = self.remove_citations and "[" in doc.text
        for line in lines:
            line = line.strip()
            words = line.split()
            stat_update("line-total")
            # (a word is no longer than its line: most lines need no word lengths at all)
            if (self.max_word_length != -1 and len(line) > self.max_word_length
                    and max(map(len, words), default=0) > self.max_word_length):
                stat_update("line-filter-too_long_word")
                continue
            if remove_citations:
                line = CITATION_REGEX.sub("", line)
            if self.filter_no_terminal_punct and (not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)):
                stat_update("line-filter-no_terminal_punc")
                continue
            if len(words) < self.min_words_per_line:
                stat_update("line-filter-too_few_words")
                continue
            line_l = line.lower()
            if self.filter_lorem_ipsum and "lorem ipsum" in line_l:
                return False, "lorem_ipsum"
            if self.filter_javascript and "javascript" in line_l:
                stat_update("line-filter-javascript")
                continue
            if self.filter_curly_bracket and "{" in line:
                return False, "curly_bracket"
            if self.filter_policy and any(p in line_l for p in POLICY_SUBSTRINGS):
                stat_update("line-filter-policy")
                continue
            if enough != -1 and num_sentences < enough:
                num_sentences += len(split_into_sentences(line, self.language)) if self.split_paragraph else 1
            kept_lines.append(line)
            stat_update("line-kept")
        if num_sentences < enough:
            return False, "too_few_sentences"
        doc.text = ("\n" if self.split_paragraph else " ").join(kept_lines).strip()
        return True
