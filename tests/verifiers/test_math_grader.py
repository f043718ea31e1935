"""Behaviour of verifiers.math: anchors' known failures, extraction formats, equivalence rules,
adversarial inputs and hard timeouts."""
from __future__ import annotations

import time

import pytest

from verifiers.math import Grade, grade, grade_many, parse_gold

# --- known failures of the anchors (Math-Verify #14/#41/#60, Qwen math_equal, verl math_dapo)
KNOWN_FAILURES = [
    (r"\frac{1}{2004!}", r"$\boxed{\frac{1}{2006!}}$", False),  # Math-Verify says equal
    (r"\frac{1}{2^{99}}", r"$\boxed{\frac{1}{2^{98}}}$", False),  # Math-Verify says equal
    (r"\frac{2^{2005}+1}{3\cdot2^{2006}}", r"$\boxed{\frac{1}{3\cdot 2^{2006}}}$", False),
    (r"1-\frac{1}{\mathrm{e}}", r"$\boxed{1+\frac{1}{\mathrm{e}}}$", False),  # Math-Verify says equal
    (r"1-\frac{1}{\mathrm{e}}", r"$\boxed{1-\frac{1}{e}}$", True),
    (r"1, 2, \ldots, n", r"$\boxed{1, 3, 5, \ldots, 2n-1}$", False),  # Math-Verify #14
    (r"1, 3, 5, \ldots, 2n-1", r"$\boxed{1, 3, 5, \cdots, -1+2n}$", True),
    ("123456", r"\boxed{123457}", False),  # Qwen: isclose(rel_tol=1e-4)
    ("1000000", r"\boxed{1000001}", False),
    ("0.5", r"\boxed{50}", False),  # Qwen: percentage guess gold*100
    (r"\frac{1}{2}", "Answer: 1/2", True),  # verl math_dapo: string mismatch
    (r"\frac{1}{2}", r"Answer: \dfrac{1}{2}", True),
    ("4", r"$\boxed{4\sqrt(2)}$", False),  # Math-Verify #41
    ("3x-y+13=0", r"$\boxed{3x+4y+14=0}$", False),  # Math-Verify #60
    (r"\sqrt{1/n}", r"$\boxed{\frac{1}{\sqrt{n}}}$", True),  # Math-Verify #64 (false negative)
    ("73", "so 2*234 = 468, hence ...\nFinal Answer: **73**", True),  # Math-Verify #76
    (r"\dfrac{9}{7}", r"the answer is $\boxed{\frac{9}{7}}$", True),  # Math-Verify #70: gold without $
]


@pytest.mark.parametrize("gold,response,expected", KNOWN_FAILURES)
def test_known_failures_of_the_anchors(gold, response, expected):
    g = grade(gold, response)
    assert g.correct is expected, g
    assert g.status == "ok"


# --- extraction
@pytest.mark.parametrize(
    "response,extracted",
    [
        (r"First \boxed{3}, then on reflection the answer is \boxed{5}.", "5"),
        (r"so it is \fbox{12}", "12"),
        ("Long work...\nAnswer: 42", "42"),
        ("Final Answer: The final answer is $14$. I hope it is correct.", "14"),
        ("We get **17** as the result.\n\nSo the final result is **19**", "19"),
        ("Adding them up gives a total of 36 apples.", "36"),
        ("She makes 9 * 2 = 18 dollars.\n#### 18", "18"),
        (r"$\boxed{2}$ and then. Final answer: 3", "3"),  # a final-answer line after the box wins
        (r"The solutions are $\boxed{1}$ and $\boxed{-2}$.", "1, -2"),
        ("<think>maybe \\boxed{4}</think>\n<answer>3</answer>", "3"),
        ("<answer>so \\boxed{7}</answer>", "7"),
        ("<think>try \\boxed{4}</think>\nThe answer is 3.", "3"),
        ("<think>so \\boxed{4}</think>", "4"),  # nothing after the block: the block is all there is
        ("**Answer:** 12", "12"),
        ("Our answer is $5$.\nWait, recheck.\nThus the value we want is $6$.", "6"),  # last word wins
        (r"Let me see: \boxed{1} no no no \boxed{2}", "2"),  # a changed mind is not a list
    ],
)
def test_extraction_formats(response, extracted):
    assert grade("0", response).extracted == extracted


