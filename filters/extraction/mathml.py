"""Presentation MathML -> LaTeX, for formulas whose page states no TeX (no x-tex
annotation, no `alttext`).

Hand-written on purpose. The PyPI converter `mathml-to-latex` 1.0.0 (the only maintained
candidate; a port of a JS library) was measured on every MathML 3 presentation element
and gets many wrong: `mmultiscripts` prescripts come out as `\\_{k}^{}F`, `mtable`
loses its environment (`\\left(\\right. a & b \\\\ c & d \\left.\\right)`), stretchy
fences become `\\left(\\right.`, `maction` renders every branch, `ms` and `mglyph`
vanish, U+2061/U+2062 leak into the TeX and `sin`/`lim` stay plain letters. This module
covers every element of MathML 3 presentation markup (see `_CONVERTERS`) with named and
numeric entities already resolved by the HTML parser; it is one small recursive walk,
bounded by the page's time budget like the rest of the extraction.
"""
from __future__ import annotations

import html
import re
import unicodedata

from lxml import etree

# ---------------------------------------------------------------- symbol tables

_INVISIBLE = {"\u2061", "\u2062", "\u2063", "\u2064", "\u200b"}
_SYMBOLS = {
    "±": r"\pm", "∓": r"\mp", "×": r"\times", "÷": r"\div", "⋅": r"\cdot", "·": r"\cdot", "∘": r"\circ",
    "∙": r"\bullet", "−": "-", "∗": "*", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "≡": r"\equiv",
    "∼": r"\sim", "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg", "≺": r"\prec",
    "≻": r"\succ", "⪯": r"\preceq", "⪰": r"\succeq", "∈": r"\in", "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset",
    "⊃": r"\supset", "⊆": r"\subseteq", "⊇": r"\supseteq", "⊄": r"\not\subset", "∪": r"\cup", "∩": r"\cap",
    "∖": r"\setminus", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "→": r"\to", "←": r"\leftarrow",
    "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow",
    "⟹": r"\implies", "⟸": r"\impliedby", "⟺": r"\iff", "↦": r"\mapsto", "⟶": r"\longrightarrow",
    "↑": r"\uparrow", "↓": r"\downarrow", "∀": r"\forall", "∃": r"\exists", "∄": r"\nexists", "∅": r"\emptyset",
    "∞": r"\infty", "∂": r"\partial", "∇": r"\nabla", "∑": r"\sum", "∏": r"\prod", "∐": r"\coprod",
    "∫": r"\int", "∬": r"\iint", "∭": r"\iiint", "∮": r"\oint", "⋃": r"\bigcup", "⋂": r"\bigcap",
    "⨁": r"\bigoplus", "⨂": r"\bigotimes", "⋁": r"\bigvee", "⋀": r"\bigwedge", "√": r"\surd", "⋯": r"\cdots",
    "…": r"\ldots", "⋮": r"\vdots", "⋱": r"\ddots", "′": "'", "″": "''", "‴": "'''", "°": r"^\circ",
    "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}",
    "ℏ": r"\hbar", "ℓ": r"\ell", "ℵ": r"\aleph", "ℑ": r"\Im", "ℜ": r"\Re", "℘": r"\wp", "⊕": r"\oplus",
    "⊗": r"\otimes", "⊙": r"\odot", "⊥": r"\perp", "∥": r"\parallel", "∣": r"\mid", "⟨": r"\langle",
    "⟩": r"\rangle", "〈": r"\langle", "〉": r"\rangle", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil",
    "⌉": r"\rceil", "‖": r"\|", "⊢": r"\vdash", "⊨": r"\models", "∠": r"\angle", "△": r"\triangle",
    "□": r"\square", "∴": r"\therefore", "∵": r"\because", "★": r"\star", "⋆": r"\star", "†": r"\dagger",
    "ϵ": r"\epsilon", "ε": r"\varepsilon", "ϑ": r"\vartheta", "ϕ": r"\phi", "φ": r"\varphi", "ς": r"\varsigma",
    "ϖ": r"\varpi", "ϱ": r"\varrho", "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&", "_": r"\_",
    "~": r"\sim", "\u00a0": " ",
}
_GREEK_CAPS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
FUNCTIONS = frozenset(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg exp lim limsup liminf max min sup "
    "inf det dim ker deg gcd hom arg Pr mod".split()
)
_LARGE_OPS = {r"\sum", r"\prod", r"\coprod", r"\int", r"\iint", r"\iiint", r"\oint", r"\bigcup", r"\bigcap",
              r"\bigoplus", r"\bigotimes", r"\bigvee", r"\bigwedge", r"\lim", r"\max", r"\min", r"\sup", r"\inf",
              r"\limsup", r"\liminf", r"\det", r"\gcd", r"\Pr"}
