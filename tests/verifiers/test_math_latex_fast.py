"""Our small LaTeX reader must agree with Math-Verify's parser wherever it answers."""
from __future__ import annotations

import json

import pytest
import sympy as sp
from math_verify import parse

from tests.conftest import require_or_skip
from verifiers.math.compare import _Ctx, expr_equal
from verifiers.math.latex_fast import read_latex
from verifiers.math.parse import _mv_configs, _strip_units, normalize, split_lhs


@pytest.mark.parametrize(
    "latex,value",
    [
        (r"\frac12", sp.Rational(1, 2)),
        (r"\frac 34", sp.Rational(3, 4)),
        (r"-\frac{3}{8}", sp.Rational(-3, 8)),
        (r"2\sqrt{5}", 2 * sp.sqrt(5)),
        (r"\sqrt[3]{2}", sp.root(2, 3)),
        (r"\frac{\pi}{2}", sp.pi / 2),
        (r"\pi/2", sp.pi / 2),
        (r"2^{10}", sp.Integer(1024)),
        (r"1 \pm \sqrt{19}", sp.FiniteSet(1 - sp.sqrt(19), 1 + sp.sqrt(19))),
        (r"(2,\infty)", sp.Interval.open(2, sp.oo)),
        (r"[0,1)", sp.Interval.Ropen(0, 1)),
        (r"(-\infty, 2) \cup (3, \infty)", sp.Union(sp.Interval.open(-sp.oo, 2), sp.Interval.open(3, sp.oo))),
        (r"\{1,2\}", sp.FiniteSet(1, 2)),
        ("3, 5, 7", sp.FiniteSet(3, 5, 7)),
        ("(3,1)", sp.Tuple(3, 1)),  # not a valid interval: a pair
        ("(1,2,3)", sp.Tuple(1, 2, 3)),
    ],
)
def test_reads_common_shapes(latex, value):
    assert read_latex(latex) == value


@pytest.mark.parametrize(
    "latex",
    [r"f(x)", r"\sin x", r"x_1", r"1\frac{4}{5}", "10,080", r"\text{cm}", "abc", r"x^23", "2 3", r"5!", r"x = 1", r"\frac{1}{0}"],
)
def test_gives_up_outside_its_subset(latex):
    assert read_latex(latex) is None


@pytest.mark.slow
def test_agrees_with_math_verify_parser_on_math500(shared_data):
    path = shared_data / "math" / "math500_test.jsonl"
    require_or_skip(path.is_file(), f"{path} is absent")
    ctx = _Ctx(None, None, False, False)
    covered, disagree = 0, []
    for line in path.read_text().splitlines():
        body, _ = _strip_units(normalize(json.loads(line)["answer"]))
        _, body = split_lhs(body)
        ours = read_latex(body)
        if ours is None:
            continue
        covered += 1
        theirs = parse(f"${body}$", _mv_configs()[0], fallback_mode="no_fallback", parsing_timeout=None)
        if not theirs or not (expr_equal(theirs[0], ours, ctx) and expr_equal(ours, theirs[0], ctx)):
            disagree.append((body, ours, theirs))
    assert covered >= 400  # the reader must cover most real golds, or it is not worth having
    assert disagree == []
