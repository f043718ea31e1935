"""Rule-based math answer grader.

    from verifiers.math import grade, grade_many, parse_gold
    grade("\\frac{1}{2}", "... so the answer is $\\boxed{0.5}$")  # Grade(correct=True, status="ok", ...)

Layers: `extract` (find the final answer in a response) -> `parse` (answer text -> exact
number / sympy object) -> `compare` (equivalence rules) ; `pool` runs anything that may reach
sympy in killable worker processes with a hard timeout.
"""
from verifiers.math.grader import STATUSES, Grade
from verifiers.math.parse import Answer
from verifiers.math.pool import grade, grade_many, parse_gold


def __getattr__(name: str):
    if name == "GRADE_ARROW_TYPE":  # lazy: see verifiers.math.grader
        from verifiers.math import grader

        return grader.GRADE_ARROW_TYPE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Answer", "GRADE_ARROW_TYPE", "Grade", "STATUSES", "grade", "grade_many", "parse_gold"]