# mover / munder accents: the accent character -> TeX command (over, under).
_OVER_ACCENTS = {
    "^": r"\hat", "\u0302": r"\hat", "ˆ": r"\hat", "~": r"\tilde", "\u0303": r"\tilde", "˜": r"\tilde",
    "¯": r"\bar", "\u0304": r"\bar", "\u0305": r"\overline", "‾": r"\overline", "―": r"\overline", "→": r"\vec", "\u20d7": r"\vec",
    "˙": r"\dot", "\u0307": r"\dot", "¨": r"\ddot", "\u0308": r"\ddot", "ˇ": r"\check", "\u030c": r"\check",
    "˘": r"\breve", "\u0306": r"\breve", "´": r"\acute", "\u0301": r"\acute", "`": r"\grave", "\u0300": r"\grave",
    "⏞": r"\overbrace", "︷": r"\overbrace", "⟶": r"\overrightarrow", "←": r"\overleftarrow",
}
_UNDER_ACCENTS = {"_": r"\underline", "\u0332": r"\underline", "¯": r"\underline", "‾": r"\underline",
                  "⏟": r"\underbrace", "︸": r"\underbrace"}
_MATHVARIANT = {"bold": r"\mathbf", "double-struck": r"\mathbb", "script": r"\mathcal", "fraktur": r"\mathfrak",
                "sans-serif": r"\mathsf", "monospace": r"\mathtt", "bold-italic": r"\boldsymbol", "normal": r"\mathrm"}
_OPEN_FENCES = {"(": "(", "[": "[", "{": r"\{", "|": "|", "‖": r"\|", "⟨": r"\langle", "〈": r"\langle",
                "⌊": r"\lfloor", "⌈": r"\lceil"}
_CLOSE_FENCES = {")": ")", "]": "]", "}": r"\}", "|": "|", "‖": r"\|", "⟩": r"\rangle", "〉": r"\rangle",
                 "⌋": r"\rfloor", "⌉": r"\rceil"}
_MATRIX_ENV = {("(", ")"): "pmatrix", ("[", "]"): "bmatrix", (r"\{", r"\}"): "Bmatrix", ("|", "|"): "vmatrix",
               (r"\|", r"\|"): "Vmatrix"}


def _char_tex(ch: str) -> str:
    if ch in _SYMBOLS:
        return _SYMBOLS[ch]
    if ch in _INVISIBLE:
        return ""
    if "\u0370" <= ch <= "\u03ff":
        name = unicodedata.name(ch, "")
        m = re.match(r"GREEK (SMALL|CAPITAL) LETTER (\w+)$", name)
        if m:
            word = m.group(2).lower().replace("lamda", "lambda")  # Unicode spells it LAMDA
            if m.group(1) == "SMALL":
                return "o" if word == "omicron" else "\\" + word
            cap = word.capitalize()
            if cap in _GREEK_CAPS:
                return "\\" + cap
            return unicodedata.lookup(f"LATIN CAPITAL LETTER {word[0].upper()}") if word != "chi" else "X"
    return ch


def symbols_tex(text: str) -> str:
    """Unicode text of a token element -> TeX (commands followed by a space where needed)."""
    return _join([_char_tex(ch) for ch in text])


# ---------------------------------------------------------------- the walk


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _kids(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c.tag) not in ("annotation", "annotation-xml")]


def _text(el: etree._Element) -> str:
    text = "".join(el.itertext()).strip()
    # Entities the parser did not know (it resolves HTML's, MathML's &af; &it; … mostly) stay literal.
    return html.unescape(text) if "&" in text else text


