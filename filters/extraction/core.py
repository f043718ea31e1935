"""`extract`: HTML -> main content as Markdown with math and code preserved.

Order matters: math and code are replaced by protected placeholders *before* any
boilerplate removal or whitespace normalisation, so neither can mangle them.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from lxml import etree

from core.charset import decode_html
from filters.extraction.code import rewrite_code_nodes
from filters.extraction.content import ExtractionTimeout, Linearizer, mark_quote_boxes, render, select_main
from filters.extraction.math import loads_asciimath, page_delimiters, rewrite_math_nodes, rewrite_math_text
from filters.extraction.protect import CLOSE, OPEN, STRAY_RE, TOKEN_RE, ProtectedStore

MAX_HTML_CHARS = 8_000_000  # bigger pages are truncated (and say so) to bound time and memory
DEFAULT_TIME_BUDGET_S = 10.0

# Plain etree parser: lxml.html's element-class lookup costs ~10% of our run time.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, default_doctype=False)
# The same parser for the page as UTF-8 bytes: lxml hands a non-Latin-1 str to libxml2 as
# UTF-16/32, which libxml2 converts first; UTF-8 is its own encoding, so the same tree comes
# ~40% faster. The encoding is fixed, so a <meta charset> in the page is ignored, as for a str.
_UTF8_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, default_doctype=False,
                                encoding="utf-8")
# lxml refuses a str starting with an XML declaration that names an encoding (ValueError);
# its own check (lxml/apihelpers.pxi), so that the bytes path refuses the same pages.
_LXML_STR_ENCODING_DECL_RE = re.compile(r'^(<\?xml[^>]+)\s+encoding\s*=\s*["\'][^"\']*["\'](\s*\?>|)', re.U)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Control characters, invisible soft hyphens / zero-width characters (they split words:
# "Mit\xadtel\xadal\xadter"); removed from the (much smaller) output, not the page.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\xad\u200b\u2060\ufeff\ufffd]")
# Elements that never hold main content; removed in C before any Python walk.
_STRIP_TAGS = ("style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "select", "textarea", "button")


class ExtractionError(ValueError):
    """A document that cannot be extracted (the message says why)."""


@dataclass(frozen=True, slots=True)
class Extraction:
    text: str
    has_math: bool
    has_code: bool
    n_formulas: int
    n_code_blocks: int
    truncated: bool = False


def _decode(html: str | bytes) -> str:
    if isinstance(html, str):
        return html
    if not isinstance(html, (bytes, bytearray)):
        raise ExtractionError(f"expected str or bytes, got {type(html).__name__}")
    return decode_html(bytes(html))[0]  # the one charset rule: core.charset


_MATH_TAGS = frozenset({"math", "mjx-container", "img"})
_CODE_TAGS = frozenset({"pre", "code", "xmp", "listing"})
_CODE_CONTAINER_TAGS = frozenset({"div", "table", "td"})
_SCAN_TAGS = _MATH_TAGS | _CODE_TAGS | {"script"}


def _candidates(root: etree._Element) -> tuple[list, list, list]:
    """One pass over the tree collecting possible math and code nodes and the scripts
    (document order).
    Cheap substring tests only; math.py / code.py decide. One Python pass is cheaper
    than three XPath searches with contains() on every class attribute."""
    math_nodes: list = []
    code_nodes: list = []
    scripts: list = []
    for el in root.iter(etree.Element):
        tag = el.tag
        cls = el.get("class")
        prefixed_math = ":" in tag and tag.endswith(":math")
        if not cls and tag not in _SCAN_TAGS and not prefixed_math:
            continue  # most elements: nothing below can match
        if tag == "script":
            scripts.append(el)
        if tag in _MATH_TAGS or (tag == "script" and (el.get("type") or "").startswith("math/")) or prefixed_math:
            math_nodes.append(el)
        elif cls and ("ath" in cls or "tex" in cls or "MJX" in cls or "mjx" in cls):  # "tex" covers "katex"
            math_nodes.append(el)
        if tag in _CODE_TAGS:
            code_nodes.append(el)
        elif cls and tag in _CODE_CONTAINER_TAGS and (
            "ode" in cls or "ODE" in cls or "syntax" in cls or "hilite" in cls or "file-line" in cls
        ):
            code_nodes.append(el)
    return math_nodes, code_nodes, scripts


def _parse(text: str) -> etree._Element | None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: lxml's own str path decides what they become
        return etree.fromstring(text, parser=_PARSER)
    return etree.fromstring(data, parser=_UTF8_PARSER)


def extract(html: str | bytes, url: str | None = None, *, time_budget_s: float = DEFAULT_TIME_BUDGET_S,
            max_html_chars: int = MAX_HTML_CHARS) -> Extraction:
    """Extract the main content of one page.

    Returns an `Extraction` (empty text when the page has no content, e.g. script-only).
    Raises `ExtractionError` for input that is not HTML text, and `ExtractionTimeout`
    when the page takes longer than `time_budget_s`.
    """
    del url  # accepted for API stability; no per-site rules yet
    deadline = time.monotonic() + time_budget_s
    text = _decode(html)
    truncated = len(text) > max_html_chars
    if truncated:
        text = text[:max_html_chars]
    text = _XML_DECL_RE.sub("", text, count=1)
    if OPEN in text or CLOSE in text:  # our placeholder delimiters must not come from the page
        text = STRAY_RE.sub("", text)
    if not text.strip():
        return Extraction("", False, False, 0, 0, truncated)
    try:
        if _LXML_STR_ENCODING_DECL_RE.match(text):
            raise ValueError("XML declaration with an encoding")
        root = _parse(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return Extraction("", False, False, 0, 0, truncated)
    if root is None:
        return Extraction("", False, False, 0, 0, truncated)

    store = ProtectedStore()
    try:
        math_nodes, code_nodes, scripts = _candidates(root)
        delims = page_delimiters(text, asciimath=loads_asciimath(scripts))
        rewrite_math_nodes(root, store, math_nodes)
        etree.strip_elements(root, *_STRIP_TAGS, with_tail=False)
        rewrite_code_nodes(root, store, code_nodes)
        if delims.any_left_in(text):  # most pages have no TeX delimiters at all
            rewrite_math_text(root, delims, store)
        etree.strip_elements(root, "script", with_tail=False)
        if time.monotonic() > deadline:
            raise ExtractionTimeout("extraction exceeded its time budget")
        body = root.find("body")
        start = body if body is not None else root
        if "Quote:" in text:
            mark_quote_boxes(start)
        lin = Linearizer(deadline)
        lin.walk(start)
        lin.flush()
        blocks = select_main(lin.blocks, start, store)
    except RecursionError:
        # Pathologically deep markup: keep the visible text flat rather than fail.
        flat = " ".join(" ".join(root.itertext()).split())
        flat = TOKEN_RE.sub(lambda m: store.render(int(m.group(2))), flat)
        return Extraction(flat, False, False, 0, 0, truncated)

    kinds = [m.group(1) for b in blocks for m in TOKEN_RE.finditer(b.text)]
    n_formulas = sum(1 for k in kinds if k in "MD")
    n_code = sum(1 for k in kinds if k == "B")
    out = _CONTROL_RE.sub("", render(blocks, store, escape_dollars=n_formulas > 0))
    return Extraction(out, n_formulas > 0, n_code > 0 or "C" in kinds, n_formulas, n_code, truncated)


def extract_text(html: str | bytes, url: str | None = None) -> str:
    """Main content of `html` as Markdown-style text: `$…$`/`$$…$$` math, fenced code
    (with the page's language tag), headings, lists and tables."""
    return extract(html, url).text
