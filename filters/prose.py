"""The prose view of an extracted document: the running text the quality rules were made for.

datatrove's Gopher / C4 / FineWeb rules measure prose: lines that end like sentences, lines and
paragraphs repeated, words repeated. An extracted math or code page also holds things that are not
prose, in the extractor's markup (`core.markup`) or in plain Markdown, and those trip the rules
although nothing is wrong with them. The view keeps what a reader would call the page's own text:

- fenced code blocks are dropped;
- a formula inside a sentence becomes one word, the same word for the same formula (`fmxxxxx`, five
  letters from a hash of its TeX: two lines that differ only in their formulas are not duplicates);
  a display formula ending with sentence punctuation (`…\\over 2a}.$$`, MathJax's convention)
  gives the sentence its mark: `fmxxxxx.`;
- *equation lines* are dropped: lines with math (a formula, a TeX command, `= + < > ^ _ ≤ ≥ ± × ÷`)
  and not one word of two letters outside TeX commands (`$$x = 2$$`, `1. $f(x)$`,
  `\\end{equation}$`, `Q3 – Q1 = 19 – 7 = 12`). A sentence cut before such a line takes the mark
  the equation ends with;
- Markdown table rows (`| … |`) are dropped: cells are not sentences;
- a quoted line (`> …`, forum quotes) that repeats an earlier line is dropped: it copies the post
  it answers, and the repetition rules would count the thread twice (a quote of text found
  nowhere else on the page stays, without its `>`);
- a *caption* — a short line (FineWeb's 30 characters) not ending a sentence, right before a
  set-aside block (code block, equation line, table) — goes with its block: `Solution`,
  `Program 1 :`, `## The Lorenz Equations` head formulas and code, not prose;
- a row of four or more dots (a dot leader: `f(x) = …………… (1)`) is one ellipsis, `...`, however
  long: Gopher counts every `...` in it as an ellipsis;
- heading markers (`## `) are removed, the heading line stays; every line is stripped.

Lines without math and without words (`0`, `A) 20`) stay: they are what the line rules exist to
count. Regexes over lines only (no tokenizer): about a millisecond for an 8 kB math page.
"""
from __future__ import annotations

import re
import zlib
from typing import NamedTuple

from core.markup import DISPLAY_MATH_RE, FENCED_RE, INLINE_MATH_RE

__all__ = ["Prose", "prose_view", "prose_only", "formula_word", "CAPTION_MAX_CHARS"]

# Formulas and code blocks are first replaced by private-use stand-ins (never in extracted text),
# so lines can be classified before the formulas become words.
_F0, _F1 = "\ue000", "\ue001"  # a formula: _F0 + its word's letters + _F1
_BLOCK = "\ue002"  # a code block's line
_FORMULA = re.compile("\ue000([a-z]+)\ue001")
_HEX_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_SENTENCE_END = (".", "!", "?")
# FineWeb's short-line length: a line this short that heads a set-aside block is its caption.
CAPTION_MAX_CHARS = 30
# Sentence punctuation closing a display formula, past TeX spacing and closing braces:
# `…2a}.$$`, `\text{ . }$$`, `… \quad.$$`.
_TEX_END_PUNCT = re.compile(r"([.!?])(?:\s|[}]|\\[,;:! ]|\\q?quad\b)*\Z")
# A formula's start right after a word character, or its end right before one. Searched as the
# stand-in characters themselves (a plain character class the regex engine scans for quickly);
# `_unglue` looks at the neighbour. Same places as `(?<=\w)(?=\ue000)|(?<=\ue001)(?=\w)`, which
# tried two lookarounds at every position of the page.
_FORMULA_EDGE = re.compile("[\ue000\ue001]")
_WORD_CHAR = re.compile(r"\w")


def _unglue(m: re.Match) -> str:
    text, i = m.string, m.start()
    if m.group() == _F0:
        return " " + _F0 if i and _WORD_CHAR.match(text, i - 1) else _F0
    return _F1 + " " if _WORD_CHAR.match(text, i + 1) else _F1