def _group(tex: str) -> str:
    """Braces around a sub/superscript or argument unless it is one character or command."""
    tex = tex.strip()
    if len(tex) == 1 or re.fullmatch(r"\\[A-Za-z]+", tex):
        return tex
    return "{" + tex + "}"


_TRAILING_CMD_RE = re.compile(r"\\[A-Za-z]+$")
_SCRIPT_END_RE = re.compile(r"[_^][A-Za-z0-9]$")


def _join(parts: list[str]) -> str:
    """Concatenate TeX pieces, with a space only where a command name would run on."""
    out = ""
    for p in parts:
        if not p:
            continue
        if out and p[0].isalpha() and out[-1].isalpha() and _TRAILING_CMD_RE.search(out):
            out += " "
        elif out and p[0].isalnum() and _SCRIPT_END_RE.search(out):
            out += " "  # \\sum_{i=1}^n i, not ^ni
        out += p
    return out


def _fence(el: etree._Element) -> etree._Element | None:
    """The `mo` of a fence: the element itself, or the one `mo` inside a wrapper `mrow`
    (MathJax writes `\\big(` and `\\binom`'s parentheses as `<mrow><mo>(</mo></mrow>`)."""
    while _local(el.tag) == "mrow":
        kids = _kids(el)
        if len(kids) != 1:
            return None
        el = kids[0]
    return el if _local(el.tag) == "mo" else None


def _stretchy(mo: etree._Element, inner: list[etree._Element]) -> bool:
    """A fence written as \\left…\\right: said so (stretchy, fence, MathJax's OPEN class),
    or around something tall, unless the page says stretchy="false"."""
    if mo.get("stretchy") == "false":
        return False
    if mo.get("stretchy") == "true" or mo.get("fence") == "true" or mo.get("data-mjx-texclass") == "OPEN":
        return True
    return any(_local(x.tag) in ("mfrac", "mtable", "munderover", "msqrt", "mroot") for k in inner for x in k.iter())


def _row(el: etree._Element) -> str:
    kids = _kids(el)
    # A fenced row: ( … ) around a table is a matrix environment, around anything tall \left…\right.
    first, last = (_fence(kids[0]), _fence(kids[-1])) if len(kids) >= 2 else (None, None)
    if first is not None and last is not None:
        o, c = _text(first), _text(last)
        inner = kids[1:-1]
        if o in _OPEN_FENCES and c in _CLOSE_FENCES:
            ot, ct = _OPEN_FENCES[o], _CLOSE_FENCES[c]
            if len(inner) == 1 and _local(inner[0].tag) == "mtable" and (ot, ct) in _MATRIX_ENV:
                return _table(inner[0], _MATRIX_ENV[(ot, ct)])
            if (o, c) == ("(", ")") and len(inner) == 1 and _local(inner[0].tag) == "mfrac" and _is_zero_line(inner[0]):
                a, b = (_conv(x) for x in _kids(inner[0])[:2])
                return rf"\binom{{{a}}}{{{b}}}"
            if _stretchy(first, inner):
                return rf"\left{ot} {_join([_conv(k) for k in inner])} \right{ct}"
    # Inside a longer row: "det ( table )" is a matrix, "{ table" (no closer) is cases.
    parts: list[str] = []
    i = 0
    while i < len(kids):
        k = kids[i]
        fence = _fence(k)
        if fence is not None and i + 1 < len(kids) and _local(kids[i + 1].tag) == "mtable":
            o = _text(fence)
            closer = _fence(kids[i + 2]) if i + 2 < len(kids) else None
            close = _text(closer) if closer is not None else ""
            env = _MATRIX_ENV.get((_OPEN_FENCES.get(o, ""), _CLOSE_FENCES.get(close, "")))
            if env:
                parts.append(_table(kids[i + 1], env))
                i += 3
                continue
            if o == "{":
                parts.append(_table(kids[i + 1], "cases"))
                i += 2 if closer is None or close else 3  # MathJax closes cases with an empty <mo>
                continue
        parts.append(_conv(k))
        i += 1
    return _join(parts)