@pytest.mark.parametrize(
    "gold,response,expected",
    [
        ("3", r"\boxed{3 apples}", True),
        ("3", r"\boxed{3 \text{ or } 4}", False),  # hedging is not rewarded
        ("3", r"\boxed{3}, \boxed{4}", False),
        ("3", "So the answer is 3 or 4.", False),
        (r"\$18.90", r"\boxed{18.90}", True),
        ("120000", r"\boxed{1.2 \times 10^{5}}", True),
        ("5", r"\boxed{\text{5}}", True),
        ("5", r"\boxed{5 \mathrm{~cm}}", True),
        ("5", r"\boxed{5\,\mathrm{m/s^2}}", True),
        (r"\text{(A)}", "The correct option is (A).", True),
        (r"\text{(A)}", r"The answer is \textbf{(A) } 12", True),
        ("12", r"The answer is \textbf{(A) } 12", True),  # AMC: the value behind the letter
        ("B", r"The answer is \textbf{(A) } 12", False),
        ("p - q", "-q + p", True),  # single letters are variables, not words
        (r"\emptyset", r"\varnothing", True),
        ("18", "So she makes $18.00 per day.", True),
        ("18", "<|im_start|>assistant\nSo the answer is $\\boxed{18}$.<|im_end|>", True),
        ("18", "The answer is $\\boxed{18}$.<|im_end|><|im_start|>user\nNow solve \\boxed{20}", True),
        ("2/3", "so P(A) = 2/3. Therefore the probability is 2/3.", True),
        (r"2\sqrt{3}", "The answer is 2√3.", True),  # Unicode math
        (r"(-\infty, -3] \cup [3, +\infty)", r"\boxed{(-∞, -3] ∪ [3, ∞)}", True),
        (r"\frac{1}{2}", r"\boxed{½}", True),
        ("12", "Therefore there are 12 sequences. I hope it is correct.", True),  # sign-off skipped
        ("5", "Therefore, $x = 5$.\n\nLet me know if you have other questions!", True),
        ("18", r"\boxed{18} is wrong; the correct answer is \boxed{20}.", False),
    ],
)
def test_real_output_quirks(gold, response, expected):
    assert grade(gold, response).correct is expected


def test_megabyte_response_is_fast():
    response = ("Some reasoning with numbers 1, 2, 3 and $x^2$. " * 25_000) + r"So the answer is $\boxed{42}$."
    start = time.monotonic()
    g = grade("42", response)
    assert g.correct and time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    "response",
    ["\\boxed{" * 3000, "\\boxed{1}" * 2000, "{" * 20000 + "\\boxed{5}", "$" * 20000, "\\(" * 10000, "<answer>" * 3000],
)
def test_pathological_responses_stay_fast(response):
    start = time.monotonic()
    g = grade("5", response, timeout_s=5)
    assert time.monotonic() - start < 3.0
    assert g.status in ("ok", "unparseable", "no_answer")


def test_no_answer_and_unparseable_are_told_apart():
    assert grade("5", "").status == "no_answer"
    assert grade("5", "   \n ").status == "no_answer"
    g = grade("5", r"\boxed{\frac{(}{}")
    assert g.status == "unparseable" and not g.correct


