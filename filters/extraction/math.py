"""Find math in a parsed page and replace it with protected placeholders.

Markup kinds handled (after OpenWebMath / MegaMath, see docs/extraction.md):
MathJax v2 `<script type="math/tex">` and `math/asciimath` (AsciiMath -> LaTeX in
`asciimath.py`), rendered MathJax/KaTeX output, KaTeX's TeX annotation, MathML (x-tex
annotation, else `alttext`, else our MathML->LaTeX in `mathml.py`), Wikipedia's
`mwe-math-element`, StackExchange `math-container`, WordPress `wp-katex-eq` / `latex`
images, LaTeX images (alt text or codecogs / latex.php / mimetex / mathtex URLs), TeX
delimiters in text read from the page's own MathJax / KaTeX configuration, and AsciiMath
between backticks (or the page's asciimath2jax delimiters) where the page's MathJax loads
AsciiMath.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from filters.extraction.asciimath import asciimath_to_latex
from filters.extraction.mathml import mathml_to_latex
from filters.extraction.protect import ProtectedStore

# ---------------------------------------------------------------- delimiters

# MathJax's default inline pair, plus WordPress LaTeX shortcodes left unrendered
# ("$latex x^2$" on WordPress.com, "[latex]x^2[/latex]" with the WP-LaTeX plugin).
DEFAULT_INLINE = (("\\(", "\\)"), ("$latex ", "$"), ("[latex]", "[/latex]"))
DEFAULT_DISPLAY = (("$$", "$$"), ("\\[", "\\]"))
ENVIRONMENTS = "equation|align|gather|multline|eqnarray|alignat|flalign|displaymath"

_CONFIG_KEY_RE = re.compile(r"(inlineMath|displayMath)\s*:\s*(?=[\[{])")
_PAIR_RE = re.compile(r"\[\s*(['\"])(.*?)(?<!\\)\1\s*,\s*(['\"])(.*?)(?<!\\)\3\s*\]")
_KATEX_RE = re.compile(
    r"left\s*:\s*(['\"])(.*?)(?<!\\)\1\s*,\s*right\s*:\s*(['\"])(.*?)(?<!\\)\3\s*,\s*display\s*:\s*(true|false)"
)


def _js_unescape(s: str) -> str:
    # Config strings are JS literals, sometimes escaped twice (they end up in regexes).
    while "\\\\" in s:
        s = s.replace("\\\\", "\\")
    return s.replace("\\'", "'").replace('\\"', '"')


def _js_literal_at(s: str, i: int, limit: int = 2000) -> str:
    """The bracketed JS array/object starting at s[i], skipping brackets inside strings
    (delimiters such as '[itex]' contain brackets)."""
    depth, quote, j, end = 0, "", i, min(len(s), i + limit)
    while j < end:
        ch = s[j]
        if quote:
            if ch == "\\":
                j += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return s[i : j + 1]
        j += 1
    return s[i:end]


# The page loads AsciiMath: MathJax v2 combined configs (AM_CHTML, TeX-MML-AM_HTMLorMML…,
# not TeX-AMS-…), the v2 `asciimath2jax` preprocessor, v3 `input/asciimath`.
# Also Peter Jipsen's original ASCIIMathML.js (backticks too).
_ASCIIMATH_ON_RE = re.compile(
    r"(?:^|[-=/,\s'\"])AM_(?:HTMLorMML|CHTML|SVG|HTML)|asciimath2jax|input/asciimath|ASCIIMathML(?:\.min)?\.js", re.I
)
# Plain substring tests first: the regex runs only on pages holding one of these.
_ASCIIMATH_MARKERS = ("AM_HTML", "AM_CHTML", "AM_SVG", "sciimath2jax", "input/asciimath", "input/AsciiMath", "ASCIIMathML")
_ASCIIMATH_CONFIG_RE = re.compile(r"(?:asciimath2jax|asciimath)\s*:\s*\{[^{}]*?delimiters\s*:\s*(?=\[)", re.I)


@dataclass
class Delimiters:
    inline: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_INLINE))
    display: list[tuple[str, str]] = field(default_factory=lambda: list(DEFAULT_DISPLAY))
    asciimath: list[tuple[str, str]] = field(default_factory=list)  # only where the page loads AsciiMath

    def regex(self) -> re.Pattern[str]:
        """One alternation, longest left delimiter first; group name says display or inline."""
        alts: list[tuple[int, str]] = []
        for i, (left, right) in enumerate(self.display):
            alts.append((len(left), f"(?<!\\\\){re.escape(left)}(?P<d{i}>.+?){re.escape(right)}"))
        for i, (left, right) in enumerate(self.inline):
            # Inline math does not span paragraphs and is not empty / blank-padded money.
            body = r"(?P<i%d>[^\n]*?\S)" % i if left == "$" else r"(?P<i%d>.+?)" % i
            guard = r"(?!\s)" if left == "$" else ""
            alts.append((len(left), f"(?<![\\\\$]){re.escape(left)}{guard}{body}(?<!\\\\){re.escape(right)}"))
        for i, (left, right) in enumerate(self.asciimath):
            alts.append((len(left), f"(?<!\\\\){re.escape(left)}(?P<a{i}>[^\\n]+?){re.escape(right)}"))
        alts.append((99, r"(?P<env>\\begin\{(" + ENVIRONMENTS + r")\*?\}.+?\\end\{\2\*?\})"))
        alts.sort(key=lambda a: -a[0])
        return re.compile("|".join(a[1] for a in alts), re.S)

    def lefts(self) -> list[str]:
        return [left for left, _ in self.inline + self.display + self.asciimath] + ["\\begin{"]

    def any_left_in(self, text: str) -> bool:
        """Whether any left delimiter occurs in `text` (a whole page): one regex scan per
        distinct first character instead of one substring scan per delimiter."""
        return any(scan.search(text) is not None for scan in _left_scanners(tuple(self.lefts())))


@lru_cache(maxsize=64)
def _left_scanners(lefts: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """One pattern per first character (a backslash followed by "(", "[" or "begin{", and so
    on): with a one-character literal prefix, re's search is a tight C loop over the text."""
    rests: dict[str, list[str]] = {}
    for left in lefts:
        rests.setdefault(left[0], []).append(re.escape(left[1:]))
    return tuple(re.compile(re.escape(first) + "(?:" + "|".join(alts) + ")") for first, alts in rests.items())


