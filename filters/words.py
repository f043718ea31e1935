"""One word/sentence splitter for the quality rules and MinHash: datatrove's own English splitter
(spaCy's blank `en` tokenizer + sentencizer) with a per-chunk memo in front of it.

Why not datatrove's `SpaCyTokenizer` as is: it wraps every call in `memory_zone()`, which throws
away every lexeme the call created, so each document pays for building its whole vocabulary again
(~30 ms per real page, most of the crawl's per-document time). Even with the vocabulary kept,
spaCy still costs ~4 ms per real page: it builds a `Doc` of every token and its lookups slow down
on long pages, and each new word costs ~20 Python calls filling lexeme attributes the split never
reads (`_nlp` keeps the one it reads).

What this does instead (same words, same sentences; tests and bench/quality_split.py compare every
document with datatrove's stock split): spaCy's tokenizer cuts the text at whitespace first and
splits each chunk on its own (its own cache is keyed by the chunk's string), so the tokens of a
text are the concatenation of the tokens of its chunks. `FastSpacyTokenizer` keeps a dictionary
chunk → words (the tokens' offsets and kinds are built when the sentence rule first needs them);
a page's words are `text.split()` looked up in it, and only chunks never seen
before are split once: letters-only chunks (and letters plus a trailing , ; ! ?) need no rule at
all; most other chunks (punctuation around a word, numbers, hyphens) go through `_affix_split`,
spaCy's own per-chunk loop written out with spaCy's own prefix/suffix/infix regexes and special
cases (no `Doc`, no lexemes); the rest — chunks a special case touches — through spaCy, all of one
page's in one call (one chunk per line, so no special case can join two of them). Hand-written on
purpose: no maintained tokenizer reproduces spaCy's English split; the memo is a dictionary in
front of spaCy, and the affix loop calls spaCy's own rules rather than re-implementing them.
Sentences are spaCy's `Sentencizer` rule run over the memoised tokens.

The memo is bounded (`max_chunks`: cleared when full) and spaCy runs inside `memory_zone` on the
new chunks, so memory stays flat on long runs.

It is a datatrove `WordTokenizer`: pass the shared instance (`shared_tokenizer()`) as the
`language` argument of a stock filter or of `MinhashDedupSignature` (datatrove's
`load_word_tokenizer` accepts a tokenizer there). Filters built with a language code (e.g. a stock
pipeline in the same process) are untouched.
"""
from __future__ import annotations

import re
import re._compiler as _regex_compiler  # see `_bounded_suffix_rules`
import re._parser as _regex_parser  # pattern widths and last characters (same)
from re._constants import ANY, ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NOT_LITERAL, SUBPATTERN
import sys
from itertools import chain


def _import_thinc_without_torch() -> None:
    """spaCy imports thinc, whose optional PyTorch support imports torch when it is installed (it
    is, for the trainer): ~2 CPU seconds and ~180 MB of memory for every crawl process and
    Slurm task, for a blank English tokenizer that never uses it. Import thinc with torch hidden
    (`has_torch` False) unless torch or thinc is already loaded; `import torch` works as usual
    afterwards."""
    if "thinc.compat" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        import thinc.compat  # noqa: F401
    finally:
        del sys.modules["torch"]


_import_thinc_without_torch()

from datatrove.utils.word_tokenizers import SpaCyTokenizer  # noqa: E402
from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH  # noqa: E402
from spacy.pipeline import Sentencizer  # noqa: E402
from spacy.tokenizer import Tokenizer  # noqa: E402
from spacy.util import compile_suffix_regex  # noqa: E402

__all__ = ["FastSpacyTokenizer", "shared_tokenizer"]

