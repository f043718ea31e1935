"""Find code in a parsed page and replace it with protected placeholders.

Block code (`<pre>`, multi-line `<code>`, SyntaxHighlighter tables, `<xmp>`) is kept
verbatim with its indentation, minus line-number gutters; inline `<code>` becomes a
backtick span. The language tag comes from the usual highlighter classes.

Highlighter markup handled: line-number gutters in tables (Pygments `linenos`,
highlight.js `hljs-ln`, Rouge `rouge-gutter`, WordPress SyntaxHighlighter `gutter`,
GitHub `blob-num`) or inline (`span.linenos`), Prism's `line-numbers` plugin (a class on
the `<pre>` itself, not a gutter), one element per line (`span.line` in GitLab and Rouge,
`pre.CodeMirror-line`, GitHub's `react-file-line` / `blob-code` and `LC<n>` ids,
SyntaxHighlighter's `div.line`) joined with one newline each, and `<br>`-separated lines.
"""
from __future__ import annotations

import re

from lxml import etree

from filters.extraction.math import replace_with_text
from filters.extraction.protect import ProtectedStore

_LANG_CLASS_RE = re.compile(
    r"(?:^|\s)(language|lang|brush|highlight-source|highlight|hljs|sourceCode|code)(?:-|_|:\s*)([A-Za-z][\w+#.-]{0,20})"
)
_KNOWN_LANGS = frozenset(
    "python py javascript js typescript ts java c cpp c++ csharp cs go golang rust ruby rb php bash sh shell zsh "
    "console powershell sql html xml css scss json yaml yml toml ini kotlin swift scala r matlab perl lua haskell "
    "julia dart elixir erlang clojure fortran ocaml lisp scheme tex latex markdown md dockerfile makefile diff "
    "objectivec objc vb vbnet groovy nginx apache cmake gradle asm nasm verilog vhdl solidity graphql "
    "shell-session jsx tsx vue svelte protobuf terraform hcl".split()
)
_NOT_LANGS = frozenset({"none", "text", "plain", "plaintext", "nohighlight", "line", "numbers", "source", "block", "code"})
_GUTTER_RE = re.compile(
    r"(^|[\s_-])(gutter|line-?numbers?|linenos?|lineno|linenodiv|ln-num|hljs-ln-n|hljs-ln-numbers|line-number|"
    r"rouge-gutter|lnt|blob-num|diff-line-num|CodeMirror-linenumber|react-line-numbers?|crayon-nums|crayon-num|"
    r"line-num|linenum|lnum|line-no)($|[\s_-])",
    re.I,
)


def _is_gutter(cls: str) -> bool:
    """A line-number gutter's class. Hugo's Chroma calls its inline numbers `ln`, a whole
    class token only (highlight.js has `hljs-ln-code` for the code itself)."""
    return bool(_GUTTER_RE.search(cls)) or " ln " in f" {cls} "
# One element per code line (class tokens, or GitHub/GitLab's LC<n> ids).
_LINE_CLASSES = frozenset({"line", "code-line", "codeline", "CodeMirror-line", "react-file-line", "blob-code",
                           "hljs-ln-code", "highlight-line", "line-content", "cm-line", "crayon-line",
                           "token-line"})
_LINE_ID_RE = re.compile(r"^LC\d+$")

_CODE_CONTAINER_RE = re.compile(
    # (not XenForo's "bbCodeBlock bbCodeBlock--quote": its code boxes are bbCodeBlock--code)
    r"(?<!bb)code-?block|codebox|code-?snippet|source-?code|syntaxhighlighter|wp_syntax|code_responsive|codehilite|"
    r"CodeMirror-code|react-code-lines|react-code-file-contents|bbCodeBlock--code|crayon-syntax|"
    r"(?:^|\s)code(?:\s|$)",
    re.I,
)
_TAG_CANDIDATES = etree.XPath("//pre | //xmp | //listing | //code")
# contains() in C narrows the containers before the exact regex runs in Python.
_CONTAINER_CANDIDATES = etree.XPath(
    "//*[(self::div or self::table or self::td) and (contains(@class, 'code') or contains(@class, 'Code')"
    " or contains(@class, 'syntax') or contains(@class, 'hilite') or contains(@class, 'CODE'))]"
)


