"""Protected placeholders: math and code are cut out of the DOM before any boilerplate
heuristic or whitespace normalisation runs, and put back only in the final text.

A placeholder is a private-use-area token (U+E000 <kind><index> U+E001). It survives the
linearisation untouched (no whitespace, no markup characters) and is unlikely to occur in
real pages; any stray U+E000/U+E001 already in the input is removed first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.markup import render

OPEN, CLOSE = "\ue000", "\ue001"
# Kinds: M inline math, D display math, C inline code, B block code.
TOKEN_RE = re.compile(OPEN + r"([MDCB])(\d+)" + CLOSE)
STRAY_RE = re.compile("[\ue000\ue001]")


@dataclass(slots=True)
class Protected:
    kind: str  # "M", "D", "C", "B"
    content: str  # TeX or code text, verbatim
    lang: str = ""  # code language tag, when the page states one


class ProtectedStore:
    """Holds what the placeholders stand for and renders them back as Markdown."""

    def __init__(self) -> None:
        self.items: list[Protected] = []

    def add(self, kind: str, content: str, lang: str = "") -> str:
        if OPEN in content:  # e.g. math inside <pre>: code keeps the formula's source form
            content = TOKEN_RE.sub(lambda m: self.render(int(m.group(2))), content)
            content = STRAY_RE.sub("", content)
        self.items.append(Protected(kind, content, lang))
        return f"{OPEN}{kind}{len(self.items) - 1}{CLOSE}"

    def weight(self, index: str) -> int:
        """Characters the placeholder stands for, used when scoring blocks by text length."""
        return len(self.items[int(index)].content)

    def render(self, index: int) -> str:
        item = self.items[index]
        return render(item.kind, item.content, item.lang)  # the one markup format: core.markup