# Entries of the word and token dictionaries together; one is a chunk's string plus its words
# or tokens, at most ~300 bytes: ~60 MB at the limit.
DEFAULT_MAX_CHUNKS = 200_000
_PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)
_PUNCT_STR = "".join(sorted(_PUNCT_CHARS))
assert all(len(c) == 1 for c in _PUNCT_CHARS)  # marks are one-character tokens
# spaCy's first cut (Tokenizer._tokenize_affixes): runs of whitespace / non-whitespace, where one
# ' ' right after a token belongs to that token; Python's `\s`, `str.split()` and spaCy's
# `isspace()` are the same Unicode test.
_RUNS = re.compile(r"\S+|\s+")
_OTHER, _PUNCT, _MARK = 0, 1, 2  # token kinds the sentencizer rule needs
_TRAILING = frozenset(",;!?")  # punctuation spaCy always splits off the end of a word


def _last_elements(items) -> list | None:
    """The parsed one-character elements (literal, class, any) one of which the last character of
    any match of the parsed regex sequence `items` matches; None when that cannot be told (the
    match may be empty, or an element this does not read)."""
    for op, av in reversed(list(items)):
        if op in (AT, ASSERT, ASSERT_NOT):  # zero width: the last character is before it
            continue
        if op in (LITERAL, NOT_LITERAL, IN, ANY):
            return [(op, av)]
        if op is SUBPATTERN:  # (group, flags added, flags removed, pattern)
            return _last_elements(av[3]) if not (av[1] or av[2]) else None  # local flags: not read
        if op is BRANCH:
            alternatives = [_last_elements(a) for a in av[1]]
            return None if any(a is None for a in alternatives) else [e for a in alternatives for e in a]
        if op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            return _last_elements(av[2])
        return None
    return None