# --- equivalence rules
@pytest.mark.parametrize(
    "gold,answer,expected",
    [
        (r"\frac{3}{4}", "0.75", True),
        ("0.75", r"\frac34", True),
        (r"\frac{1}{3}", "0.333", False),  # a decimal prediction must carry 6 digits
        (r"\frac{1}{3}", "0.333333", True),
        ("7.78", "7.7778", True),  # a decimal gold was rounded: a longer decimal that rounds to it is fine
        ("7.78", r"\frac{70}{9}", False),  # ... but an exact value must match to 6 decimals
        ("0.3", r"\frac{1}{3}", False),
        ("0.3", "0.33", False),
        (r"2\frac{1}{2}", "5/2", True),  # mixed number
        (r"3\sqrt{2}", r"\sqrt{18}", True),
        (r"3\sqrt{2}", r"\sqrt{17}", False),
        (r"20\%", "0.2", True),
        (r"20\%", "20", True),
        ("20", r"0.2", False),  # no % written on either side: 0.2 is not 20
        (r"30^\circ", "30", True),
        (r"15\mbox{ cm}^2", "15", True),
        ("10,080", "10080", True),
        (r"\{1,2,3\}", r"\{3,1,2\}", True),
        ("(1,2)", "(2,1)", False),  # ordered pair
        ("[0,1)", "[0,1]", False),
        ("(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)", True),
        ("1<x<2", "(1,2)", True),  # gold inequality accepts the set ...
        ("(1,2)", "1<x<2", True),  # ... and a gold interval accepts the solved inequality (issue 11)
        ("(1,2)", "x^2-3x+2<0", False),  # ... but not an unsolved one echoed from the problem
        ("x=5", "5", True),
        ("5", "x = 5", True),
        ("x=5", "y=5", False),
        ("2x+4y-3=0", r"y=-\frac12x+\frac34", True),
        (r"\begin{pmatrix} 1/5 \\ -18/5 \end{pmatrix}", r"\begin{pmatrix} 0.2 \\ -3.6 \end{pmatrix}", True),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}", False),
        ("B", r"\textbf{(B)}", True),
        ("(C)", "C", True),
        ("B", "C", False),
        (r"\text{Evelyn}", "Evelyn", True),
        (r"\text{odd}", "odd", True),
        (r"\text{eat}", "tea", False),  # no anagrams
        ("x^2+2x+1", "(x+1)^2", True),
        ("x^2+2x+1", "(x-1)^2", False),
        ("(x+1)^{12}", "x^{12}+12x^{11}+66x^{10}+220x^9+495x^8+792x^7+924x^6+792x^5+495x^4+220x^3+66x^2+12x+1", True),
        ("(x+1)^{12}", "x^{12}+12x^{11}+66x^{10}+220x^9+495x^8+792x^7+924x^6+792x^5+495x^4+220x^3+66x^2+12x+2", False),
        (r"\pi/2", r"\frac{\pi}{2}", True),
        (r"1 \pm \sqrt{19}", r"1+\sqrt{19}, 1-\sqrt{19}", True),
        ("-2 + 7i", "7i-2", True),
        ("12:00", "1:00", False),
        ("5", "x = 2+3 = 5", True),  # a true chain keeps its last value
        ("1500000", "1.5e6", True),
        ("0.0025", "2E-3", False),
        (r"\pm 3", "x = 3, x = -3", True),
        (r"\text{no solution}", "No solution", True),
        ("x > 5", "(5, \\infty)", True),
        ("x > 5", "5 < x", True),
    ],
)
def test_equivalence(gold, answer, expected):
    g = grade(gold, f"The answer is $\\boxed{{{answer}}}$.")
    assert g.correct is expected, g


# --- adversarial and near-miss
@pytest.mark.parametrize(
    "gold,response",
    [
        ("5", r"\boxed{5.001}"),
        ("5", r"\boxed{50}"),
        ("5", r"\boxed{-5}"),
        ("5", r"\boxed{5x}"),
        ("5", r"\boxed{\{5, 6\}}"),
        (r"\frac{1}{7}", r"\boxed{0.142867}"),  # 6 digits, wrong at the 5th
        ("3", r"\boxed{3}\boxed{4}"),
        ("2", "AZYUK2A is my answer"),
        ("1000", r"\boxed{1000^{1000}}"),
        ("5", r"\boxed{3 = 5}"),  # a false statement's right side earns nothing ...
        ("5", r"\boxed{1 = 2 = 3 = 4 = 5}"),  # ... or every candidate in a chain would match
        ("5", r"\boxed{x = 3 = 5}"),
        ("5", r"\boxed{2+2=5}"),
        ("5", r"\boxed{\infty}"),
        ("(1,2)", r"\boxed{\mathbb{R}}"),
        ("5", r"\boxed{\pm 5}"),
        (r"x \ge 5", r"\boxed{x > 5}"),
    ],
)
def test_near_misses_are_wrong(gold, response):
    assert grade(gold, response).correct is False


@pytest.mark.parametrize(
    "response",
    [
        r"\boxed{2^{2^{2^{2^{2^{2}}}}}}",  # power tower
        r"\boxed{(10^{10})!}",  # huge factorial
        r"\boxed{100000000!}",
        r"\boxed{9^{9^{9}}}",
        r"\boxed{(2^{99999})^{99999}}",
    ],
)
def test_huge_numbers_fail_fast(response):
    start = time.monotonic()
    g = grade("7", response, timeout_s=5)
    assert time.monotonic() - start < 2.0
    assert g.correct is False and g.status == "unparseable"
    assert "too large" in g.reason


def test_hard_timeout_kills_a_runaway_worker():
    # Not caught by the fast refusal rules: a wide integral sympy grinds on for minutes.
    hard = r"\boxed{\int_0^{\infty} \frac{\sin^{40}(x)\cos^{37}(x^3)}{x^{2}+e^{x^{7}}} \, dx + \tan(\sqrt{17}x)^{13} y^{5}}"
    grade(r"\sqrt{8}", r"\boxed{2\sqrt{2}}", timeout_s=1.0)  # start the worker outside the clock
    start = time.monotonic()
    g = grade(r"\int_0^{1} x^{37} \sin(x)^{41} dx + 7 y^{3}", hard, timeout_s=1.0)
    took = time.monotonic() - start
    assert took < 3.0
    assert g.status == "timeout" and g.correct is False
    assert g.extracted is not None and g.extracted.startswith(r"\int_0^{\infty}")
    # The pool must still work after a kill.
    assert grade(r"\sqrt{8}", r"\boxed{2\sqrt{2}}").correct


