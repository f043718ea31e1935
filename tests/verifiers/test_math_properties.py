"""Property tests: exactness over generated numbers (hypothesis)."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.math.grader import STATUSES, NeedsSympy, grade_fast, grade_inprocess

ints = st.integers(min_value=-10**12, max_value=10**12)


@settings(max_examples=300, deadline=None)
@given(ints, ints)
def test_integers_equal_only_when_equal(a, b):
    # No relative tolerance on integers: 123456 vs 123457 must differ, however large.
    assert grade_fast(str(a), f"\\boxed{{{b}}}").correct is (a == b)


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_fraction_spellings_agree(p, q):
    value = Fraction(p, q)
    gold = f"\\frac{{{p}}}{{{q}}}" if p >= 0 else f"-\\frac{{{-p}}}{{{q}}}"
    for spelling in (f"{value.numerator}/{value.denominator}", f"\\dfrac{{{value.numerator}}}{{{value.denominator}}}"):
        assert grade_fast(gold, f"Answer: {spelling}").correct
    assert not grade_fast(gold, f"Answer: {value.numerator + 1}/{value.denominator}").correct


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**5), st.integers(1, 6), st.integers(0, 6))
def test_decimal_prediction_needs_six_digits(m, r, shift):
    # gold n / 7 with 7 not dividing n (never a terminating decimal): a prediction rounded to k
    # digits is accepted iff k >= 6
    n = 7 * m + r
    value = Fraction(n, 7)
    k = shift + 1
    rounded = f"{float(value):.{k}f}"
    ok = grade_fast(f"\\frac{{{n}}}{{7}}", f"\\boxed{{{rounded}}}").correct
    assert ok is (k >= 6)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 999), st.integers(0, 99))
def test_percent_only_where_written(whole, frac):
    pct = Fraction(whole * 100 + frac, 100)
    text = f"{whole}.{frac:02d}"
    assert grade_fast(f"{text}\\%", f"\\boxed{{{text}}}").correct  # "x%" accepts the number x ...
    assert grade_fast(f"{text}\\%", f"\\boxed{{{float(pct / 100)!r}}}").correct  # ... and x/100
    assert not grade_fast(text, f"\\boxed{{{float(pct / 100)!r}}}").correct  # no % written: x != x/100


_PIECES = list("0123456789+-*/^_{}()[]$\\ .,=<>%!abcxyzABC\n") + ["\\frac", "\\boxed", "\\sqrt", "\\pi", "**", "Answer:"]
latexish = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(latexish, latexish)
def test_fast_path_never_crashes(gold, response):
    # Any text either gets a verdict in-process or is handed to the sympy workers; nothing else.
    try:
        verdict = grade_fast(gold, response)
    except NeedsSympy:
        return
    assert verdict.status in STATUSES


@settings(max_examples=300, deadline=None)
@given(latexish, latexish)
def test_full_path_never_crashes(gold, response):
    verdict = grade_inprocess(gold, response)  # in-process: short inputs, no timeout needed
    assert verdict.status in STATUSES and isinstance(verdict.correct, bool)
