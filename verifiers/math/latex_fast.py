"""A small LaTeX -> sympy reader for the answer shapes that dominate real data.

Why hand-written: Math-Verify's parser (latex2sympy2_extended, an ANTLR grammar) costs ~40 ms per
answer in pure-Python ANTLR; this recursive-descent reader covers the common subset in well under
1 ms and gives up (returns None) on anything else, which then goes to Math-Verify's parser.

Covered: numbers, + - * / ^, \\frac, \\sqrt (with index), \\pi, \\infty, \\cdot, \\times, implicit
multiplication, single-letter variables, i (imaginary unit), e (Euler's number), \\pm, groups,
comma lists (sets), tuples, intervals, \\{...\\} sets and \\cup. Not covered (falls back): functions,
subscripts, relations, text, matrices, factorials, anything unknown.
"""
from __future__ import annotations

import re
from typing import Any

import sympy as sp

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<cmd>\\[A-Za-z]+|\\[{}])|(?P<letter>[A-Za-z])|(?P<op>[-+*/^(),\[\]{}]))"
)
_COMMANDS = {"\\frac", "\\sqrt", "\\pi", "\\infty", "\\cdot", "\\times", "\\pm", "\\cup", "\\{", "\\}"}


class _GiveUp(Exception):
    pass


def _tokenize(s: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    s = s.strip()
    while pos < len(s):
        m = _TOKEN_RE.match(s, pos)
        if m is None or m.end() == pos:
            raise _GiveUp
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "cmd" and text not in _COMMANDS:
            raise _GiveUp
        out.append((kind, text))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self, k: int = 0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else (None, None)

    def take(self, text: str | None = None):
        tok = self.peek()
        if tok[0] is None or (text is not None and tok[1] != text):
            raise _GiveUp
        self.i += 1
        return tok

    def at(self, text: str) -> bool:
        return self.peek()[1] == text

    # top level: comma lists, intervals, sets, unions
    def answer(self) -> Any:
        first = self.setlike()
        items = [first]
        while self.at(","):
            self.take(",")
            items.append(self.setlike())
        if self.peek()[0] is not None:
            raise _GiveUp
        if len(items) == 1:
            return first
        if any(isinstance(x, (sp.Set, sp.Tuple)) for x in items) or self._thousands_like():
            raise _GiveUp  # lists of tuples/intervals: leave to the full parser
        return sp.FiniteSet(*items)

    def _thousands_like(self) -> bool:
        """"10,080": a thousands separator or a list? Leave that call to the full parser."""
        return any(
            self.t[j][1] == "," and self.t[j + 1][0] == "num" and len(self.t[j + 1][1]) == 3
            for j in range(len(self.t) - 1)
        )

    def setlike(self) -> Any:
        left = self.bracketed_or_expr()
        while self.at("\\cup"):
            self.take("\\cup")
            right = self.bracketed_or_expr()
            if not (isinstance(left, sp.Set) and isinstance(right, sp.Set)):
                raise _GiveUp
            left = sp.Union(left, right)
        return left

    def bracketed_or_expr(self) -> Any:
        kind, text = self.peek()
        if text in ("(", "[") and self._has_top_comma():
            return self.interval_or_tuple()
        if text == "\\{":
            self.take("\\{")
            items = [self.expr()]
            while self.at(","):
                self.take(",")
                items.append(self.expr())
            self.take("\\}")
            if any(isinstance(x, sp.Set) for x in items):
                raise _GiveUp
            return sp.FiniteSet(*items)
        return self.expr()

    def _has_top_comma(self) -> bool:
        depth = 0
        for j in range(self.i, len(self.t)):
            text = self.t[j][1]
            if text in ("(", "[", "{", "\\{"):
                depth += 1
            elif text in (")", "]", "}", "\\}"):
                depth -= 1
                if depth == 0:
                    return False
            elif text == "," and depth == 1:
                return True
        return False

    def interval_or_tuple(self) -> Any:
        opener = self.take()[1]
        items = [self.expr()]
        while self.at(","):
            self.take(",")
            items.append(self.expr())
        closer = self.take()[1]
        if closer not in (")", "]"):
            raise _GiveUp
        if len(items) == 2 and all(x.is_extended_real and not x.free_symbols for x in items):
            lo, hi = items
            if bool(lo < hi):
                return sp.Interval(lo, hi, left_open=opener == "(", right_open=closer == ")")
        if opener == "(" and closer == ")":
            return sp.Tuple(*items)
        raise _GiveUp

    # arithmetic
    def expr(self) -> Any:
        if self.at("\\pm"):  # "\pm 2" / "1 \pm \sqrt{19}"
            self.take()
            value = self.term()
            return sp.FiniteSet(-value, value)
        value = self.signed_term()
        while True:
            if self.at("+"):
                self.take()
                value = value + self.term()
            elif self.at("-"):
                self.take()
                value = value - self.term()
            elif self.at("\\pm"):
                self.take()
                t = self.term()
                return sp.FiniteSet(value - t, value + t) if not isinstance(value, sp.Set) else _raise()
            else:
                return value

    def signed_term(self) -> Any:
        if self.at("-"):
            self.take()
            return -self.term()
        if self.at("+"):
            self.take()
        return self.term()

    def term(self) -> Any:
        value = self.power()
        while True:
            kind, text = self.peek()
            if text in ("*", "\\cdot", "\\times"):
                self.take()
                value = value * self.power()
            elif text == "/":
                self.take()
                value = value / self.power()
            elif kind in ("num", "letter") or text in ("(", "{", "\\frac", "\\sqrt", "\\pi", "\\infty"):
                prev_kind, prev_text = self.t[self.i - 1]
                if kind == "num" and prev_kind == "num":
                    raise _GiveUp  # "2 3": not a product anyone writes
                if text == "\\frac" and prev_kind == "num":
                    raise _GiveUp  # "1\frac{4}{5}" is a mixed number
                if text == "(" and prev_kind == "letter":
                    raise _GiveUp  # "f(x)": a function call, not f*x
                value = value * self.power()  # implicit multiplication
            else:
                return value

    def power(self) -> Any:
        base = self.atom()
        if self.at("^"):
            self.take()
            kind, text = self.peek()
            if text == "{":
                exp = self.group()
            elif kind == "num" and "." not in text:
                self.take()
                exp = sp.Integer(text[0])
                if len(text) > 1:  # "x^23" means x^2 * 3 in LaTeX: too odd, give up
                    raise _GiveUp
            elif kind == "letter":
                self.take()
                exp = _letter(text)
            else:
                exp = self.atom()
            return sp.Pow(base, exp)
        return base

    def group(self) -> Any:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def arg(self) -> Any:
        """A \\frac/\\sqrt argument: {group} or one digit/letter ("\\frac12")."""
        kind, text = self.peek()
        if text == "{":
            return self.group()
        if kind == "num":
            self.take()
            if len(text) > 1:
                # "\frac12" is 1 then 2: split the digits back
                self.t.insert(self.i, ("num", text[1:]))
            return sp.Integer(text[0])
        if kind == "letter":
            self.take()
            return _letter(text)
        raise _GiveUp

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return sp.Rational(text) if "." in text else sp.Integer(text)
        if kind == "letter":
            return _letter(text)
        if text == "(":
            value = self.expr()
            self.take(")")
            return value
        if text == "{":
            value = self.expr()
            self.take("}")
            return value
        if text == "\\frac":
            num = self.arg()
            den = self.arg()
            if den == 0:
                raise _GiveUp
            return num / den
        if text == "\\sqrt":
            index = None
            if self.at("["):
                self.take("[")
                index = self.expr()
                self.take("]")
            radicand = self.arg()
            return sp.sqrt(radicand) if index is None else sp.root(radicand, index)
        if text == "\\pi":
            return sp.pi
        if text == "\\infty":
            return sp.oo
        raise _GiveUp


def _letter(c: str) -> Any:
    # Same conventions as Math-Verify's parser, so an answer read here compares cleanly with one
    # read there: names are lower-cased, "i" stays a symbol, "e" is Euler's number.
    if c in "eE":
        return sp.E
    return sp.Symbol(c.lower(), real=True)


def _raise():
    raise _GiveUp


def read_latex(s: str) -> Any | None:
    """Sympy value of a simple LaTeX answer, or None when it is outside the covered subset."""
    try:
        tokens = _tokenize(s)
        if not tokens:
            return None
        # Several letters in a row ("\text"-less words like "cm", "and") mean prose or units: give up.
        run = 0
        for kind, _ in tokens:
            run = run + 1 if kind == "letter" else 0
            if run >= 3:
                return None
        return _Reader(tokens).answer()
    except (_GiveUp, TypeError, ValueError, ZeroDivisionError, RecursionError):
        return None