def loads_asciimath(scripts: list[etree._Element]) -> bool:
    """Whether the page's `<script>` elements load AsciiMath: a `src` saying so
    (MathJax v2 `config=AM_…`, ASCIIMathML.js), or, on pages that load MathJax at all,
    an inline config naming the AsciiMath input. Attributes first and script texts only
    on MathJax pages: a substring scan of a whole 170 kB page costs ~0.4 ms, some 4 % of
    the extraction, and so does reading every inline script."""
    mathjax = False
    for s in scripts:
        src = s.get("src")
        if src:
            if ("AM_" in src or "scii" in src or "SCII" in src) and _ASCIIMATH_ON_RE.search(src):
                return True
            mathjax = mathjax or "athjax" in src or "athJax" in src
        elif s.get("type") == "text/x-mathjax-config":
            mathjax = True
    if not mathjax:
        return False
    for s in scripts:
        text = None if s.get("src") else s.text
        if text and any(m in text for m in _ASCIIMATH_MARKERS) and _ASCIIMATH_ON_RE.search(text):
            return True
    return False


def page_delimiters(html: str, asciimath: bool | None = None) -> Delimiters:
    """The TeX delimiters a page configures for MathJax (v2 tex2jax / v3 tex) or KaTeX
    auto-render, added to MathJax's defaults; plus AsciiMath's where the page loads it
    (`asciimath`: the caller's `loads_asciimath`, else the page text is searched)."""
    delims = Delimiters()
    if "inlineMath" in html or "displayMath" in html:
        for m in _CONFIG_KEY_RE.finditer(html):
            target = delims.inline if m.group(1) == "inlineMath" else delims.display
            for p in _PAIR_RE.finditer(_js_literal_at(html, m.end())):
                pair = (_js_unescape(p.group(2)), _js_unescape(p.group(4)))
                if pair[0] and pair[1] and pair not in target:
                    target.append(pair)
    if "delimiters" in html and "left" in html:
        for m in _KATEX_RE.finditer(html):
            pair = (_js_unescape(m.group(2)), _js_unescape(m.group(4)))
            target = delims.display if m.group(5) == "true" else delims.inline
            if pair[0] and pair[1] and pair not in target:
                target.append(pair)
    # A pair configured as display wins over the same pair as inline.
    delims.inline = [p for p in delims.inline if p not in delims.display]
    if asciimath is None:
        asciimath = any(marker in html for marker in _ASCIIMATH_MARKERS) and _ASCIIMATH_ON_RE.search(html) is not None
    if asciimath:
        for m in _ASCIIMATH_CONFIG_RE.finditer(html):
            for p in _PAIR_RE.finditer(_js_literal_at(html, m.end())):
                pair = (_js_unescape(p.group(2)), _js_unescape(p.group(4)))
                if pair[0] and pair[1] and pair not in delims.asciimath:
                    delims.asciimath.append(pair)
        if not delims.asciimath:
            delims.asciimath.append(("`", "`"))  # asciimath2jax's default
        taken = set(delims.asciimath)
        delims.inline = [p for p in delims.inline if p not in taken]
        delims.display = [p for p in delims.display if p not in taken]
    return delims


