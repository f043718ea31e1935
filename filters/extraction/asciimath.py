"""AsciiMath -> LaTeX (MathJax's AsciiMath input: `<script type="math/asciimath">` and
backtick-delimited text on pages whose MathJax loads AsciiMath).

Hand-written on purpose, following the grammar and symbol table of asciimath.js (the
parser MathJax uses): no PyPI converter was good enough when measured on 38 common
expressions. `py-asciimath` 0.3.0 (last release 2020; needs the deprecated
`lark-parser` and unmaintained `docopt`) emits invalid TeX (`\\mathmr{if}`,
`\\left\\mid`), fails on `n!` and reads `sin(x)/x` as `\\sin\\frac{x}{x}`;
`unicodemath` 0.1.1 has no matrices, accents, `text`, `abs` or `floor`
(`floor(x)` -> `f(l)\\infty rx`); `asciimath2mathml` 0.2.0 gives up (plain `mtext`) on
`lim_(x->0)`, `a_(i,j)`, `n!` and any piecewise function.

Grammar (asciimath.org): S ::= v | l E r | u S | b S S;  I ::= S_S | S^S | S_S^S | S;
E ::= I E | I/I. Round brackets around a fraction part, a script or a function argument
are dropped, as AsciiMath does; a bracket of bracketed rows is a matrix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CONST = {
    # Greek
    **{g: "\\" + g for g in (
        "alpha beta chi delta Delta epsilon varepsilon eta gamma Gamma iota kappa lambda Lambda mu nu omega Omega "
        "phi varphi Phi pi Pi psi Psi rho sigma Sigma tau theta vartheta Theta upsilon Upsilon xi Xi zeta").split()},
    "epsi": r"\epsilon", "lamda": r"\lambda", "Lamda": r"\Lambda",
    # operators
    "*": r"\cdot", "**": r"\ast", "***": r"\star", "//": "/", "\\\\": r"\backslash", "setminus": r"\setminus",
    "xx": r"\times", "|><": r"\ltimes", "><|": r"\rtimes", "|><|": r"\bowtie", "-:": r"\div", "divide": r"\div",
    "@": r"\circ", "o+": r"\oplus", "ox": r"\otimes", "o.": r"\odot", "^^": r"\wedge", "^^^": r"\bigwedge",
    "vv": r"\vee", "vvv": r"\bigvee", "nn": r"\cap", "nnn": r"\bigcap", "uu": r"\cup", "uuu": r"\bigcup",
    "+-": r"\pm", "-+": r"\mp",
    # relations
    "!=": r"\ne", ":=": ":=", "lt": "<", "gt": ">", "<=": r"\le", "lt=": r"\le", ">=": r"\ge", "gt=": r"\ge",
    "-<": r"\prec", "-lt": r"\prec", ">-": r"\succ", "-<=": r"\preceq", ">-=": r"\succeq", "in": r"\in",
    "!in": r"\notin", "sub": r"\subset", "sup": r"\supset", "sube": r"\subseteq", "supe": r"\supseteq",
    "-=": r"\equiv", "~=": r"\cong", "~~": r"\approx", "~": r"\sim", "prop": r"\propto",
    # logic
    "and": r"\text{ and }", "or": r"\text{ or }", "not": r"\neg", "=>": r"\implies", "if": r"\text{ if }",
    "<=>": r"\iff", "AA": r"\forall", "EE": r"\exists", "_|_": r"\bot", "TT": r"\top", "|--": r"\vdash",
    "|==": r"\models",
    # misc
    "int": r"\int", "oint": r"\oint", "del": r"\partial", "grad": r"\nabla", "O/": r"\emptyset",
    "oo": r"\infty", "aleph": r"\aleph", "...": r"\ldots", ":.": r"\therefore", ":'": r"\because",
    "/_": r"\angle", "/_\\": r"\triangle", "'": "'", "\\ ": r"\ ", "frown": r"\frown", "quad": r"\quad",
    "qquad": r"\qquad", "cdots": r"\cdots", "vdots": r"\vdots", "ddots": r"\ddots", "diamond": r"\diamond",
    "square": r"\square", "|__": r"\lfloor", "__|": r"\rfloor", "|~": r"\lceil", "~|": r"\rceil",
    "CC": r"\mathbb{C}", "NN": r"\mathbb{N}", "QQ": r"\mathbb{Q}", "RR": r"\mathbb{R}", "ZZ": r"\mathbb{Z}",
    "dx": "dx", "dy": "dy", "dz": "dz", "dt": "dt", "!": "!", ",": ",", "=": "=", "+": "+", "-": "-",
    "<": "<", ">": ">", ":": ":", ";": ";", ".": ".", "?": "?", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
    # arrows
    "uarr": r"\uparrow", "darr": r"\downarrow", "rarr": r"\rightarrow", "->": r"\to", "to": r"\to",
    ">->": r"\rightarrowtail", "->>": r"\twoheadrightarrow", ">->>": r"\twoheadrightarrowtail",
    "|->": r"\mapsto", "larr": r"\leftarrow", "harr": r"\leftrightarrow", "rArr": r"\Rightarrow",
    "lArr": r"\Leftarrow", "hArr": r"\Leftrightarrow",
}
# Large operators and limits: scripts go under/over, same TeX syntax.
_UNDEROVER = {"sum": r"\sum", "prod": r"\prod", "lim": r"\lim", "Lim": r"\operatorname{Lim}", "min": r"\min",
              "max": r"\max", "sup": r"\sup", "inf": r"\inf"}
_FUNCS = {f: "\\" + f for f in "sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh coth exp log ln det dim gcd".split()}
_FUNCS |= {"sech": r"\operatorname{sech}", "csch": r"\operatorname{csch}", "lcm": r"\operatorname{lcm}",
           "mod": r"\bmod", "lub": r"\operatorname{lub}", "glb": r"\operatorname{glb}", "f": "f", "g": "g"}
_UNARY = {"sqrt": r"\sqrt", "hat": r"\hat", "bar": r"\overline", "overline": r"\overline", "vec": r"\vec",
          "tilde": r"\tilde", "dot": r"\dot", "ddot": r"\ddot", "ul": r"\underline", "underline": r"\underline",
          "ubrace": r"\underbrace", "underbrace": r"\underbrace", "obrace": r"\overbrace", "overbrace": r"\overbrace",
          "cancel": r"\cancel", "overarc": r"\overparen", "bb": r"\mathbf", "mathbf": r"\mathbf", "bbb": r"\mathbb",
          "mathbb": r"\mathbb", "cc": r"\mathcal", "mathcal": r"\mathcal", "tt": r"\mathtt", "mathtt": r"\mathtt",
          "fr": r"\mathfrak", "mathfrak": r"\mathfrak", "sf": r"\mathsf", "mathsf": r"\mathsf",
          "text": r"\text", "mbox": r"\text"}
_WRAP = {"abs": ("|", "|"), "norm": (r"\|", r"\|"), "floor": (r"\lfloor", r"\rfloor"), "ceil": (r"\lceil", r"\rceil")}
_BINARY = {"frac": r"\frac", "root": r"\sqrt", "stackrel": r"\stackrel", "overset": r"\overset",
           "underset": r"\underset", "color": r"\color"}
_LEFT = {"(": "(", "[": "[", "{": r"\{", "(:": r"\langle", "<<": r"\langle", "{:": "."}
_RIGHT = {")": ")", "]": "]", "}": r"\}", ":)": r"\rangle", ">>": r"\rangle", ":}": "."}
_ENVS = {("(", ")"): "pmatrix", ("[", "]"): "bmatrix", (r"\{", "."): "cases", ("|", "|"): "vmatrix",
         (".", "."): "matrix", (r"\{", r"\}"): "Bmatrix"}
_NAMES = sorted({*_CONST, *_UNDEROVER, *_FUNCS, *_UNARY, *_WRAP, *_BINARY, *_LEFT, *_RIGHT, "|", "/", "_", "^"},
                key=len, reverse=True)
_NAME_RE = re.compile("|".join(re.escape(n) for n in _NAMES))
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_CMD_END_RE = re.compile(r"\\[A-Za-z]+$")
_SCRIPT_END_RE = re.compile(r"[_^][A-Za-z0-9]$")


def _tokens(src: str) -> list[tuple[str, str]]:
    """(kind, text): kind is 'sym' (a table name), 'num', 'text' (quoted) or 'var'."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if ch == '"':
            j = src.find('"', i + 1)
            j = n if j < 0 else j
            out.append(("text", src[i + 1 : j]))
            i = j + 1
            continue
        m = _NUMBER_RE.match(src, i)
        if m:
            out.append(("num", m.group()))
            i = m.end()
            continue
        m = _NAME_RE.match(src, i)
        if m:
            name = m.group()
            closer = {"(": ")", "[": "]", "{": "}"}.get(src[m.end() : m.end() + 1])
            if name in ("text", "mbox") and closer:  # text(...) keeps its spaces
                j = src.find(closer, m.end())
                j = n if j < 0 else j
                out.append(("text", src[m.end() + 1 : j]))
                i = j + 1
                continue
            out.append(("sym", name))
            i = m.end()
            continue
        out.append(("var", ch))
        i += 1
    return out


