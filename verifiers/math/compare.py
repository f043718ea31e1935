"""Decide whether a predicted `Answer` equals the gold `Answer`.

Rules (why each exists is in docs/math_grader.md):
- numbers are exact rationals; a tolerance applies only when a side was written as a decimal
  (so 123456 != 123457 and 1/2004! != 1/2006!), and never more than rounding explains;
- a percentage is read as a percentage only on the side where % was written (0.5 != 50);
- constant expressions are compared exactly (sympy simplify), then numerically with a
  *relative* tolerance at 60 digits, never with an absolute one (tiny values stay distinct);
  infinities only equal themselves;
- a chain with a false link between constants ("3 = 5", "1 = 2 = 3") earns nothing;
- relations vs sets keep Math-Verify's asymmetry: gold `1<x<2` accepts the set `(1,2)`,
  gold `(1,2)` does not accept the inequality `1<x<2`;
- equations are equal when one is a non-zero multiple of the other (2x+4y-3=0 == y=-x/2+3/4).
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from verifiers.math.parse import Answer

FLOAT_DIGITS = 6  # decimals compared when a side is a decimal written to fewer digits than it needs
REL_EPS = 1e-40  # relative tolerance on high-precision numeric checks of exact expressions


# ---------------------------------------------------------------- numbers
def _pct_alternatives(a: Answer, value: Fraction) -> list[Fraction]:
    # "28%" may be meant as the number 28 or as 0.28; a side without % only means itself.
    return [value, value / 100] if a.percent else [value]


def _decimal_close(g: Fraction, g_dec: int | None, p: Fraction, p_dec: int | None) -> bool:
    """Equality when at least one side is a written decimal (g_dec / p_dec = digits after the point)."""
    if g == p:
        return True
    if g_dec is None and p_dec is None:
        return False  # both exact: no tolerance at all
    diff = abs(g - p)
    if g_dec is not None and g_dec >= 2 and p_dec is not None and p_dec > g_dec:
        # A gold like 7.78 is usually "to the nearest hundredth": a longer decimal that rounds to
        # it (7.7778) is right. One-digit golds (0.3) are usually exact, and an exact prediction
        # gets no slack at all (1/3 != 0.3, 70/9 != 7.78).
        if diff <= Fraction(1, 2 * 10**g_dec):
            return True
    # Otherwise both must agree to FLOAT_DIGITS decimals (1/3 == 0.333333, 1/3 != 0.333).
    return diff <= Fraction(1, 2 * 10**FLOAT_DIGITS)


_DECIMAL_COMMA_RE = re.compile(r"([+-]?)(\d+),(\d+)")


_THOUSANDS_RE = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")


def decimal_comma(a: Answer, other: Answer, *, a_is_gold: bool) -> bool:
    """True when `a` is written "1,22" and `other` is the decimal "1.22" with the same digits.

    A comma between digits is a list ("-2,1" in MATH), a thousands separator ("1,234") or a decimal
    comma ("2,74 $"). Only the other side can tell: `a` is read as a decimal exactly when the other
    side is a single number written with a decimal point whose integer and fraction digits are the
    ones around the comma (so "1,234" vs 1234 stays a thousands separator, and "2,740" is not 2.74).
    A gold written as a valid thousands group ("1,600", GSM8K's style) always means thousands.
    """
    if a.kind not in ("list", "number") or other.kind != "number" or other.decimals is None:
        return False
    if a.lhs:
        return False
    m = _DECIMAL_COMMA_RE.fullmatch(a.body)  # "1, 22" (with a space) is a list
    if m is None or (a_is_gold and _THOUSANDS_RE.fullmatch(a.body)):
        return False
    sign, whole, frac = m.groups()
    value = Fraction(f"{sign}{whole}.{frac}")
    if a.percent != other.percent:  # "12,5%" vs 12.5: the percentage rules of numbers_equal
        return numbers_equal(other, Answer(text=a.text, kind="number", number=value, decimals=len(frac), percent=a.percent))
    return value == other.number and len(frac) == other.decimals


def numbers_equal(g: Answer, p: Answer) -> bool:
    for gv in _pct_alternatives(g, g.number):
        for pv in _pct_alternatives(p, p.number):
            if _decimal_close(gv, g.decimals, pv, p.decimals):
                return True
    return False


# ---------------------------------------------------------------- sympy side
def _sympy():
    import sympy

    return sympy


def _as_expr(a: Answer) -> Any:
    sp = _sympy()
    if a.kind == "number":
        return sp.Rational(a.number.numerator, a.number.denominator)
    if a.kind in ("text", "choice"):
        return sp.Symbol(a.body.lower())
    if a.kind == "list":
        return sp.FiniteSet(*(_as_expr(item) for item in a.items))
    return a.expr


def _with_lhs(a: Answer, value: Any) -> Any:
    """Rebuild "lhs = value" as a sympy equation (for comparing with an equation)."""
    from verifiers.math.parse import sympy_parse

    sp = _sympy()
    lhs = sympy_parse(a.lhs) if a.lhs else None
    if lhs is None:
        return value
    try:
        return sp.Eq(lhs, value, evaluate=False)
    except Exception:  # noqa: BLE001
        return value


def answers_equal(g: Answer, p: Answer) -> tuple[bool, str]:
    """(equal, reason)."""
    if _canon(g.text) == _canon(p.text) and g.text:
        return True, "identical answer text"
    gw, pw = _canon(_strip_text(g.text)), _canon(_strip_text(p.text))
    if gw and (gw == pw or (gw.isalpha() and len(gw) >= 2 and gw.lower() == pw.lower())):
        return True, "identical answer text"  # "\text{odd}" == "odd", "\text{Yes}" == "yes"
    if g.kind == "sequence" or p.kind == "sequence":
        return _sequences_equal(g, p), "element-by-element sequence comparison"
    if g.lhs and p.lhs and _canon(g.lhs) != _canon(p.lhs):
        return False, f"different left sides {p.lhs} vs {g.lhs}"
    if g.kind == "choice" and p.choice:  # a letter gold meets a letter (maybe followed by its value)
        return g.choice == p.choice, f"choice {p.choice} vs {g.choice}"
    if g.kind == "choice" or p.kind == "choice":
        other = p if g.kind == "choice" else g
        if other.kind == "text" and other.body.strip().upper() == (g.choice or p.choice):
            return True, "same choice letter"
        return False, "one side is a multiple-choice letter, the other is not"
    if g.kind == "text" or p.kind == "text":
        ok = _canon(_strip_text(g.body)).lower() == _canon(_strip_text(p.body)).lower()
        return ok, "text comparison"
    if decimal_comma(p, g, a_is_gold=False) or decimal_comma(g, p, a_is_gold=True):
        return True, "decimal comma read as a decimal point"
    if g.kind == p.kind == "list":
        return _number_lists_equal(g.items, p.items), "unordered list comparison"
    if {g.kind, p.kind} == {"list", "number"}:
        return False, "a list against a single number"
    if g.kind == p.kind == "number":
        ok = numbers_equal(g, p)
        return ok, "exact number comparison" if (g.decimals is None and p.decimals is None) else "decimal comparison"
    # Mixed or structured: compare as sympy objects, carrying decimal/percent info.
    ge, pe = _as_expr(g), _as_expr(p)
    if ge is None or pe is None:
        return False, "unparseable"
    # A labelled side ("y = ...") meets an equation ("2x+4y-3=0"): compare equations.
    if g.lhs and not p.lhs and _is_relation(pe) and not _is_assignment(pe):
        ge = _with_lhs(g, ge)
    elif p.lhs and not g.lhs and _is_relation(ge) and not _is_assignment(ge):
        pe = _with_lhs(p, pe)
    ctx = _Ctx(g_dec=g.decimals, p_dec=p.decimals, g_pct=g.percent, p_pct=p.percent)
    ok = expr_equal(_unify_symbols(ge), _unify_symbols(pe), ctx)
    return ok, "symbolic comparison"


def _number_lists_equal(ga: tuple, pa: tuple) -> bool:
    """Unordered, with multiplicity: {3, 5, 7} == {7, 3, 5}."""
    if len(ga) != len(pa):
        return False
    left = list(pa)
    for a in ga:
        for i, b in enumerate(left):
            if numbers_equal(a, b):
                del left[i]
                break
        else:
            return False
    return True


def _sequences_equal(g: Answer, p: Answer) -> bool:
    if g.kind != p.kind or len(g.items) != len(p.items):
        return False
    for a, b in zip(g.items, p.items):
        if isinstance(a, str) or isinstance(b, str):  # the ellipsis marker
            if a != b:
                return False
        elif not answers_equal(a, b)[0]:
            return False
    return True


def _unify_symbols(e: Any) -> Any:
    """Same name, same symbol: parsers differ on assumptions (Symbol('x') vs Symbol('x', real=True))."""
    sp = _sympy()
    try:
        renames = {}
        for s in e.free_symbols:
            if isinstance(s, sp.Symbol) and s != sp.Symbol(s.name, real=True):
                renames[s] = sp.Symbol(s.name, real=True)
        if not renames:
            return e
        out = e.xreplace(renames)
        # Rebuilding may evaluate (Eq(x, Interval) -> false): keep the original then.
        return out if type(out) is type(e) else e
    except Exception:  # noqa: BLE001
        return e


def _canon(s: str) -> str:
    return "".join(s.split()).replace("\\left", "").replace("\\right", "")


def _strip_text(s: str) -> str:
    return re.sub(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}", r"\1", s)


class _Ctx:
    __slots__ = ("g_dec", "p_dec", "g_pct", "p_pct")

    def __init__(self, g_dec, p_dec, g_pct, p_pct):
        self.g_dec, self.p_dec, self.g_pct, self.p_pct = g_dec, p_dec, g_pct, p_pct


def _doit(e):
    try:
        return e.doit()
    except Exception:  # noqa: BLE001 - unevaluable stays as written
        return e


def _is_relation(e) -> bool:
    sp = _sympy()
    if isinstance(e, sp.core.relational.Relational):
        return True
    return isinstance(e, sp.And) and len(e.args) > 0 and all(isinstance(a, sp.core.relational.Relational) for a in e.args)


def _relations(e) -> list:
    sp = _sympy()
    if isinstance(e, sp.And):
        return list(getattr(e, "_unsorted_args", e.args))
    return [e]


def _is_equation(e) -> bool:
    sp = _sympy()
    return _is_relation(e) and all(isinstance(r, sp.Eq) for r in _relations(e))


def _is_assignment(e) -> bool:
    """An equation whose left side is made of names only ("x", "AB", "|AB|", "A:B", "(p,q)", "f(x)")."""
    sp = _sympy()
    if not _is_equation(e):
        return False
    lhs = _relations(e)[0].lhs
    try:
        return bool(lhs.free_symbols) and all(n in (1, -1) for n in lhs.atoms(sp.Number))
    except Exception:  # noqa: BLE001
        return False


def _has_false_link(e) -> bool:
    """True when an equation chain has a link between two different constants."""
    sp = _sympy()
    for r in _relations(e):
        if not isinstance(r, sp.Eq):
            continue
        try:
            if r.lhs.free_symbols or r.rhs.free_symbols:
                continue
            if not _constants_equal(_doit(r.lhs), _doit(r.rhs), None, None):
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


def _unwrap_functions(e):
    """f(x) -> symbol "f_x", so `0 < f(x) < 1` can become a set."""
    sp = _sympy()
    from sympy.core.function import AppliedUndef

    try:
        return e.replace(lambda x: isinstance(x, AppliedUndef), lambda x: sp.Symbol(f"{x.func.__name__}_{'_'.join(map(str, x.args))}"))
    except Exception:  # noqa: BLE001
        return e


def expr_equal(g, p, ctx: _Ctx) -> bool:
    """Gold-guided structural equality of two sympy objects."""
    sp = _sympy()
    # "3 = 5" or "1 = 2 = ... = 5" states something false: its last right side earns nothing.
    if _is_relation(p) and _has_false_link(p):
        return False
    # Assignment chains "x = a = b" keep their first left side and last right side.
    if _is_assignment(g):
        rel = _relations(g)
        g = sp.Eq(rel[0].lhs, rel[-1].rhs, evaluate=False)
    if _is_assignment(p):
        rel = _relations(p)
        p = sp.Eq(rel[0].lhs, rel[-1].rhs, evaluate=False)
    # Follow the gold's form: a bare gold value accepts "x = value" (the last right side).
    if _is_equation(p) and not _is_equation(g):
        p = _relations(p)[-1].rhs
    elif _is_assignment(g) and not _is_equation(p):
        g = _relations(g)[-1].rhs
    # Asymmetry on purpose: gold inequality accepts an equivalent set; gold set does not accept an inequality.
    if _is_relation(g) and isinstance(p, sp.Set):
        try:
            g = _unwrap_functions(g).as_set()
        except Exception:  # noqa: BLE001
            return False
    # An interval answer written as a solved inequality ("-2 \\le x \\le 7", "x < -2 or x > 7") is that
    # interval. Only the solved form counts: an unsolved "x^2 - 5x - 14 \\le 0" echoed from the
    # problem is not read as its solution set.
    if isinstance(g, sp.Set) and not isinstance(g, sp.FiniteSet):
        solved = _solved_inequality_set(p)
        if solved is not None:
            p = solved
    elif isinstance(p, sp.Set) and not isinstance(p, sp.FiniteSet):
        solved = _solved_inequality_set(g)
        if solved is not None:
            g = solved
    if str(g) == str(p):
        return True
    if _is_relation(g) or _is_relation(p):
        if not (_is_relation(g) and _is_relation(p)):
            return False
        return _relations_equal(g, p, ctx)
    if isinstance(g, (sp.Set, sp.Tuple)) or isinstance(p, (sp.Set, sp.Tuple)):
        return _sets_equal(g, p, ctx)
    if getattr(g, "is_Matrix", False) or getattr(p, "is_Matrix", False):
        g, p = _doit(g), _doit(p)
        if not (isinstance(g, sp.MatrixBase) and isinstance(p, sp.MatrixBase)) or g.shape != p.shape:
            return False
        return all(scalar_equal(a, b, ctx) for a, b in zip(g, p))
    if isinstance(g, sp.Symbol) or isinstance(p, sp.Symbol):
        if _symbols_equal(g, p):
            return True
    return scalar_equal(g, p, ctx)


def _solved_inequality_set(e):
    """The set of real numbers described by a solved inequality in one variable, or None.

    Solved form: every relation has the variable alone on one side and a constant on the other
    ("x \\ge 3", "-2 < x \\le 7", "x < -2 or x > 7" read as a list of relations, which is a union).
    """
    sp = _sympy()
    pieces = list(e.args) if isinstance(e, (sp.FiniteSet, sp.Tuple)) else [e]
    if not pieces or not all(_is_relation(piece) for piece in pieces):
        return None
    variables = set()
    for piece in pieces:
        for r in _relations(piece):
            if not isinstance(r, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan)):
                return None
            sides = (r.lhs, r.rhs)
            names = [x for x in sides if isinstance(x, sp.Symbol)]
            consts = [x for x in sides if not x.free_symbols]
            if len(names) != 1 or len(consts) != 1:
                return None
            variables.add(names[0].name)
    if len(variables) != 1:
        return None
    try:
        sets = [piece.as_set() for piece in pieces]
        return sets[0] if len(sets) == 1 else sp.Union(*sets)
    except Exception:  # noqa: BLE001 - not a real-line set: leave the answer as it was written
        return None


def _symbols_equal(g, p) -> bool:
    """A one-word answer read as a symbol: same name (case-insensitive); e is Euler's number."""
    sp = _sympy()

    def name(e):
        if isinstance(e, sp.Symbol):
            return e.name.lower().replace("\\", "").replace(" ", "")
        if e == sp.E:
            return "e"
        return None

    a, b = name(g), name(p)
    return a is not None and a == b


def _pct_values(e, is_pct: bool) -> list:
    sp = _sympy()
    if isinstance(e, sp.Mul) and len(e.args) == 2 and e.args[1] == sp.UnevaluatedExpr(sp.Rational(1, 100)):
        return [e.args[0], e.args[0] / 100]
    return [e, e / 100] if is_pct else [e]


def scalar_equal(g, p, ctx: _Ctx) -> bool:
    for gv in _pct_values(g, ctx.g_pct):
        for pv in _pct_values(p, ctx.p_pct):
            if _scalar_equal(gv, pv, ctx):
                return True
    return False


def _to_fraction(e) -> Fraction | None:
    sp = _sympy()
    if isinstance(e, sp.Rational):
        return Fraction(int(e.p), int(e.q))
    return None


def _has_float(e) -> bool:
    sp = _sympy()
    try:
        return bool(e.atoms(sp.Float))
    except Exception:  # noqa: BLE001
        return False


def _scalar_equal(g, p, ctx: _Ctx) -> bool:
    sp = _sympy()
    g, p = _doit(g), _doit(p)
    if not isinstance(g, sp.Basic) or not isinstance(p, sp.Basic):
        return False
    try:
        if g == p:
            return True
    except Exception:  # noqa: BLE001
        return False
    g_dec = ctx.g_dec if ctx.g_dec is not None else (FLOAT_DIGITS if _has_float(g) else None)
    p_dec = ctx.p_dec if ctx.p_dec is not None else (FLOAT_DIGITS if _has_float(p) else None)
    gf, pf = _to_fraction(g), _to_fraction(p)
    if gf is not None and pf is not None:
        return _decimal_close(gf, g_dec, pf, p_dec)
    try:
        free = g.free_symbols | p.free_symbols
    except Exception:  # noqa: BLE001
        return False
    if not free:
        return _constants_equal(g, p, g_dec, p_dec)
    if _differs_somewhere(g, p, free):
        return False  # a witness point proves inequality; simplify would only be slower
    try:
        diff = sp.simplify(g - p)
        if diff == 0 or sp.expand(diff) == 0:
            return True
        # Answers usually mean positive variables: sqrt(1/n) == 1/sqrt(n) only for n > 0.
        pos = {s: sp.Symbol(s.name, positive=True) for s in free if isinstance(s, sp.Symbol)}
        return bool(sp.simplify((g - p).xreplace(pos)) == 0)
    except Exception:  # noqa: BLE001
        return False


# Positive, "generic" test points (no small integers, where different expressions often agree).
_PROBES = (("0.5772156649", "1.3247179572", "2.6854520010"), ("1.6180339887", "0.7390851332", "3.3598856662"))


def _differs_somewhere(g, p, free) -> bool:
    """True when g and p clearly differ at some positive test point (so g != p).

    Only a "not equal" can come out of this; equality still needs sympy's proof. The points are
    exact rationals and the values are evaluated to 30 digits, and "clearly" is relative to
    their size, so rounding never makes equal expressions look different.
    """
    sp = _sympy()
    symbols = sorted(free, key=str)
    for probe in _PROBES:
        point = {s: sp.Rational(probe[i % len(probe)]) + i // len(probe) for i, s in enumerate(symbols)}
        try:
            gv = complex(g.xreplace(point).evalf(30))
            pv = complex(p.xreplace(point).evalf(30))
        except Exception:  # noqa: BLE001 - undefined at this point (division by zero, ...): no witness
            continue
        if any(v != v or abs(v) == float("inf") for v in (gv, pv)):
            continue
        if abs(gv - pv) > 1e-12 * max(1.0, abs(gv), abs(pv)):
            return True
    return False


def _constants_equal(g, p, g_dec, p_dec) -> bool:
    sp = _sympy()
    try:
        gn, pn = sp.N(g, 60), sp.N(p, 60)
        if not (gn.is_finite and pn.is_finite):
            return bool(gn == pn)  # oo only equals oo (a relative check would call 5 == oo)
    except Exception:  # noqa: BLE001
        return False
    if g_dec is not None or p_dec is not None:
        gq, pq = _real_fraction(gn), _real_fraction(pn)
        if gq is not None and pq is not None:
            return _decimal_close(gq, g_dec, pq, p_dec)
    try:
        # 60 digits, relative: 1/2004! and 1/2006! are both ~1e-5760 and still differ by a factor
        # ~4e6 (an absolute evalf(15) == 0 calls them equal). Agreement to 40 significant digits
        # is equality for answer-sized expressions, and it costs far less than simplify().
        scale = max(abs(gn), abs(pn))
        return bool(scale == 0 or abs(gn - pn) <= REL_EPS * scale)
    except Exception:  # noqa: BLE001 - not numerically comparable: ask sympy for a proof
        pass
    try:
        return bool(sp.simplify(g - p) == 0)
    except Exception:  # noqa: BLE001
        return False


def _real_fraction(n) -> Fraction | None:
    sp = _sympy()
    try:
        if n.is_real and n.is_finite:
            return Fraction(str(sp.Float(n, 60)))
    except Exception:  # noqa: BLE001
        return None
    return None


def _relation_key(r):
    """(difference, direction) with the relation rewritten as `lhs - rhs <op> 0` and < / <= turned into > / >=."""
    sp = _sympy()
    d = r.lhs - r.rhs
    if isinstance(r, sp.Eq):
        return d, "=="
    if isinstance(r, sp.Ne):
        return d, "!="
    if isinstance(r, (sp.StrictLessThan,)):
        return -d, ">"
    if isinstance(r, (sp.LessThan,)):
        return -d, ">="
    if isinstance(r, sp.StrictGreaterThan):
        return d, ">"
    return d, ">="


def _relation_equal(a, b) -> bool:
    sp = _sympy()
    da, opa = _relation_key(a)
    db, opb = _relation_key(b)
    if opa != opb:
        return False
    try:
        if sp.simplify(da - db) == 0:
            return True
        ratio = sp.simplify(da / db)
    except Exception:  # noqa: BLE001
        return False
    if ratio.free_symbols or ratio == 0 or not ratio.is_number:
        return False
    if opa in ("==", "!="):
        return True
    return bool(ratio.is_positive)


def _relations_equal(g, p, ctx) -> bool:
    gr, pr = _relations(g), _relations(p)
    if len(gr) != len(pr):
        return False
    if all(_relation_equal(a, b) for a, b in zip(gr, pr)):
        return True
    # "1 < x < 2" may come back in either order.
    return all(_relation_equal(a, b) for a, b in zip(gr, reversed(pr)))


def _elements(s) -> list | None:
    sp = _sympy()
    if isinstance(s, (sp.FiniteSet, sp.Tuple)):
        return list(s.args)
    return None


def _match_unordered(ga: list, pa: list, ctx) -> bool:
    if len(ga) != len(pa):
        return False
    left = list(pa)
    for a in ga:
        for i, b in enumerate(left):
            if expr_equal(a, b, ctx):
                del left[i]
                break
        else:
            return False
    return True


def _sets_equal(g, p, ctx) -> bool:
    sp = _sympy()
    g_set = g if isinstance(g, (sp.Set, sp.Tuple)) else sp.FiniteSet(g)
    p_set = p if isinstance(p, (sp.Set, sp.Tuple)) else sp.FiniteSet(p)
    # An interval (or union of them) is infinite: it never equals a single value or a finite set,
    # except for the "(a, b)" pair reading handled below. Saves a slow symbolic set difference.
    infinite = (sp.Interval, sp.Union)
    if isinstance(g_set, infinite) != isinstance(p_set, infinite):
        finite = p_set if isinstance(g_set, infinite) else g_set
        if not (isinstance(finite, (sp.FiniteSet, sp.Tuple)) and len(finite) == 2):
            return False
    if isinstance(g_set, sp.Interval) and isinstance(p_set, sp.Interval):
        return (
            g_set.left_open == p_set.left_open
            and g_set.right_open == p_set.right_open
            and scalar_equal(g_set.start, p_set.start, ctx)
            and scalar_equal(g_set.end, p_set.end, ctx)
        )
    if isinstance(g_set, sp.Union) and isinstance(p_set, sp.Union):
        return _match_unordered(list(g_set.args), list(p_set.args), ctx)
    if isinstance(g_set, sp.Tuple) and isinstance(p_set, (sp.Tuple, sp.FiniteSet)):
        # A gold tuple keeps its order; a predicted set is read in the order it was written.
        p_args = list(getattr(p_set, "_unsorted_args", p_set.args))
        return len(g_set) == len(p_args) and all(expr_equal(a, b, ctx) for a, b in zip(g_set.args, p_args))
    ge, pe = _elements(g_set), _elements(p_set)
    if ge is not None and pe is not None:
        return _match_unordered(ge, pe, ctx)
    # An open interval "(a, b)" is also how a point/pair is written: compare with a 2-tuple/2-set in order.
    if isinstance(g_set, sp.Interval) and pe is not None and len(pe) == 2:
        return g_set.left_open and g_set.right_open and all(
            expr_equal(a, b, ctx) for a, b in zip((g_set.start, g_set.end), pe)
        )
    if isinstance(p_set, sp.Interval) and ge is not None and len(ge) == 2:
        return p_set.left_open and p_set.right_open and all(
            expr_equal(a, b, ctx) for a, b in zip(ge, (p_set.start, p_set.end))
        )
    try:
        return bool(g_set == p_set) or bool(sp.simplify(sp.SymmetricDifference(g_set, p_set)) == sp.EmptySet)
    except Exception:  # noqa: BLE001
        return False