def _class_lang(cls: str) -> str:
    """`language-x` / `lang-x` name a language outright; other highlighter prefixes
    (`brush:`, `highlight-`, `hljs-`…) and bare class tokens count only for known names
    (so `code-container` is not a language)."""
    for m in _LANG_CLASS_RE.finditer(cls):
        name = m.group(2).lower()
        if name in _NOT_LANGS:
            continue
        if m.group(1).lower() in ("language", "lang") or name in _KNOWN_LANGS:
            return name
    for tok in cls.lower().split():
        if tok in _KNOWN_LANGS:
            return tok
    return ""


def _lang_of(el: etree._Element) -> str:
    node: etree._Element | None = el
    for _ in range(3):  # the element and two ancestors
        if node is None:
            break
        for attr in ("data-lang", "data-language", "lang"):
            v = (node.get(attr) or "").strip().lower()
            if v and v in _KNOWN_LANGS:
                return v
        lang = _class_lang(node.get("class") or "")
        if lang:
            return lang
        node = node.getparent()
    child = next(el.iter("code"), None)  # <pre><code class="language-x">
    if child is not None and child is not el:
        return _class_lang(child.get("class") or "")
    return ""


def _verbatim(el: etree._Element) -> str:
    """Text of a code element as the browser shows it: <br> and per-line block
    elements are newlines, gutters with line numbers are skipped."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag
        if isinstance(tag, str):
            cls = node.get("class") or ""
            if (node is not el and cls and _is_gutter(cls)) or tag in ("script", "style", "button"):
                if node is not el and node.tail:  # skip the element, keep the text after it
                    parts.append(node.tail)
                return
            if tag == "br":
                parts.append("\n")
            else:
                if tag in ("div", "p", "li", "tr") and parts and not parts[-1].endswith("\n"):
                    parts.append("\n")
                if node.text:
                    parts.append(node.text)
                for child in node:
                    walk(child)
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    text = "".join(parts).replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _is_line_element(node: etree._Element) -> bool:
    cls = node.get("class")
    if cls and not _LINE_CLASSES.isdisjoint(cls.split()):
        return True
    ident = node.get("id")
    return bool(ident and _LINE_ID_RE.match(ident))


def _in_gutter(node: etree._Element, top: etree._Element) -> bool:
    while node is not None and node is not top:
        cls = node.get("class")
        if cls and _is_gutter(cls):
            return True
        node = node.getparent()
    return False


def _per_line_text(el: etree._Element) -> str | None:
    """Code whose highlighter wraps each line in its own element (GitLab `span.line`
    without newlines between them, one `pre` per line in CodeMirror, GitHub's
    `react-file-line` divs): one line per innermost line element, gutters skipped.
    Only when nothing but whitespace lies outside those elements, so no text is lost."""
    lines = [n for n in el.iter(etree.Element) if n is not el and _is_line_element(n)]
    if len(lines) < 2:
        return None
    lines = [n for n in lines if not _in_gutter(n, el)]
    holders: set = set()  # proper ancestors (below el) of line elements
    for n in lines:
        p = n.getparent()
        while p is not None and p is not el and p not in holders:
            holders.add(p)
            p = p.getparent()
    inner = [n for n in lines if n not in holders]
    if len(inner) < 2:
        return None
    inner_set = set(inner)

    def outside(node: etree._Element) -> bool:
        """Visible text under `node` that no line element holds."""
        for child in node:
            if child.tail and child.tail.strip():
                return True
            if not isinstance(child.tag, str) or child in inner_set:
                continue
            cls = child.get("class")
            if (cls and _is_gutter(cls)) or child.tag in ("script", "style", "button"):
                continue
            if child in holders:
                if (child.text or "").strip() or outside(child):
                    return True
            elif "".join(child.itertext()).strip():
                return True
        return False

    if (el.text or "").strip() or outside(el):
        return None
    return "\n".join(_verbatim(n).replace("\n", "").rstrip() for n in inner)


def _drop_gutters(el: etree._Element) -> None:
    """Line-number columns beside a code block (not inside it): removed so that the
    numbers do not end up in the text around the code."""
    for node in list(el.iter(etree.Element)):
        cls = node.get("class")
        if node is not el and cls and _is_gutter(cls) and _is_number_gutter(" ".join(node.itertext()).replace(" ", "\n").strip()):
            replace_with_text(node, "")


def _syntaxhighlighter_lines(el: etree._Element) -> str | None:
    """SyntaxHighlighter 3 renders one <div class="line"> per line inside td.code."""
    lines = [ln for ln in el.iter("div") if re.search(r"(^|\s)line(\s|$)", ln.get("class") or "")]
    if not lines:
        return None
    code_lines = [ln for ln in lines if not any(_is_gutter(a.get("class") or "") for a in ln.iterancestors())]
    return "\n".join(_verbatim(ln).replace("\n", "") for ln in code_lines)


def _is_code_container(el: etree._Element) -> bool:
    cls = el.get("class") or ""
    return bool(_CODE_CONTAINER_RE.search(cls)) or (el.tag == "table" and "file-line" in cls)


def _line_table(table: etree._Element) -> str | None:
    """GitHub/gist-style code tables: one row per line, a number cell and a code cell."""
    cells = [td for td in table.iter("td") if "blob-code" in (td.get("class") or "") or (td.get("class") or "") == "code"]
    if not cells:
        return None
    return "\n".join(_verbatim(td).replace("\n", "") for td in cells)


def _is_number_gutter(text: str) -> bool:
    return bool(text) and all(ln.strip().isdigit() for ln in text.split("\n") if ln.strip())


def rewrite_code_nodes(root: etree._Element, store: ProtectedStore, candidates: list | None = None) -> int:
    """Replace code under `root` with placeholders; returns the number of code blocks.
    `candidates` (document order) may come from a scan shared with math detection."""
    blocks = 0
    if candidates is None:
        # Containers first: they own the <code> elements inside them.
        candidates = [*_CONTAINER_CANDIDATES(root), *_TAG_CANDIDATES(root)]
    for el in candidates:
        if el.tag in ("div", "table", "td") and not _is_code_container(el):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        # Skip nodes inside an already-replaced block (detached subtree).
        node = el
        while node.getparent() is not None:
            node = node.getparent()
        if node is not root:
            continue
        tag = el.tag
        cls = el.get("class") or ""
        if tag in ("div", "table", "td"):
            # Highlighter output without <pre>: one element per line, or <br> lines.
            text = _per_line_text(el)
            if text is None and next(el.iter("pre"), None) is not None:
                _drop_gutters(el)
                continue  # the <pre> inside is the code block
            if text is not None:
                pass
            elif "syntaxhighlighter" in cls:
                text = _syntaxhighlighter_lines(el)
            elif tag == "table":
                text = _line_table(el)
            else:
                text = None
            if text is None:
                text = _verbatim(el)
        elif tag == "code" and not any(a.tag in ("pre", "xmp") for a in el.iterancestors()):
            text = _per_line_text(el) or _verbatim(el)
            if "\n" not in text:
                if text.strip():
                    replace_with_text(el, store.add("C", text.strip()))
                else:
                    replace_with_text(el, "")
                continue
        elif tag in ("pre", "xmp", "listing") or tag != "code":
            if any(_is_gutter(a.get("class") or "") for a in el.iterancestors()) or (
                _is_gutter(cls) and _is_number_gutter(_verbatim(el))
            ):
                replace_with_text(el, "")  # a line-number column rendered as its own <pre>
                continue
            text = _per_line_text(el) or _verbatim(el)
        else:
            continue
        if not text.strip():
            replace_with_text(el, "")
            continue
        if _is_number_gutter(text) and tag == "pre" and text.count("\n") > 0:
            replace_with_text(el, "")
            continue
        replace_with_text(el, f"\n{store.add('B', text, _lang_of(el))}\n")
        blocks += 1
    return blocks