def _is_zero_line(frac: etree._Element) -> bool:
    lt = (frac.get("linethickness") or "").strip()
    return bool(lt) and re.fullmatch(r"0(\.0*)?[a-z%]*", lt) is not None


def _frac(el: etree._Element) -> str:
    kids = _kids(el)
    if len(kids) < 2:
        return _join([_conv(k) for k in kids])
    a, b = _conv(kids[0]), _conv(kids[1])
    if _is_zero_line(el):
        return rf"{{{a} \atop {b}}}"
    if el.get("bevelled") == "true":
        return f"{_group(a)}/{_group(b)}"
    return rf"\frac{{{a}}}{{{b}}}"


def _mi(el: etree._Element) -> str:
    text = _text(el)
    variant = el.get("mathvariant")
    if len(text) > 1 and text in FUNCTIONS:
        return "\\" + text if text != "mod" else r"\bmod"
    tex = symbols_tex(text)
    if variant in _MATHVARIANT and variant != "normal" and tex:
        return f"{_MATHVARIANT[variant]}{{{tex}}}"
    if len(text) > 1 and text.isalpha() and text.isascii():
        return rf"\mathrm{{{text}}}"
    if variant == "normal" and len(text) == 1 and text.isalpha() and text.isascii():
        return rf"\mathrm{{{text}}}"
    return tex


def _mo(el: etree._Element) -> str:
    text = _text(el)
    if text in FUNCTIONS:
        return "\\" + text
    return symbols_tex(text)


def _escape_text(text: str) -> str:
    text = "".join(ch for ch in text if ch not in _INVISIBLE)
    return re.sub(r"([{}%#&_$])", r"\\\1", text).replace("\\\\", r"\textbackslash ")


def _mtext(el: etree._Element) -> str:
    text = "".join(el.itertext())
    if not text.strip():
        return " " if text else ""
    return rf"\text{{{_escape_text(text.replace(chr(160), ' '))}}}"


def _ms(el: etree._Element) -> str:
    lq, rq = el.get("lquote", '"'), el.get("rquote", '"')
    return rf"\text{{{_escape_text(lq + ''.join(el.itertext()) + rq)}}}"


def _mspace(el: etree._Element) -> str:
    if el.get("linebreak") == "newline":
        return r"\\ "
    m = re.match(r"\s*([\d.]+)\s*(em|ex|px|pt|mu)?", el.get("width") or "")
    if not m:
        return ""
    w = float(m.group(1)) * {"ex": 0.5, "px": 1 / 16, "pt": 0.1, "mu": 1 / 18}.get(m.group(2) or "em", 1.0)
    if w >= 1.9:
        return r"\qquad "
    if w >= 0.9:
        return r"\quad "
    if w >= 0.25:
        return r"\; "
    return r"\, " if w > 0 else ""


def _sqrt(el: etree._Element) -> str:
    return rf"\sqrt{{{_row(el)}}}"


def _root(el: etree._Element) -> str:
    kids = _kids(el)
    if len(kids) < 2:
        return _sqrt(el)
    return rf"\sqrt[{_conv(kids[1])}]{{{_conv(kids[0])}}}"


def _base(el: etree._Element) -> str:
    tex = _conv(el)
    if _local(el.tag) in ("mi", "mn", "mo") or len(tex) == 1 or re.fullmatch(r"\\[A-Za-z]+", tex):
        return tex
    return "{" + tex + "}"


def _script(sub: str | None, sup: str | None) -> str:
    out = ""
    if sub:
        out += "_" + _group(sub)
    if sup:
        out += sup if re.fullmatch("'+", sup) else "^" + _group(sup)
    return out


def _subsup(el: etree._Element) -> str:
    kids = _kids(el)
    tag = _local(el.tag)
    if not kids:
        return ""
    base = _base(kids[0])
    args = [_conv(k) for k in kids[1:3]]
    if tag == "msub":
        return base + _script(args[0] if args else None, None)
    if tag == "msup":
        return base + _script(None, args[0] if args else None)
    return base + _script(args[0] if args else None, args[1] if len(args) > 1 else None)