# ---------------------------------------------------------------- DOM helpers


def replace_with_text(el: etree._Element, text: str) -> None:
    """Replace `el` (and its subtree) by `text`, keeping its tail."""
    parent = el.getparent()
    if parent is None:
        return
    joined = text + (el.tail or "")
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(el)


def _classes(el: etree._Element) -> str:
    return el.get("class") or ""


def _attached(el: etree._Element, root: etree._Element) -> bool:
    while True:
        parent = el.getparent()
        if parent is None:
            return el is root
        el = parent


# ---------------------------------------------------------------- conversions

_DISPLAYSTYLE_RE = re.compile(r"^\{\\displaystyle\s*(.*)\}$", re.S)
_LATEX_IMG_RE = re.compile(r"codecogs|latex\.php|mimetex|mathtex|/tex\.cgi|/latex\?|\.latex\?|wp\.com/latex|chart\?cht=tx", re.I)
_LATEX_IMG_CLASS_RE = re.compile(r"(^|\s)(latex|tex|math|mathtex|wp-latex|ql-img-inline-formula)(\s|$)", re.I)
_TEXISH_RE = re.compile(r"\\[a-zA-Z]{2,}|[\^_]\{|\\[,;!{}]")


def clean_tex(tex: str) -> str:
    tex = tex.strip()
    m = _DISPLAYSTYLE_RE.match(tex)
    if m:
        tex = m.group(1).strip()
    return tex


def _mathml_to_tex(math: etree._Element) -> str:
    for ann in math.iter("annotation"):
        if (ann.get("encoding") or "").lower() in ("application/x-tex", "tex", "latex", "text/x-tex"):
            if ann.text and ann.text.strip():
                return clean_tex(ann.text)
    alt = math.get("alttext")
    if alt and alt.strip():
        return clean_tex(alt)
    # No TeX stated: convert the presentation MathML (mathml.py). A converter failure
    # (RecursionError on absurd nesting) keeps the formula's visible text rather than losing it.
    try:
        return mathml_to_latex(math)
    except RecursionError:
        return " ".join("".join(math.itertext()).split())


def _strip_dollars(tex: str) -> tuple[str, bool | None]:
    """TeX written with its own delimiters ("$x$", "\\[x\\]"): (content, display or None)."""
    t = tex.strip()
    for left, right, disp in (("$$", "$$", True), ("\\[", "\\]", True), ("$", "$", False), ("\\(", "\\)", False)):
        if len(t) > len(left) + len(right) and t.startswith(left) and t.endswith(right):
            return t[len(left) : -len(right)].strip(), disp
    return t, None


