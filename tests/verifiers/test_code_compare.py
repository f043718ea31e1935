"""Output comparison and test-spec parsing (pure host-side logic, no sandbox)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.code.compare import call_result_matches, make_checker, tokens_equal, values_equal
from verifiers.code.spec import parse_tests


def test_whitespace_is_normalised_but_tokens_are_not():
    assert tokens_equal("1 2\n3\n", "1  2 3")
    assert tokens_equal("Hello World!\n", "Hello   World!")
    assert not tokens_equal("Hello World!", "Hello world!")  # case matters
    assert not tokens_equal("1 2 3", "1 2")
    assert not tokens_equal("", "x")


def test_integers_compare_exactly_floats_with_tolerance():
    assert not tokens_equal("123456", "123457")  # no relative tolerance on integers
    assert tokens_equal("+5", "5")
    assert not tokens_equal("1000000000000000", "1000000000000001")
    assert tokens_equal("0.50000000001", "0.5")
    assert tokens_equal("3.333333333E-1", "0.3333333")
    assert tokens_equal("2E-1", "0.2")
    assert not tokens_equal("0.5", "0.501")
    assert tokens_equal("1.0", "1")  # a float on one side enables the tolerance


def test_inf_and_nan_like_domjudge():
    assert tokens_equal("inf", "Infinity")
    assert tokens_equal("NaN", "nan")
    assert not tokens_equal("inf", "-inf")
    assert not tokens_equal("inf", "1e308")
    assert not tokens_equal("nan", "0")


def test_named_checkers():
    assert not make_checker("exact")("", "0.50000000001", "0.5")
    assert make_checker("float:1e-3")("", "0.5", "0.5004")
    assert not make_checker("float:1e-6")("", "0.5", "0.5004")
    assert not make_checker("lines")("", "1 2\n", "1\n2\n")
    assert make_checker("lines")("", "1 2\n", "1 2   \n\n")
    with pytest.raises(ValueError, match="unknown checker"):
        make_checker("fuzzy")
    with pytest.raises(ValueError, match="tolerance"):
        make_checker("float:abc")


def test_call_results_follow_the_apps_wrapping_rule():
    assert call_result_matches([[1, 2]], [1, 2])  # APPS wraps the return value in a list
    assert call_result_matches([1, 2], [1, 2])
    assert not call_result_matches([1, 2], [2, 1])
    assert values_equal({"a": [1.0000000001]}, {"a": [1.0]})
    assert not values_equal(True, 1)
    assert not values_equal(3, 3.5)


@given(st.lists(st.integers(-10**20, 10**20), max_size=20))
def test_integer_outputs_match_iff_equal(xs):
    text = " ".join(map(str, xs))
    assert tokens_equal(text, "\n".join(map(str, xs)))
    if xs:
        bumped = xs[:-1] + [xs[-1] + 1]
        assert not tokens_equal(text, " ".join(map(str, bumped)))


def test_parse_tests_shapes():
    s = parse_tests({"inputs": ["1\n", ["a", "b"]], "outputs": ["1\n", "x\n"]})
    assert s.mode == "stdio" and s.payloads[1]["stdin"] == "a\nb\n"
    c = parse_tests({"inputs": ["[1, 2]\n3", [4]], "outputs": ["[3]", [4]], "fn_name": "f"})  # LCB + APPS forms
    assert c.mode == "call" and c.payloads[0]["args"] == [[1, 2], 3] and c.expected[0] == [3]
    a = parse_tests(["assert f(1) == 1", "assert f(2) == 2"])
    assert a.mode == "assert" and len(a) == 2
    h = parse_tests({"assert_code": "def check(c): assert c(1)", "entry_point": "f"})
    assert len(h) == 1 and h.payloads[0]["entry_point"] == "f"


@pytest.mark.parametrize("bad, msg", [
    ({"inputs": ["1"], "outputs": []}, "1 inputs but 0 outputs"),
    ({"inputs": [], "outputs": []}, "empty"),
    ({"inputs": [1], "outputs": ["1"]}, "must be a string"),
    ({"inputs": ["x y"], "outputs": ["1"], "fn_name": "f"}, "JSON value per line"),
    ({"inputs": [[1]], "outputs": [1], "fn_name": "not valid"}, "identifier"),
    ({"asserts": []}, "non-empty list"),
    ({"assert_code": ""}, "non-empty"),
    ({"foo": 1}, "needs 'inputs'"),
    (42, "must be a dict"),
    ("not json", "not JSON"),
])
def test_parse_tests_rejects_bad_input_with_a_clear_error(bad, msg):
    with pytest.raises(ValueError, match=msg):
        parse_tests(bad)


def test_huge_integers_compare_as_digit_strings():
    """No int conversion: no 4,300-digit limit (it used to raise), no quadratic time."""
    big = "7" * 100_000
    assert tokens_equal(big, "+" + big) and tokens_equal(big, "000" + big)
    assert not tokens_equal(big, big[:-1] + "8")
    assert not tokens_equal(big, "-" + big)
    assert tokens_equal("-0", "0") and tokens_equal("-007", "-7") and not tokens_equal("12", "-12")
    assert not tokens_equal("0abc", "+0abc")  # only whole integer tokens are normalised
    assert tokens_equal("1" * 5000 + ".5", "1" * 5000 + ".5000001")  # long decimals: exact, then tolerance
    assert not tokens_equal("1" * 12000 + "x", "1" * 12000 + "y")  # no regex backtracking blow-up
    assert values_equal(10 ** 5000 + 1, 10 ** 5000 + 1) and not values_equal(10 ** 5000, 10 ** 5000 + 1)