def _accent(cmd_table: dict, script: etree._Element) -> str | None:
    if _local(script.tag) not in ("mo", "mi", "mtext"):
        return None
    return cmd_table.get(_text(script))


def _underover(el: etree._Element) -> str:
    kids = _kids(el)
    tag = _local(el.tag)
    if not kids:
        return ""
    base_el = kids[0]
    base = _conv(base_el)
    under = kids[1] if tag in ("munder", "munderover") and len(kids) > 1 else None
    over = kids[2] if tag == "munderover" and len(kids) > 2 else (kids[1] if tag == "mover" and len(kids) > 1 else None)
    if under is None and over is not None:
        cmd = _accent(_OVER_ACCENTS, over)
        if cmd:
            if cmd == r"\bar" and len(_text(base_el)) > 1:
                cmd = r"\overline"
            return f"{cmd}{{{base}}}"
    if over is None and under is not None:
        cmd = _accent(_UNDER_ACCENTS, under)
        if cmd:
            return f"{cmd}{{{base}}}"
    under_tex = _conv(under) if under is not None else None
    over_tex = _conv(over) if over is not None else None
    if base.strip() in _LARGE_OPS or _local(base_el.tag) == "mo" and base.startswith("\\") or (
        _local(base_el.tag) in ("munder", "mover", "munderover") and base.startswith(("\\overbrace", "\\underbrace"))
    ):
        return base + _script(under_tex, over_tex)
    out = base
    if under_tex is not None:
        out = rf"\underset{{{under_tex}}}{{{out}}}"
    if over_tex is not None:
        out = rf"\overset{{{over_tex}}}{{{out}}}"
    return out


def _multiscripts(el: etree._Element) -> str:
    kids = _kids(el)
    if not kids:
        return ""
    base = _base(kids[0])
    post: list[str | None] = []
    pre: list[str | None] = []
    target = post
    for k in kids[1:]:
        name = _local(k.tag)
        if name == "mprescripts":
            target = pre
            continue
        target.append(None if name == "none" else _conv(k))

    def pairs(items: list[str | None]) -> str:
        # Consecutive script pairs are separated by an empty group: R^{i}{}_{j}.
        return "{}".join(_script(items[i], items[i + 1] if i + 1 < len(items) else None) for i in range(0, len(items), 2))

    pre_tex = pairs(pre)
    return ("{}" + pre_tex if pre_tex else "") + base + pairs(post)


def _table(el: etree._Element, env: str | None = None) -> str:
    rows = []
    for tr in _kids(el):
        name = _local(tr.tag)
        if name not in ("mtr", "mlabeledtr"):
            rows.append(_conv(tr))
            continue
        cells = [c for c in _kids(tr)]
        label = ""
        if name == "mlabeledtr" and cells:
            label = rf" \tag{{{_plain_label(cells[0])}}}"
            cells = cells[1:]
        rows.append(" & ".join(_conv(c) for c in cells) + label)
    env = env or ("aligned" if _looks_aligned(el) else "matrix")
    return rf"\begin{{{env}}} " + r" \\ ".join(rows) + rf" \end{{{env}}}"


def _plain_label(cell: etree._Element) -> str:
    return _text(cell).strip("()") or _conv(cell)


def _looks_aligned(table: etree._Element) -> bool:
    """latex2mathml / MathJax write aligned and align* as a table with alternating right/left columns."""
    align = (table.get("columnalign") or "").split()
    return len(align) >= 2 and align[0] == "right" and align[1] == "left"


def _enclose(el: etree._Element) -> str:
    inner = _row(el)
    notations = set((el.get("notation") or "longdiv").replace(",", " ").split())
    if {"updiagonalstrike", "downdiagonalstrike"} <= notations:
        return rf"\xcancel{{{inner}}}"
    if "updiagonalstrike" in notations:
        return rf"\cancel{{{inner}}}"
    if "downdiagonalstrike" in notations:
        return rf"\bcancel{{{inner}}}"
    if notations & {"box", "roundedbox"} or {"top", "bottom", "left", "right"} <= notations:
        return rf"\boxed{{{inner}}}"
    if notations == {"radical"}:
        return rf"\sqrt{{{inner}}}"
    if notations == {"top"}:
        return rf"\overline{{{inner}}}"
    if notations == {"bottom"}:
        return rf"\underline{{{inner}}}"
    # circle, longdiv, actuarial, madruwb, phasorangle, …: MathJax's \enclose (its TeX for these).
    return rf"\enclose{{{','.join(sorted(notations))}}}{{{inner}}}"