class FastSpacyTokenizer(SpaCyTokenizer):
    """datatrove's spaCy tokenizer for `language`, memoised per whitespace-separated chunk."""

    def __init__(self, language: str = "en", max_chunks: int = DEFAULT_MAX_CHUNKS):
        if language == "ja":  # datatrove chunks Japanese by bytes; this class has no such path
            raise ValueError("FastSpacyTokenizer does not handle Japanese")
        super().__init__(language)
        self.max_chunks = max_chunks
        self.clears = 0
        self._words: dict[str, tuple[str, ...]] = {}  # non-space chunk → its words
        # chunk → its tokens (start, end, kind): those spaCy split (spaces included) when
        # learned, the others on first use by the sentence rule (`_tokens`)
        self._toks: dict[str, tuple[tuple[int, int, int], ...]] = {}
        self._has_mark: set[str] = set()  # chunks with a sentence mark among their tokens
        self._specials: frozenset[str] = frozenset()  # spaCy's special cases (set by `_nlp`)
        # The special-case matcher's patterns: those of one token, and the longer ones by their
        # first two tokens.
        self._special_singles: frozenset[str] = frozenset()
        self._special_pairs: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self._spacy = None  # spaCy's `Tokenizer` (set by `_nlp`, with the rules below)
        self._token_match = self._url_match = self._find_prefix = self._suffix_search = None
        self._is_punct = None  # spaCy's IS_PUNCT getter
        self._suffix_rules: list[tuple[int, list | None]] | None = None  # see `_bounded_suffix_rules`
        self._suffix_widths: dict[str, int] = {}  # last character → widest suffix rule ending so
        self._kinds: dict[str, int] = {}  # token text → kind (`_kind`)

    def __reduce__(self):
        # Executors pickle the pipeline for every task (datatrove's local pool too). Unpickle to
        # the process's shared instance: a forked worker gets the one its parent already loaded,
        # a fresh process (Slurm) loads one once; the spaCy model itself is never pickled.
        return shared_tokenizer, (self.language, self.max_chunks)

    # ------------------------------------------------------------------ the memo
    def _nlp(self):
        """datatrove's pipeline (`spacy.blank` + sentencizer, this instance's own vocabulary),
        computing only the lexeme attribute the split reads. spaCy fills ~20 attributes (shape,
        like_num, is_stop, …) with a Python function each for every new lexeme, most of the cost
        of a new word; the tokenizer's cuts never read them (its rules are regexes and exact
        special cases) and the sentencizer reads only IS_PUNCT."""
        nlp = self.tokenizer
        getters = nlp.vocab.lex_attr_getters
        if set(getters) != {IS_PUNCT}:
            nlp.vocab.lex_attr_getters = {IS_PUNCT: getters[IS_PUNCT]}
            self._is_punct = getters[IS_PUNCT]
            self._specials = frozenset(nlp.tokenizer.rules)
            patterns = self._special_patterns(nlp.tokenizer)
            self._special_singles = frozenset(p[0] for p in patterns if len(p) == 1)
            for pattern in (p for p in patterns if len(p) > 1):
                self._special_pairs.setdefault(pattern[:2], []).append(pattern)
            self._suffix_rules = self._bounded_suffix_rules(nlp)
            self._spacy = spacy_tokenizer = nlp.tokenizer
            # Its rules, read once (each is a property or a new bound method per access).
            self._token_match, self._url_match = spacy_tokenizer.token_match, spacy_tokenizer.url_match
            self._find_prefix, self._suffix_search = spacy_tokenizer.find_prefix, spacy_tokenizer.suffix_search
        return nlp

    @staticmethod
    def _bounded_suffix_rules(nlp) -> list[tuple[int, list | None]] | None:
        """spaCy's suffix rules other than `\\.\\.+` (a run of dots) as (longest match, the
        compiled one-character patterns one of which the match's last character matches, or None
        when that cannot be told); None when the tokenizer's suffix regex is not its language's
        defaults or has another unbounded rule.

        spaCy finds a chunk's suffix with `re.search` of `rule1$|rule2$|…`, which tries every
        start position. When the chunk does not end with "..", a match ends at the chunk's end
        with its last character, so it is a match of a rule whose last character can be that one,
        and starts within that rule's width of the end: searching from there (lookbehinds still
        see the characters before) gives the same match. For a chunk ending in "." that is one
        position instead of the whole chunk, and none at all for a last character no rule ends
        with."""
        pieces = list(type(nlp).Defaults.suffixes or [])
        search = nlp.tokenizer.suffix_search
        if not pieces or getattr(search, "__self__", None) is None:
            return None
        if search.__self__.pattern != compile_suffix_regex(pieces).pattern:
            return None
        parsed = [_regex_parser.parse(piece) for piece in pieces]
        widths = [p.getwidth()[1] for p in parsed]
        if [p for p, w in zip(pieces, widths) if w >= _regex_parser.MAXREPEAT] != [r"\.\.+"]:
            return None
        rules = []
        for p, width in zip(parsed, widths):
            if width >= _regex_parser.MAXREPEAT:
                continue
            ends = _last_elements(p.data)
            if ends is not None:
                ends = [_regex_compiler.compile(_regex_parser.SubPattern(p.state, [e]), p.state.flags) for e in ends]
            rules.append((width, ends))
        return rules

    def _suffix_width(self, last: str) -> int:
        """The longest match of a bounded suffix rule that can end with the character `last`
        (computed once per character; `_find_suffix` reads `_suffix_widths` first)."""
        width = max((w for w, ends in self._suffix_rules if ends is None or any(e.fullmatch(last) for e in ends)),
                    default=0)
        self._suffix_widths[last] = width
        return width

    def _find_suffix(self, string: str) -> int:
        """spaCy's `Tokenizer.find_suffix` (length of the suffix at the end of `string`) for a
        string without whitespace (a rule's `$` also matches before a final newline)."""
        if not string:
            return 0
        if self._suffix_rules is None or string.endswith(".."):
            return self._spacy.find_suffix(string)
        width = self._suffix_widths.get(string[-1])
        if width is None:
            width = self._suffix_width(string[-1])
        if not width:
            return 0
        match = self._suffix_search(string, max(0, len(string) - width))
        return (match.end() - match.start()) if match is not None else 0

    @staticmethod
    def _special_patterns(tokenizer) -> set[tuple[str, ...]]:
        """The token sequences spaCy's special-case matcher looks for after splitting
        (`Tokenizer._apply_special_cases`) and would cut differently: for each special case that
        has an affix, infix or space (the ones `add_special_case` gives the matcher), its tokens
        without special cases, unless the special case's own tokens are those same tokens (`’`,
        `—`, `it’s`: the matcher rewrites them into the same tokens, so they need no spaCy;
        where such a match overlaps another one, the other one sends the chunk to spaCy)."""
        bare = Tokenizer(
            tokenizer.vocab, rules={}, prefix_search=tokenizer.prefix_search,
            suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
            token_match=tokenizer.token_match, url_match=tokenizer.url_match,
        )
        patterns = set()
        with tokenizer.vocab.memory_zone():
            for s, substrings in tokenizer.rules.items():
                if (not tokenizer.faster_heuristics or tokenizer.find_prefix(s) or tokenizer.find_infix(s)
                        or tokenizer.find_suffix(s) or " " in s):
                    pattern = tuple(t.text for t in bare(s))
                    if pattern != tuple(token[ORTH] for token in substrings):
                        patterns.add(pattern)
        return patterns

    def _affix_split(self, chunk: str) -> tuple[str, ...] | None:
        """spaCy's tokens of a non-space chunk, or None where spaCy must decide. This is spaCy's own
        algorithm for one chunk, line for line: `Tokenizer._split_affixes` (prefixes and suffixes
        peeled off in turn) then `_attach_tokens` (the remainder whole if `token_match` or
        `url_match` says so, else cut at its infixes), with spaCy's own `find_prefix` /
        `find_suffix` / `find_infix` / `url_match` and special-case set. It gives up (None) where
        spaCy's special cases act: a special case met on the way, or a token sequence that the
        special-case matcher (`_apply_special_cases`) would rewrite. Hand-written because spaCy
        only runs this loop behind a `Doc` per call (its cost is what this avoids) or in
        `explain` (slower still); the tests compare every chunk of the sample crawl, and
        bench/quality_split.py every document of ../shared/data/web, with spaCy's own split."""
        specials = self._specials
        if chunk in specials:
            return None
        tokenizer = self._spacy
        token_match, find_prefix, find_suffix = self._token_match, self._find_prefix, self._find_suffix
        prefixes: list[str] = []
        suffixes: list[str] = []
        string, last_size = chunk, 0
        while string and len(string) != last_size:
            if string.isalpha() and string not in specials:
                # Letters only, not a special case: no prefix, suffix or infix (the reasoning
                # of the letters-only shortcut in `_learn`), so spaCy's loop ends here and the
                # rest is one token whatever `token_match` / `url_match` say.
                prefixes.append(string)
                string = ""
                break
            if token_match and token_match(string):
                break
            if string in specials:
                break
            last_size = len(string)
            pre_len = find_prefix(string)
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and minus_pre in specials:
                    return None  # spaCy stops at a special case: its tokens are spaCy's
            suf_len = find_suffix(string[pre_len:] if pre_len else string)
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and minus_suf in specials:
                    return None
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        if string:
            if string in specials:
                return None
            url_match = self._url_match
            if (token_match and token_match(string)) or (url_match and url_match(string)):
                prefixes.append(string)
            else:
                # `_attach_tokens`' infix split (hyphens, apostrophes, dots between words).
                start = 0
                for match in tokenizer.find_infix(string):
                    infix_start, infix_end = match.start(), match.end()
                    if infix_start == 0:  # spaCy skips an infix at the very start
                        continue
                    if infix_start != start:
                        prefixes.append(string[start:infix_start])
                    if infix_start != infix_end:
                        prefixes.append(string[infix_start:infix_end])
                    start = infix_end
                if string[start:]:
                    prefixes.append(string[start:])
        tokens = tuple(prefixes + suffixes[::-1])
        # A token sequence the special-case matcher would rewrite: spaCy decides. Most chunks
        # have no pair of neighbouring tokens starting a pattern (two C-level set tests).
        if not self._special_singles.isdisjoint(tokens):
            return None
        if len(tokens) > 1:
            pairs = self._special_pairs
            if not pairs.keys().isdisjoint(zip(tokens, tokens[1:])):
                for i in range(len(tokens) - 1):
                    for pattern in pairs.get(tokens[i : i + 2], ()):
                        if tokens[i : i + len(pattern)] == pattern:
                            return None
        return tokens

    def _kind(self, token: str) -> int:
        if token.isalpha():  # letters (Unicode category L*) are never punctuation (P*)
            return _OTHER
        kind = self._kinds.get(token)
        if kind is None:
            if len(token) == 1 and token in _PUNCT_CHARS:
                kind = _MARK
            else:
                kind = _PUNCT if self._is_punct(token) else _OTHER
            self._kinds[token] = kind
        return kind

    def clear(self) -> None:
        """Empties the memo (as when it fills up): every chunk is split again on first sight."""
        self._words.clear()
        self._toks.clear()
        self._has_mark.clear()
        self._kinds.clear()
        self._suffix_widths.clear()

    def _tokens(self, chunk: str) -> tuple[tuple[int, int, int], ...]:
        """A memoised chunk's tokens as (start, end, kind). Only the sentence rule reads them, for
        chunks with a sentence mark or right after one: a chunk split without spaCy is filed with
        its words alone (most new chunks: no tuple of tokens built), its tokens made from them
        here on first use (their kinds by `_kind`, as spaCy's flags; tests compare them)."""
        toks = self._toks.get(chunk)
        if toks is None:
            built, start = [], 0
            for word in self._words[chunk]:
                built.append((start, start + len(word), self._kind(word)))
                start += len(word)
            toks = self._toks[chunk] = tuple(built)
        return toks

    def _learn(self, chunks: list[str]) -> None:
        """Tokenizes chunks not seen yet and stores their tokens."""
        known_words, known = self._words, self._toks
        if len(known_words) + len(known) + len(chunks) > self.max_chunks:
            self.clear()
            self.clears += 1
        nlp = self._nlp()
        specials = self._specials
        # One argument at a time: `set.difference(d)` looks each chunk up in the dict `d`, while
        # with several arguments it walks every entry of every memo (CPython's difference_update).
        new = set(chunks).difference(known_words).difference(known)
        # Letters only, not a special case (two thirds of new chunks): one word, filed in bulk
        # (C-level set operations; `zip(letters)` gives each its 1-tuple of words). spaCy's prefix,
        # suffix and infix rules all need a non-letter (punctuation, digit, symbol, quote, hyphen)
        # and its URL rule keeps a match whole, so only its special cases ("cannot", "gonna", …)
        # split such a chunk; those go through spaCy. The tests compare whole texts with
        # datatrove's split (these chunks included) and every letters-only chunk of the sample
        # crawl with spaCy.
        # (`difference`, not `difference_update`: the latter walks all ~1,400 special cases.)
        letters = set(filter(str.isalpha, new)).difference(specials)
        known_words.update(zip(letters, zip(letters)))
        new.difference_update(letters)
        words, spaces = [], []
        has_mark = self._has_mark
        for c in new:
            if c[-1] in _TRAILING and c[:-1].isalpha() and c not in specials and c[:-1] not in specials:
                # Letters and one trailing , ; ! or ? (a fifth of new chunks): spaCy's suffix
                # rule splits the mark off and the letters stay one word (same reasoning and tests).
                known_words[c] = (c[:-1], c[-1])
                if c[-1] in _PUNCT_CHARS:
                    has_mark.add(c)
            elif c[0].isspace():
                spaces.append(c)
            elif (tokens := self._affix_split(c)) is not None:
                # Prefix/suffix punctuation around a word, numbers, … (two thirds of the rest).
                known_words[c] = tokens
                if not _PUNCT_CHARS.isdisjoint(tokens):  # a sentence mark is a token of its own
                    has_mark.add(c)
            else:
                words.append(c)
        with nlp.memory_zone():
            for c in spaces:  # rare (a few distinct runs of blanks); each alone
                self._store(c, nlp.tokenizer(c).to_array([IDX, LENGTH, IS_PUNCT]).tolist(), 0)
            if not words:
                return
            # One spaCy call for the page's new chunks, one per line: a newline is a token of its
            # own, so tokens never cross from one chunk into the next.
            tokens = nlp.tokenizer("\n".join(words)).to_array([IDX, LENGTH, IS_PUNCT]).tolist()
        i, start = 0, 0
        for c in words:
            end, first = start + len(c), i
            while i < len(tokens) and tokens[i][0] < end:
                i += 1
            self._store(c, tokens[first:i], start)
            start = end + 1
            if i < len(tokens) and tokens[i][0] == end and tokens[i][1] == 1:
                i += 1  # the newline between two chunks

    def _store(self, chunk: str, tokens: list[list[int]], offset: int) -> None:
        toks = tuple(
            (idx - offset, idx - offset + length,
             _MARK if length == 1 and chunk[idx - offset] in _PUNCT_CHARS else _PUNCT if punct else _OTHER)
            for idx, length, punct in tokens
        )
        if not toks or toks[0][0] != 0 or toks[-1][1] != len(chunk):
            raise AssertionError(f"spaCy's tokens do not cover the chunk {chunk[:80]!r}")
        self._toks[chunk] = toks
        if len(toks) == 1:
            if toks[0][2] == _MARK:
                self._has_mark.add(chunk)
            if not chunk[0].isspace():
                self._words[chunk] = (chunk,)
            return
        if any(t[2] == _MARK for t in toks):
            self._has_mark.add(chunk)
        if not chunk[0].isspace():
            self._words[chunk] = tuple(chunk[a:b] for a, b, _ in toks)

    def _runs(self, text: str) -> list[tuple[int, str]]:
        """spaCy's chunks of `text` with their offsets, every one of them memoised."""
        runs, pos = [], 0
        for c in _RUNS.findall(text):
            if pos and c[0] == " ":  # the space right after a token is not a token
                if len(c) > 1:
                    runs.append((pos + 1, c[1:]))
            else:
                runs.append((pos, c))
            pos += len(c)
        words, toks = self._words, self._toks
        if any(c not in words and c not in toks for _, c in runs):
            self._learn([c for _, c in runs])
        return runs

    # ------------------------------------------------------------------ WordTokenizer API
    def word_tokenize(self, text: str) -> list[str]:
        if "IS_ALPHA" in text:  # breaks spaCy's pipeline; datatrove's own workaround decides
            return super().word_tokenize(text)
        # Whitespace tokens strip to nothing (datatrove's `strip_strings`): only the words of the
        # non-space chunks remain, in order.
        chunks = text.split()
        words = self._words
        try:
            return list(chain.from_iterable(map(words.__getitem__, chunks)))
        except KeyError:
            self._learn(chunks)
            return list(chain.from_iterable(map(words.__getitem__, chunks)))

    def _sentences(self, text: str) -> list[tuple[int, int]]:
        """spaCy's `Sentencizer.predict` (default punctuation) on the memoised tokens: a sentence
        starts at the first token that is neither punctuation nor a sentence mark after a mark."""
        runs = self._runs(text)
        if not runs:
            return []
        tokens, has_mark = self._tokens, self._has_mark
        starts, ends, seen_mark, prev_end = [runs[0][0]], [], False, 0
        for s, c in runs:
            if seen_mark or c in has_mark:
                for a, b, kind in tokens(c):
                    if seen_mark and kind == _OTHER:
                        starts.append(s + a)
                        ends.append(prev_end)
                        seen_mark = False
                    elif kind == _MARK:
                        seen_mark = True
                    prev_end = s + b
            else:  # no mark in it and none pending: no boundary inside
                prev_end = s + len(c)
        ends.append(prev_end)
        return list(zip(starts, ends))

    def sent_tokenize(self, text: str) -> list[str]:
        if "IS_ALPHA" in text:
            return super().sent_tokenize(text)
        return [s for s in (text[a:b].strip() for a, b in self._sentences(text)) if s]

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


def shared_tokenizer(language: str = "en", max_chunks: int = DEFAULT_MAX_CHUNKS) -> FastSpacyTokenizer:
    """The process's one splitter for `language` (every rule and MinHash use the same instance)."""
    key = (language, max_chunks)
    if key not in _SHARED:
        _SHARED[key] = FastSpacyTokenizer(language, max_chunks)
    return _SHARED[key]