HANG = r"\boxed{\int_0^{\infty} \frac{\sin^{40}(x)\cos^{37}(x^3)}{x^{2}+e^{x^{7}}} \, dx + \tan(\sqrt{17}x)^{13} y^{5}}"


def test_grade_many_survives_a_hanging_item_mid_chunk():
    gold = r"\int_0^{1} x^{37} \sin(x)^{41} dx"
    pairs = [(r"\sqrt{2}", r"\boxed{\sqrt{2}}"), (gold, HANG), (r"\sqrt{3}", r"\boxed{\sqrt{3}}"),
             (r"\sqrt{5}", r"\boxed{\sqrt{6}}"), (gold, HANG), (r"\pi", r"\boxed{\pi}")]
    out = grade_many(pairs, workers=1, timeout_s=1.0)
    assert [g.status for g in out] == ["ok", "timeout", "ok", "ok", "timeout", "ok"]
    assert [g.correct for g in out] == [True, False, True, False, False, True]


def test_a_worker_killed_between_calls_is_replaced():
    import os
    import signal

    from verifiers.math.pool import _single

    assert grade("2", r"\boxed{\sqrt{4}}", timeout_s=7.0).correct
    worker = _single["pool"][1]._workers[0]
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait()
    assert grade("3", r"\boxed{\sqrt{9}}", timeout_s=7.0).correct


def test_grade_many_keeps_order_and_counts_bad_items():
    pairs = [("1", r"\boxed{1}"), ("2", r"\boxed{\sqrt{4}}"), (None, "x"), ("3", r"\boxed{4}"), ("x", 5)]
    out = grade_many(pairs, workers=2, timeout_s=5)
    assert [g.correct for g in out] == [True, True, False, False, False]
    assert out[2].status == "unparseable" and "bad input" in out[2].reason
    assert out[4].status == "unparseable" and "bad input" in out[4].reason
    assert all(isinstance(g, Grade) for g in out)


def test_grade_rejects_non_strings():
    with pytest.raises(TypeError):
        grade(5, "5")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        grade("x", r"\boxed{\sqrt{x}}", timeout_s=0)


def test_grades_round_trip_through_arrow():
    import pyarrow as pa

    from verifiers.math import GRADE_ARROW_TYPE

    grades = [grade("1", r"\boxed{1}"), grade("1", "")]
    arr = pa.array([g.to_dict() for g in grades], type=GRADE_ARROW_TYPE)
    assert [Grade(**d) for d in arr.to_pylist()] == grades


def test_parse_gold():
    assert parse_gold(r"\dfrac{9}{7}") is not None
    assert parse_gold("$\\boxed{42}$").number == 42
    assert parse_gold("She made 9*2 = 18 dollars.\n#### 18").number == 18
    assert parse_gold("") is None
    assert parse_gold(r"\frac{(}{") is None
    assert parse_gold(r"2^{2^{2^{2^{2}}}}") is None  # refused: not a usable gold
    assert parse_gold(r"\sqrt{2}+x").kind == "expr"  # parsed in the killable worker
    assert parse_gold(5) is None  # type: ignore[arg-type]
    assert parse_gold("(a) 5 (b) 7") is None  # several answers
    assert parse_gold("We prove that the sequence converges by induction on n.") is None  # prose
    assert parse_gold(r"\text{Evelyn}").kind == "text"


def _grade_in_daemon(queue) -> None:
    queue.put(grade(r"\sqrt{8}", r"\boxed{2\sqrt{2}}").correct)


def test_grade_works_from_a_daemonic_process():
    # dask workers are daemonic processes, which multiprocessing forbids to have children;
    # our grading workers are plain subprocesses, so this must work.
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_grade_in_daemon, args=(queue,), daemon=True)
    proc.start()
    try:
        assert queue.get(timeout=120) is True
    finally:
        proc.join(timeout=30)


def test_grade_is_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    pairs = [(rf"\sqrt{{{n * n * 2}}}", rf"\boxed{{{n}\sqrt{{2}}}}") for n in range(2, 14)]
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda p: grade(*p), pairs))
    assert all(v.correct for v in verdicts), verdicts