def _is_latex_src(src: str) -> bool:
    # Most image URLs name none of the services: every alternative of _LATEX_IMG_RE holds
    # "tex", "codecogs" or "cht=tx", tested on the lowercased URL first (re.I folds ASCII
    # letters exactly as lower() does; other URLs go straight to the regex).
    if src.isascii():
        low = src.lower()
        if "tex" not in low and "codecogs" not in low and "cht=tx" not in low:
            return False
    return _LATEX_IMG_RE.search(src) is not None


def _image_tex(img: etree._Element) -> str | None:
    src = img.get("src") or img.get("data-src") or ""
    alt = (img.get("alt") or img.get("title") or "").strip()
    cls = _classes(img)
    is_latex_src = _is_latex_src(src)
    is_latex_cls = bool(cls and _LATEX_IMG_CLASS_RE.search(cls))
    if not (is_latex_src or is_latex_cls or (alt and ("\\" in alt or "{" in alt) and _TEXISH_RE.search(alt))):
        return None
    if alt:
        return _strip_dollars(alt)[0]
    if is_latex_src:
        parts = urlsplit(src)
        qs = parse_qs(parts.query)
        for key in ("latex", "tex", "chl", "eq", "formula"):
            if key in qs:
                return qs[key][0].strip()
        if parts.query:
            tex = unquote(parts.query)
            return re.sub(r"^\\(dpi|bg|fg|inline|large|small)\{?[^}\s]*\}?\s*", "", tex).strip()
    return None


# ---------------------------------------------------------------- rewriting

_MATH_CLASS_RE = re.compile(
    r"(?:^|\s)(?:katex|math-container|wp-katex-eq|tex|latex|math-tex|arithmatex|mathjax-tex|mwe-math-element|"
    r"MathJax[\w-]*|MJX[\w-]*|mjx[\w-]*)(?:\s|$)"
)
_CANDIDATES = etree.XPath(
    "//script[starts-with(@type,'math/')]"
    " | //math"
    " | //img"
    " | //mjx-container"
    " | //*[@class and (contains(@class,'katex') or contains(@class,'math') or contains(@class,'Math')"
    "       or contains(@class,'tex') or contains(@class,'MathJax'))]"
)


