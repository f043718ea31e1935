"""Rule-based math answer grader.

    from verifiers.math import grade, grade_many, parse_gold
    grade("\\frac{1}{2}", "... so the answer is $\\boxed{0.5}$")  # Grade(correct=True, status="ok", ...)

Layers: `extract` (find the final answer in a response) -> `parse` (answer text -> exact
number / sympy object) -> `compare` (equivalence rules) ; `pool` runs anything that may reach
sympy in killable worker processes with a hard timeout.
"""
from verifiers.math.grader import GRADE_ARROW_TYPE, STATUSES, Grade
from verifiers.math.parse import Answer
from verifiers.math.pool import grade, grade_many, parse_gold

__all__ = ["Answer", "GRADE_ARROW_TYPE", "Grade", "STATUSES", "grade", "grade_many", "parse_gold"]
