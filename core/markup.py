"""The extractor's markup format: how math and code appear in extracted text, in one place.

`filters.extraction` renders with `render`; language ID, the quality signals and anything else
that must look past formulas and code use `spans` / `mask`. The format (Markdown-style):

- inline math `$…$`, display math `$$…$$` (TeX verbatim between the dollars);
- inline code in backticks (two when the code holds one);
- code blocks fenced by ``` (four backticks when the code holds three) on their own lines, with an
  optional language tag after the opening fence.
"""
from __future__ import annotations

import re
from typing import Iterator, Literal, NamedTuple

__all__ = ["Kind", "Span", "render", "spans", "mask", "FENCED_RE", "DISPLAY_MATH_RE", "INLINE_MATH_RE"]

# M inline math, D display math, C inline code, B block code (the extractor's placeholder kinds).
Kind = Literal["M", "D", "C", "B"]

# A fenced block: an opening fence at a line start, the closing fence of the same length on its own line.
FENCED_RE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
DISPLAY_MATH_RE = re.compile(r"\$\$.+?\$\$", re.S)
# Inline math on one line, at most 500 characters, not after a backslash or another dollar.
INLINE_MATH_RE = re.compile(r"(?<![\\$])\$[^$\n]{1,500}?\$")


class Span(NamedTuple):
    kind: Kind
    start: int
    end: int


def render(kind: Kind, content: str, lang: str = "") -> str:
    """One formula or code item as it appears in extracted text."""
    if kind == "M":
        return f"${content}$"
    if kind == "D":
        return f"$${content}$$"
    if kind == "C":
        ticks = "``" if "`" in content else "`"
        return f"{ticks}{content}{ticks}"
    fence = "````" if "```" in content else "```"
    return f"{fence}{lang}\n{content}\n{fence}"


def spans(text: str) -> Iterator[Span]:
    """Code blocks, display math and inline math of `text`, in order, not overlapping (a formula
    inside a code block is code)."""
    taken: list[tuple[int, int]] = []
    found: list[Span] = []
    for kind, rx in (("B", FENCED_RE), ("D", DISPLAY_MATH_RE), ("M", INLINE_MATH_RE)):
        for m in rx.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in taken):
                taken.append((m.start(), m.end()))
                found.append(Span(kind, m.start(), m.end()))  # type: ignore[arg-type]
    return iter(sorted(found, key=lambda s: s.start))


def mask(text: str, *, code: str = " ", display: str = " ", inline: str = " ") -> str:
    """`text` with every code block, display formula and inline formula replaced by the given
    strings (the prose is what remains)."""
    text = FENCED_RE.sub(code, text)
    text = DISPLAY_MATH_RE.sub(display, text)
    return INLINE_MATH_RE.sub(inline, text)