def rewrite_math_nodes(root: etree._Element, store: ProtectedStore, candidates: list | None = None) -> int:
    """Replace every math node under `root` with a placeholder; returns how many.
    `candidates` (document order) may come from a scan shared with code detection."""
    count = 0
    for el in _CANDIDATES(root) if candidates is None else candidates:
        tag = el.tag
        if tag.endswith(":math"):  # <m:math xmlns:m="…MathML">: the HTML parser keeps the prefix
            tag = "math"
        cls = _classes(el)
        img_tex = None
        if tag == "img":
            img_tex = _image_tex(el)
            if img_tex is None:
                continue
        elif tag not in ("script", "math", "mjx-container") and not _MATH_CLASS_RE.search(cls):
            continue  # cheap filter first: the XPath's contains() also matches "text", "context"...
        if not _attached(el, root):
            continue  # inside a node already replaced
        tex: str | None = None
        display = False
        if tag == "script":
            typ = (el.get("type") or "").lower()
            if typ.startswith("math/tex"):
                tex, display = (el.text or "").strip(), "mode=display" in typ
            elif typ.startswith("math/asciimath"):
                tex, display = asciimath_to_latex(el.text or ""), "mode=display" in typ
            elif typ.startswith("math/mml"):
                try:
                    tex = _mathml_to_tex(etree.fromstring((el.text or "").encode(), etree.HTMLParser()).find(".//math"))
                except Exception:  # noqa: BLE001
                    tex = None
            if not tex:
                replace_with_text(el, "")
                continue
        elif tag == "math":
            tex = _mathml_to_tex(el)
            display = el.get("display") == "block" or el.get("mode") == "display"
        elif tag == "img":
            tex = img_tex
            display = "display" in cls
        elif tag == "mjx-container" or "MathJax" in cls or "MJX" in cls:
            if "MathJax_Preview" in cls or "MJX_Assistive" in cls and el.getparent() is not None and "MathJax" in _classes(el.getparent()):
                replace_with_text(el, "")
                continue
            math = next(el.iter("math"), None)
            if math is None:
                # Rendered output whose source is the math/tex script next to it.
                if "MathJax" in cls or tag == "mjx-container":
                    replace_with_text(el, "")
                continue
            tex = _mathml_to_tex(math)
            display = el.get("display") == "true" or "Display" in cls or math.get("display") == "block"
        elif re.search(r"(^|\s)katex(\s|$)", cls):
            ann = next((a for a in el.iter("annotation") if "tex" in (a.get("encoding") or "")), None)
            if ann is not None and ann.text:
                tex = ann.text.strip()
            else:
                math = next(el.iter("math"), None)
                tex = _mathml_to_tex(math) if math is not None else None
            if tex is None:
                continue
            parent = el.getparent()
            display = parent is not None and "katex-display" in _classes(parent)
            if display and len(parent) == 1 and not (parent.text or "").strip():
                el = parent
        elif "mwe-math-element" in cls:
            math = next(el.iter("math"), None)
            img = next(el.iter("img"), None)
            tex = _mathml_to_tex(math) if math is not None else (clean_tex(img.get("alt") or "") if img is not None else None)
            if not tex:
                continue
            display = "display" in "".join(_classes(x) for x in el.iter("img")) or (math is not None and math.get("display") == "block")
        elif re.search(r"(^|\s)(math-container|wp-katex-eq|tex|latex|math-tex|arithmatex|mathjax-tex)(\s|$)", cls):
            if el.get("data-expr") is None and any(d.tag in _BLOCK_CHILDREN for d in el.iterdescendants(etree.Element)):
                continue  # a container of paragraphs (`div.left.tex`), not a formula: its text is read for delimiters
            raw = el.get("data-expr") or "".join(el.itertext())
            tex, disp = _strip_dollars(raw)
            display = bool(disp) or el.get("data-display") == "true" or "display" in cls or el.tag == "div"
            if not tex:
                continue
        else:
            continue
        tex = tex.strip()
        if not tex:
            replace_with_text(el, "")
            continue
        token = store.add("D" if display else "M", tex)
        replace_with_text(el, f" {token} " if display else token)
        count += 1
    return count


# Elements a formula never holds; a `tex`-class element with one of them inside is a container.
_BLOCK_CHILDREN = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "script", "section", "article", "pre"})
_SKIP_TEXT_TAGS = frozenset({"pre", "code", "script", "style", "textarea", "kbd", "samp", "tt", "xmp", "noscript"})


def rewrite_math_text(root: etree._Element, delims: Delimiters, store: ProtectedStore) -> int:
    """Replace TeX written between delimiters in text nodes by placeholders."""
    lefts = delims.lefts()
    pattern = delims.regex()
    count = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal count
        name = m.lastgroup or ""
        tex = m.group(name).strip()
        if not tex:
            return m.group(0)
        count += 1
        if name == "env":
            return f" {store.add('D', tex)} "
        if name.startswith("a"):
            tex = asciimath_to_latex(tex)
            return store.add("M", tex) if tex else m.group(0)
        return f" {store.add('D', tex)} " if name.startswith("d") else store.add("M", tex)

    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag not in _SKIP_TEXT_TAGS and el.text and _maybe_has(el.text, lefts):
            el.text = pattern.sub(sub, el.text)
        if el.tail and _maybe_has(el.tail, lefts):
            parent = el.getparent()
            if parent is not None and parent.tag not in _SKIP_TEXT_TAGS:
                el.tail = pattern.sub(sub, el.tail)
    return count


def _maybe_has(text: str, lefts: list[str]) -> bool:
    for left in lefts:
        if left in text:
            return True
    return False