@dataclass
class _Node:
    tex: str
    inner: str | None = None  # for a bracket group: the content without its brackets
    left: str = ""
    right: str = ""
    rows: list[list[str]] | None = None  # for a bracket group: its comma-separated cells


def _join(parts: list[str]) -> str:
    out = ""
    for p in parts:
        if not p:
            continue
        if out and (p[0].isalpha() or p[0].isdigit() and out[-1].isalpha()) and _CMD_END_RE.search(out):
            out += " "
        elif out and p[0].isalnum() and _SCRIPT_END_RE.search(out):
            out += " "  # x^n k, not x^nk
        out += p
    return out


def _group(tex: str) -> str:
    return tex if len(tex) == 1 else "{" + tex + "}"


class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    @staticmethod
    def unbracket(node: _Node) -> str:
        """Brackets ( [ { and the invisible {: :} around an argument are not printed (as
        asciimath.js's AMremoveBrackets)."""
        if node.inner is not None and node.left in ("(", "[", r"\{", ".") and node.right in (")", "]", r"\}", "."):
            return node.inner
        return node.tex

    def script_arg(self) -> str:
        """A sub/superscript: x^-1 is x^{-1} (a minus after ^ or _ binds what follows)."""
        tok = self.peek()
        if tok == ("sym", "-"):
            self.take()
            arg = self.simple()
            return "-" + (self.unbracket(arg) if arg is not None else "")
        arg = self.simple()
        return self.unbracket(arg) if arg is not None else ""

    def simple(self) -> _Node | None:
        tok = self.peek()
        if tok is None:
            return None
        kind, text = tok
        if kind == "sym" and (text in _RIGHT or text in ("/", "_", "^")):
            return None
        self.take()
        if kind == "num":
            return _Node(text)
        if kind == "var":
            return _Node(text)
        if kind == "text":
            return _Node(r"\text{" + text + "}")
        if text in _LEFT:
            return self.bracket(_LEFT[text])
        if text == "|":
            # |…| is a bracket when a matching | follows at the same depth (|x|, a
            # determinant |(a,b),(c,d)|); a lone | (P(A|B)) is a symbol.
            return self.bracket("|") if self.closing_bar() else _Node("|")
        if text in _FUNCS:
            nxt = self.peek()
            if nxt is None or nxt[1] in ("^", "_", "/", "|", ",", *_RIGHT) or len(text) == 1 and nxt[1] != "(":
                return _Node(_FUNCS[text])
            arg = self.simple()
            if arg is None:
                return _Node(_FUNCS[text])
            return _Node(_join([_FUNCS[text], arg.tex if arg.inner is not None else " " + arg.tex]))
        if text in _UNARY or text in _WRAP:
            arg = self.simple()
            inner = self.unbracket(arg) if arg is not None else ""
            if text in _WRAP:
                left, right = _WRAP[text]
                return _Node(rf"\left{left} {inner} \right{right}")
            return _Node(f"{_UNARY[text]}{{{inner}}}")
        if text in _BINARY:
            a, b = self.simple(), self.simple()
            at = self.unbracket(a) if a else ""
            bt = self.unbracket(b) if b else ""
            if text == "root":
                return _Node(rf"\sqrt[{at}]{{{bt}}}")
            if text == "color":
                return _Node(rf"{{\color{{{at}}}{bt}}}")
            return _Node(f"{_BINARY[text]}{{{at}}}{{{bt}}}")
        if text in _UNDEROVER:
            return _Node(_UNDEROVER[text])
        return _Node(_CONST.get(text, text))

    def closing_bar(self) -> bool:
        depth = 0
        for kind, text in self.toks[self.i :]:
            if kind != "sym":
                continue
            if text in _LEFT:
                depth += 1
            elif text in _RIGHT:
                depth -= 1
                if depth < 0:
                    return False
            elif text == "|" and depth == 0:
                return True
        return False

    def bracket(self, left: str) -> _Node:
        items: list[list[_Node]] = [[]]
        right = ""
        while self.peek() is not None:
            kind, text = self.peek()
            if kind == "sym" and (text in _RIGHT or (text == "|" and left == "|")):
                self.take()
                right = _RIGHT.get(text, "|")
                break
            if kind == "sym" and text == ",":
                self.take()
                items.append([])
                continue
            expr = self.intermediate_seq(stop_at_comma=True, stop_at_bar=left == "|")
            if not expr:
                self.take()  # a stray token that cannot start an expression
                continue
            items[-1].extend(expr)
        cells = [_join([n.tex for n in item]) for item in items]
        inner = ",".join(cells)
        # A bracket of bracketed rows with the same number of cells is a matrix.
        rows = [item[0].rows for item in items if len(item) == 1 and item[0].rows is not None]
        if len(items) >= 2 and len(rows) == len(items) and len({len(r) for r in rows}) == 1:
            env = _ENVS.get((left, right))
            body = r" \\ ".join(" & ".join(r) for r in rows)
            if env:
                return _Node(rf"\begin{{{env}}} {body} \end{{{env}}}")
            return _Node(rf"\left{left} \begin{{matrix}} {body} \end{{matrix}} \right{right or '.'}")
        lt = "" if left == "." else left
        rt = "" if right in (".", "") else right
        return _Node(lt + inner + rt, inner=inner, left=left, right=right or ".", rows=cells)

    def intermediate(self) -> _Node | None:
        base = self.simple()
        if base is None:
            return None
        tex = base.tex
        used: set[str] = set()
        while True:  # a_1^2 as well as a^2_1
            tok = self.peek()
            if tok is None or tok[0] != "sym" or tok[1] not in ("_", "^") or tok[1] in used:
                break
            self.take()
            used.add(tok[1])
            tex += tok[1] + _group(self.script_arg())
        if tex == base.tex:
            return base
        return _Node(tex)

    def intermediate_seq(self, stop_at_comma: bool = False, stop_at_bar: bool = False) -> list[_Node]:
        """I E: intermediates and I/I fractions, until a closing bracket (or a comma)."""
        out: list[_Node] = []
        while self.peek() is not None:
            kind, text = self.peek()
            if kind == "sym" and (text in _RIGHT or (stop_at_comma and text == ",") or (stop_at_bar and text == "|")):
                break
            if kind == "sym" and text == "/":
                self.take()
                num = out.pop() if out else _Node("")
                den = self.intermediate() or _Node("")
                out.append(_Node(rf"\frac{{{self.unbracket(num)}}}{{{self.unbracket(den)}}}"))
                continue
            if kind == "sym" and text in ("_", "^"):
                self.take()  # a script with no base: keep it on an empty group
                arg = self.simple()
                out.append(_Node("{}" + text + _group(self.unbracket(arg) if arg else "")))
                continue
            node = self.intermediate()
            if node is None:
                self.take()
                continue
            out.append(node)
        return out


def asciimath_to_latex(src: str) -> str:
    """LaTeX for an AsciiMath expression (as MathJax's AsciiMath input would render it)."""
    parser = _Parser(src)
    parts: list[str] = []
    try:
        while parser.peek() is not None:
            parts.extend(n.tex for n in parser.intermediate_seq())
            if parser.peek() is not None:  # an unmatched closing bracket: print it and go on
                parts.append(_RIGHT.get(parser.take()[1], ""))
    except RecursionError:  # absurdly nested brackets: keep the source rather than lose it
        return src.strip()
    return _join(parts).strip()


__all__ = ["asciimath_to_latex"]