_DOT_LEADER = re.compile(r"\.{4,}")
_BLANK_RUN = re.compile(r"\n{3,}")
_HEADING = re.compile(r"^#{1,6}\s+")
_TABLE_ROW = re.compile(r"^\|.*\|$")
# A TeX command with an optional braced argument (`\frac`, `\begin{equation}`, `\textbf{E}`).
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\{[^{}\n]*\})?")
_MATH_MARK = re.compile(r"[\ue000=<>+^_±×÷≤≥]|\\[A-Za-z]")
# Its characters, and any backslash: a page without any has no math mark (one character-class
# scan, twice as fast as the alternation over a whole page).
_MATH_CHAR = re.compile(r"[\ue000=<>+^_±×÷≤≥\\]")
# A word: two letters or more, not glued to a digit, underscore or another letter run.
_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,}")


class Prose(NamedTuple):
    text: str  # the prose lines, paragraphs kept (blank lines between them)
    lines: int  # non-empty prose lines
    set_aside: int  # non-empty lines set aside: code, equations, tables, repeated quotes, captions


def formula_word(tex: str) -> str:
    """The word standing for a formula in prose: `fm` and five letters from a CRC of its TeX."""
    return "fm" + format(zlib.crc32(tex.encode("utf-8", "surrogatepass")), "08x")[:5].translate(_HEX_LETTERS)


def _formula(m: re.Match, display: bool = False) -> str:
    tex = m.group()
    mark = ""
    if display:
        tex = tex[2:-2]
        end = _TEX_END_PUNCT.search(tex)
        mark = end.group(1) if end else ""
    return _F0 + formula_word(tex.strip("$ \n"))[2:] + _F1 + mark


def _is_equation(line: str) -> bool:
    return bool(_MATH_MARK.search(line)) and not _WORD.search(_TEX_COMMAND.sub(" ", _FORMULA.sub(" ", line)))


def prose_view(text: str) -> Prose:
    """The document's prose, and how many of its lines were set aside."""
    # Each pattern needs its literal (``` or $): pages without it skip the pass.
    if "```" in text:
        text = FENCED_RE.sub(lambda m: "\n".join(_BLOCK * (m.group().count("\n") + 1)), text)  # a line per code line
    if "$" in text:
        text = DISPLAY_MATH_RE.sub(lambda m: _formula(m, display=True), text)
        text = INLINE_MATH_RE.sub(_formula, text)
    if _F0 in text:
        text = _FORMULA_EDGE.sub(_unglue, text)  # `$k$heads` → `fmxxxxx heads`: a formula is a word of its own
    # A math mark matches one character (or `\` and a letter), so none of its characters in the
    # text means none in any line: no equation lines (`_is_equation` still tests each line with
    # `_MATH_MARK` when there are). A table row starts with `|`.
    maybe_math, maybe_table = _MATH_CHAR.search(text) is not None, "|" in text
    out: list[str] = []
    before = -1  # index in `out` of the prose line right before (blank lines between), else -1
    kept = set_aside = 0
    seen: set[str] = set()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if line.startswith(">"):
            line = line.lstrip("> ")
            if not line or line in seen:
                set_aside, before = set_aside + 1, -1
                continue
        if line == _BLOCK or (maybe_table and _TABLE_ROW.match(line)) or (maybe_math and _is_equation(line)):
            set_aside += 1
            if before >= 0:  # the first line of a block right after a prose line
                prev = out[before]
                if line.endswith(_SENTENCE_END) and not prev.endswith(_SENTENCE_END):
                    # "…the roots are\n$$x = 2.$$": the sentence ends where its equation ends.
                    out[before] += line[-1]
                elif len(prev) <= CAPTION_MAX_CHARS and not prev.endswith(_SENTENCE_END):
                    out[before] = ""  # the block's caption
                    kept, set_aside = kept - 1, set_aside + 1
                before = -1
            continue
        seen.add(line)
        before = len(out)
        kept += 1
        if line[0] == "#":
            line = _HEADING.sub("", line)
        out.append(_DOT_LEADER.sub("...", line) if "...." in line else line)
    # One blank line between paragraphs, however many lines were set aside between them.
    prose = "\n".join(out).strip("\n")
    if "\n\n\n" in prose:
        prose = _BLANK_RUN.sub("\n\n", prose)
    return Prose(_FORMULA.sub(lambda m: "fm" + m.group(1), prose), kept, set_aside)


def prose_only(text: str) -> str:
    """The prose view's text (what the quality rules judge)."""
    return prose_view(text).text
