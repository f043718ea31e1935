"""Output comparison: whitespace-normalised tokens, float tolerance, checker hook.

Hand-written on purpose: the reference judges (Kattis default validator, DOMjudge compare) are
C++ programs run per test; this is the same token rule in a few lines of Python, run on the
host, where the solution cannot reach it.
"""
from __future__ import annotations

import itertools
import math
import operator
import re
from typing import Any, Callable

# A checker decides whether `actual` is an accepted answer for `input` given the reference
# `expected` (for problems with several valid answers). It runs on the host and is trusted.
Checker = Callable[[str, str, str], bool]

DEFAULT_FLOAT_TOL = 1e-6
# Possessive quantifiers and fullmatch: no backtracking, so matching is linear in the token
# (a greedy `\d+\.?\d*` backtracks quadratically on a long digit run that does not match).
_FLOAT = re.compile(r"[+-]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][+-]?+\d++)?+|[+-]?+(?:inf|infinity|nan)", re.IGNORECASE)
_FLOAT_DIGITS = 60  # longer numeric tokens are compared as exact decimals (float() of them is slow)


def tokens_equal(expected: str, actual: str, float_tol: float | None = DEFAULT_FLOAT_TOL) -> bool:
    """True when both outputs have the same whitespace-separated tokens.

    Two tokens that are both integers compare exactly by value (no tolerance: 123456 != 123457),
    as digit strings: no int conversion, so no digit limit and linear time. When both are
    numbers and at least one is not an integer, they may differ by `float_tol` absolute or
    relative (DOMjudge's float_tolerance rule; nan == nan, inf only equals inf).
    `float_tol=None` turns the tolerance off (exact tokens only). Linear in the output size.
    """
    if expected == actual:
        return True
    exp, act = expected.split(), actual.split()
    if len(exp) != len(act):
        return False
    if exp == act:  # the usual case, compared in C
        return True
    # only the pairs that differ as text reach Python code (found at C speed)
    for e, a in itertools.compress(zip(exp, act), map(operator.ne, exp, act)):
        if not _numbers_equal(e, a, float_tol):
            return False
    return True


def _int_digits(tok: str) -> str | None:
    """The canonical digit string of an integer token ("-0" and "+0" are "0"), else None."""
    body = tok[1:] if tok[:1] in "+-" else tok
    if not body or not body.isascii() or not body.isdigit():
        return None
    body = body.lstrip("0") or "0"
    return "-" + body if tok[0] == "-" and body != "0" else body


def _numbers_equal(e: str, a: str, float_tol: float | None) -> bool:
    if e.isdigit() and a.isdigit() and e.isascii() and a.isascii():  # the common integer case
        return e.lstrip("0") == a.lstrip("0")
    ie = _int_digits(e)
    ia = _int_digits(a)
    if ie is not None and ia is not None:
        return ie == ia
    if float_tol is None or not (_FLOAT.fullmatch(e) and _FLOAT.fullmatch(a)):
        return False
    if len(e) > _FLOAT_DIGITS or len(a) > _FLOAT_DIGITS:
        return _long_numbers_close(e, a, float_tol)
    return floats_close(float(e), float(a), float_tol)


def _long_numbers_close(e: str, a: str, tol: float) -> bool:
    """Long numeric tokens: exact decimals (decimal parses in linear time, no digit limit)."""
    import decimal

    ctx = decimal.Context(prec=max(len(e), len(a)) + 10, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    try:
        x, y = ctx.create_decimal(e), ctx.create_decimal(a)
    except (decimal.InvalidOperation, ValueError):
        return False
    if x.is_nan() or y.is_nan():
        return x.is_nan() and y.is_nan()
    if x.is_infinite() or y.is_infinite():
        return x == y
    diff = abs(ctx.subtract(x, y))
    t = ctx.create_decimal(repr(tol))
    return diff <= t or diff <= ctx.multiply(t, abs(x))


def floats_close(x: float, y: float, tol: float) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= tol or abs(x - y) <= tol * abs(x)


def values_equal(expected: Any, actual: Any, float_tol: float | None = DEFAULT_FLOAT_TOL) -> bool:
    """Equality for call-based return values (JSON data), with float tolerance inside lists/dicts."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (type(expected) is type(actual) and expected == actual)
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if isinstance(expected, int) and isinstance(actual, int):
            return expected == actual
        return float_tol is not None and floats_close(float(expected), float(actual), float_tol) or expected == actual
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(values_equal(e, a, float_tol) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(values_equal(expected[k], actual[k], float_tol) for k in expected)
    return expected == actual


def call_result_matches(expected: Any, actual: Any, float_tol: float | None = DEFAULT_FLOAT_TOL) -> bool:
    """APPS/TACO rule: outputs are often wrapped in a one-element list ([[1, 2]] for [1, 2])."""
    if values_equal(expected, actual, float_tol):
        return True
    return isinstance(expected, list) and len(expected) == 1 and values_equal(expected[0], actual, float_tol)


def make_checker(spec: str | Checker | None) -> Checker:
    """A checker from a name: "tokens" (default, float tolerance 1e-6), "exact" (tokens, no
    tolerance), "float:<tol>" (tokens with that tolerance), "lines" (line-by-line, trailing
    whitespace ignored); or a callable (input, expected, actual) -> bool, returned as is."""
    if spec is None or spec == "tokens":
        return lambda _inp, exp, act: tokens_equal(exp, act)
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"checker must be a name or a callable, got {type(spec).__name__}")
    if spec == "exact":
        return lambda _inp, exp, act: tokens_equal(exp, act, None)
    if spec == "lines":
        return lambda _inp, exp, act: _lines(exp) == _lines(act)
    if spec.startswith("float:"):
        try:
            tol = float(spec.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"bad float tolerance in checker {spec!r}") from None
        if not tol >= 0:
            raise ValueError(f"float tolerance must be >= 0 in checker {spec!r}")
        return lambda _inp, exp, act: tokens_equal(exp, act, tol)
    raise ValueError(f"unknown checker {spec!r}; use tokens, exact, lines, float:<tol> or a callable")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]
