"""Grading one (gold, response) pair in the current process, without a timeout.

`grade_fast` answers the pairs that never need sympy (plain numbers, choice letters, words):
pure-Python work bounded by the input size, safe to run in the caller's process.
`grade_inprocess` answers every pair and may call sympy, so callers run it in a killable
worker (see `verifiers.math.pool`).
"""
from __future__ import annotations

import re
from functools import lru_cache

from core.records.grade import STATUSES as GRADE_STATUSES
from core.records.grade import Grade
from core.records.grade import arrow_type as grade_arrow_type
from verifiers.math.compare import _canon, answers_equal
from verifiers.math.extract import TAIL_CHARS, extract_answer
from verifiers.math.parse import Answer, normalize, parse_answer, parse_gold

STATUSES = GRADE_STATUSES  # the record lives on the ground floor: core/records/grade.py


def __getattr__(name: str):
    if name == "GRADE_ARROW_TYPE":  # lazy, see core.records.grade
        return grade_arrow_type()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NeedsSympy(Exception):
    """Raised by the fast path when a pair needs the sympy path."""


@lru_cache(maxsize=8192)
def _gold(gold: str, fast_only: bool) -> Answer | None:
    # Cached: RL batches grade many responses against the same gold.
    return parse_gold(gold, allow_sympy=not fast_only)


def _check_types(gold, response) -> None:
    if not isinstance(gold, str):
        raise TypeError(f"gold must be a str, got {type(gold).__name__}")
    if not isinstance(response, str):
        raise TypeError(f"response must be a str, got {type(response).__name__}")


def _decide(gold: str, g: Answer | None, ext, p: Answer) -> Grade:
    if g is None:
        if _canon(normalize(gold)) == _canon(p.text) and p.text:
            return Grade(True, "ok", ext.text, "identical answer text")
        return Grade(False, "unparseable", ext.text, "gold answer is not one parseable answer")
    ok, why = answers_equal(g, p)
    if ok:
        return Grade(True, "ok", ext.text, f"{why} (found by {ext.anchor})")
    if p.kind == "unparsed":
        return Grade(False, "unparseable", ext.text, f"answer not readable: {p.note}")
    return Grade(False, "ok", ext.text, f"not equal: {why}")


def grade_fast(gold: str, response: str) -> Grade:
    """Grade without sympy; raises NeedsSympy when the pair needs it."""
    _check_types(gold, response)
    g = _gold(gold, True)
    ext = extract_answer(response)
    if ext is None:
        return Grade(False, "no_answer", None, "no final answer found in the response")
    p = parse_answer(ext.text, allow_sympy=False)
    if g is not None and (g.kind == "needs_sympy" or p.kind == "needs_sympy"):
        # Identical text needs no sympy: most correct answers are spelled like the gold.
        if g.text and _canon(g.text) == _canon(p.text):
            return Grade(True, "ok", ext.text, f"identical answer text (found by {ext.anchor})")
        raise NeedsSympy
    if g is None:
        # The gold may still read as a formula; only the full path can say it does not.
        raise NeedsSympy
    return _decide(gold, g, ext, p)


_LATEX_TAIL_RE = re.compile(r"\$|\\\(|\\\[")


def grade_inprocess(gold: str, response: str) -> Grade:
    """Full grading (may run sympy for a long time: call it inside a killable worker)."""
    _check_types(gold, response)
    g = _gold(gold, False)
    ext = extract_answer(response)
    if ext is None:
        return Grade(False, "no_answer", None, "no final answer found in the response")
    p = parse_answer(ext.text)
    verdict = _decide(gold, g, ext, p)
    if verdict.status != "unparseable" or g is None or ext.anchor != "last_sentence":
        return verdict
    # No anchor and our reading of the last sentence failed: let Math-Verify's extraction pick the last formula.
    from verifiers.math.parse import sympy_parse_response

    expr = sympy_parse_response(response[-TAIL_CHARS:])
    if expr is None:
        return verdict
    alt = Answer(text=str(expr), kind="expr", expr=expr)
    ok, why = answers_equal(g, alt)
    if ok:
        return Grade(True, "ok", str(expr), f"{why} (found by last formula)")
    return verdict
