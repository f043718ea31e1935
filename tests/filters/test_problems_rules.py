"""Proof / multiple-choice screens and the single-answer rule, on made-up cases and the real sets."""
from __future__ import annotations

from pathlib import Path

import pytest

from filters.problems.ingest import read_problems
from filters.problems.rules import multiple_answer_reason, multiple_choice_reason, option_letters, proof_reason


@pytest.mark.parametrize(
    "statement, answer",
    [
        ("Prove that there are infinitely many primes.", None),
        ("Let $n$ be odd. Show that $n^2-1$ is divisible by 8.", None),
        ("Find all $x$ with $x^2=1$, and show that there are no others.", "\\pm 1"),
        ("Give a complete proof of the AM-GM inequality for two numbers.", None),
        ("Let $a,b>0$. Then show that $a+b \\ge 2\\sqrt{ab}$.", None),
        ("Is every even number a sum of two primes? Justify your answer.", "Unknown"),
        ("Let $p$ be prime. Determine whether $2^p-1$ is prime.", "proof"),
        ("What can be said about $x$?", "\\text{QED}"),
    ],
)
def test_proofs_detected(statement: str, answer: str | None) -> None:
    assert proof_reason(statement, answer) is not None


@pytest.mark.parametrize(
    "statement, answer",
    [
        ("Records show that 30% of the students walk. How many of the 200 students walk?", "60"),
        ("Wilson's report card needs to show that he received 80 or higher. What is his grade?", "80"),
        ("A waterproof watch costs \\$30. How much do 3 cost?", "90"),
        ("Find the smallest prime greater than 20.", "23"),
        ("The results improve by 5% each year. What is 100 after two years?", "110.25"),
    ],
)
def test_non_proofs_pass(statement: str, answer: str) -> None:
    assert proof_reason(statement, answer) is None


@pytest.mark.parametrize(
    "statement, answer",
    [
        ("Which is largest? $\\textbf{(A)}\\ 1 \\qquad \\textbf{(B)}\\ 2 \\qquad \\textbf{(C)}\\ 3 \\qquad \\textbf{(D)}\\ 4$", "D"),
        ("Pick the shape. (A) Line (B) Circle (C) Plane (D) Sphere", "\\text{(C)}"),
        ("What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 6", "B"),
        ("Which of the following is prime? 4, 6, 7, 9", "C"),  # letter gold + choice phrase
        ("Compare (A) and (B) below.", "(A)"),  # two labels + letter gold
    ],
)
def test_multiple_choice_detected(statement: str, answer: str) -> None:
    assert multiple_choice_reason(statement, answer) is not None


@pytest.mark.parametrize(
    "statement, answer",
    [
        ("Events $A$ and $B$ have $P(A)=0.3$, $P(B)=0.5$ and $P(C)=0.1$. Find $P(A\\cup B)$ if independent.", "0.65"),
        ("Point A is at (0,0). Find the distance from A to (3,4).", "5"),
        ("Find the area.\n\\begin{tikzpicture}\\coordinate (A) at (0,0); \\coordinate (B) at (1,0); \\coordinate (C) at (0,1);\\end{tikzpicture}", "1/2"),
        ("[asy] label(\"(A)\",(0,0)); label(\"(B)\",(1,0)); label(\"(C)\",(2,0)); [/asy] How many labels are drawn?", "3"),
        ("Which point is farther from the origin, A=(1,1) or B=(2,0)?", "B"),  # a letter answer without choices
    ],
)
def test_not_multiple_choice(statement: str, answer: str) -> None:
    assert multiple_choice_reason(statement, answer) is None


def test_option_letters_order() -> None:
    assert option_letters("(A) 1 (B) 2 (C) 3") == ["A", "B", "C"]


@pytest.mark.parametrize(
    "answer, single",
    [
        ("2 or 3", False),
        ("x = 2 \\text{ or } x = 3", False),
        ("(a) 5 (b) 7", False),
        ("\\boxed{1} \\boxed{2}", False),
        ("5; 7", False),
        ("-2, 1", True),  # "enter all solutions, separated by commas" is one answer
        ("(1, 2)", True),
        ("\\{1, 2, 3\\}", True),
        ("\\frac{\\pi}{2}", True),
        ("x \\in [0, 1)", True),
        ("\\text{Evelyn}", True),
        ("a\\;b", True),  # a LaTeX thin space is not a separator
    ],
)
def test_single_answer_rule(answer: str, single: bool) -> None:
    assert (multiple_answer_reason(answer) is None) is single


def test_real_sets(shared_data: Path) -> None:
    """On MATH-500 the rules flag exactly its 3 lettered-option problems; GSM8K/AIME/AMC have none."""
    flagged = []
    for name in ("math500_test", "gsm8k_test", "aime24", "aime25", "amc23"):
        for r in read_problems(shared_data / f"math/{name}.jsonl", name):
            if proof_reason(r["statement"], r["answer"]) or multiple_choice_reason(r["statement"], r["answer"]):
                flagged.append(r["id"])
            assert multiple_answer_reason(r["answer"]) is None, r["answer"]
    assert sorted(flagged) == [
        "math500_test/test/intermediate_algebra/754.json",
        "math500_test/test/precalculus/452.json",
        "math500_test/test/precalculus/819.json",
    ]