def _fenced(el: etree._Element) -> str:
    o = el.get("open", "(")
    c = el.get("close", ")")
    seps = [s for s in (el.get("separators", ",") or "") if not s.isspace()]
    items = [_conv(k) for k in _kids(el)]
    out = ""
    for i, item in enumerate(items):
        if i:
            out += (seps[min(i - 1, len(seps) - 1)] if seps else "") + " "
        out += item
    ot = _OPEN_FENCES.get(o, symbols_tex(o)) if o else "."
    ct = _CLOSE_FENCES.get(c, symbols_tex(c)) if c else "."
    if len(items) == 1 and _local(_kids(el)[0].tag) == "mtable" and (ot, ct) in _MATRIX_ENV:
        return _table(_kids(el)[0], _MATRIX_ENV[(ot, ct)])
    return rf"\left{ot} {out} \right{ct}"


def _action(el: etree._Element) -> str:
    kids = _kids(el)
    try:
        sel = int(el.get("selection") or 1)
    except ValueError:
        sel = 1
    return _conv(kids[sel - 1]) if 0 < sel <= len(kids) else (_conv(kids[0]) if kids else "")


def _semantics(el: etree._Element) -> str:
    kids = _kids(el)
    return _conv(kids[0]) if kids else ""


def _glyph(el: etree._Element) -> str:
    alt = el.get("alt") or ""
    return rf"\text{{{_escape_text(alt)}}}" if alt else ""


def _phantom(el: etree._Element) -> str:
    return rf"\phantom{{{_row(el)}}}"


def _style(el: etree._Element) -> str:
    inner = _row(el)
    color = el.get("mathcolor") or el.get("color")
    return rf"\color{{{color}}}{{{inner}}}" if color and inner and _local(el.tag) == "mstyle" else inner


_CONVERTERS = {
    "math": _row, "mrow": _row, "mstyle": _style, "mpadded": _row, "merror": _row, "mphantom": _phantom,
    "menclose": _enclose, "mfenced": _fenced, "maction": _action, "semantics": _semantics,
    "mi": _mi, "mn": lambda e: symbols_tex(_text(e)), "mo": _mo, "mtext": _mtext, "ms": _ms, "mspace": _mspace,
    "mglyph": _glyph, "mfrac": _frac, "msqrt": _sqrt, "mroot": _root, "msub": _subsup, "msup": _subsup,
    "msubsup": _subsup, "munder": _underover, "mover": _underover, "munderover": _underover,
    "mmultiscripts": _multiscripts, "mtable": _table, "mtr": lambda e: " & ".join(_conv(c) for c in _kids(e)),
    "mlabeledtr": lambda e: " & ".join(_conv(c) for c in _kids(e)[1:]), "mtd": _row, "none": lambda e: "",
    "mprescripts": lambda e: "", "annotation": lambda e: "", "annotation-xml": lambda e: "",
    "maligngroup": lambda e: "", "malignmark": lambda e: "", "mstack": _row, "mlongdiv": _row, "msrow": _row,
    "msgroup": _row, "mscarries": lambda e: "", "mscarry": lambda e: "", "msline": lambda e: "",
}


def _conv(el: etree._Element | None) -> str:
    if el is None:
        return ""
    fn = _CONVERTERS.get(_local(el.tag))
    if fn is None:  # not MathML (HTML inside <math>, or an unknown element): its children, else its text
        kids = _kids(el)
        return _join([_conv(k) for k in kids]) if kids else symbols_tex(_text(el))
    return fn(el)


def mathml_to_latex(math: etree._Element) -> str:
    """LaTeX for a `<math>` element (or any presentation MathML element)."""
    tex = _conv(math)
    return re.sub(r"[ \t\n]+", " ", tex).strip()


__all__ = ["mathml_to_latex", "symbols_tex", "FUNCTIONS"]
