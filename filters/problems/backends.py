"""The only place that calls the companion packages: the math grader and the sandboxed code judge.

Kept in one small module so a change in their signatures is a one-line fix here. Both are imported
lazily: a math-only run never imports the code judge and vice versa.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class GoldCheck:
    ok: bool
    reason: str | None  # drop reason code when not ok
    extracted: str | None
    detail: str


# Gold checks are pure functions of the gold string, and real sets repeat golds ("2", "\\frac{1}{2}")
# thousands of times; the sympy path costs ~35 ms per gold, so each process remembers its answers.
_GOLD_CACHE: dict[str, GoldCheck] = {}
_GOLD_CACHE_MAX = 200_000


def check_golds(golds: Sequence[str], workers: int = 1) -> list[GoldCheck]:
    """Each gold must parse (`parse_gold`) and grade correct against a `\\boxed{}` response of itself."""
    if len(_GOLD_CACHE) > _GOLD_CACHE_MAX:
        _GOLD_CACHE.clear()
    todo = list(dict.fromkeys(g for g in golds if g not in _GOLD_CACHE))
    if todo:
        _GOLD_CACHE.update(zip(todo, _check_golds(todo, workers)))
    return [_GOLD_CACHE[g] for g in golds]


def _check_golds(golds: Sequence[str], workers: int) -> list[GoldCheck]:
    from verifiers.math import grade, grade_many, parse_gold

    parsed = [parse_gold(g) for g in golds]
    todo = [i for i, p in enumerate(parsed) if p is not None]
    pairs = [(golds[i], "\\boxed{" + golds[i] + "}") for i in todo]
    if workers == 1:
        # grade() keeps one warm grader process per (dask worker) process; grade_many would start a
        # fresh pool (and import sympy again) for every chunk.
        grades = [grade(g, r) for g, r in pairs]
    else:
        grades = grade_many(pairs, workers=workers) if pairs else []
    by_index = dict(zip(todo, grades))
    out: list[GoldCheck] = []
    for i, gold in enumerate(golds):
        if parsed[i] is None:
            out.append(GoldCheck(False, "gold_unparseable", None, f"grader cannot parse gold {gold[:80]!r}"))
            continue
        g = by_index[i]
        extracted = None if g.extracted is None else str(g.extracted)
        if g.correct:
            out.append(GoldCheck(True, None, extracted, ""))
        elif g.status == "ok":
            out.append(GoldCheck(False, "gold_not_self_equal", extracted,
                                 f"\\boxed{{gold}} graded wrong against gold ({g.reason})"))
        else:
            out.append(GoldCheck(False, "grader_error", extracted, f"grader status {g.status}: {g.reason}"))
    return out


def judge_tests(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's tests in the code judge's `tests` shape (see verifiers/code/spec.py)."""
    fmt = row["test_format"]
    if fmt == "assert":
        # test_code already ends with any check(<entry point>) call it needs (ingest adds it).
        return {"assert_code": row["test_code"], "entry_point": None}
    if fmt == "stdio":
        return {"inputs": list(row["test_inputs"]), "outputs": list(row["test_outputs"])}
    if fmt == "call":
        return {"inputs": [json.loads(x) for x in row["test_inputs"]],
                "outputs": [json.loads(y) for y in row["test_outputs"]], "fn_name": row["fn_name"]}
    raise ValueError(f"unknown test_format {fmt!r}")


@dataclass(frozen=True)
class ReferenceCheck:
    passed: int
    total: int
    detail: str  # first failing test, or "" when all passed


def run_reference(row: Mapping[str, Any], timeout_s: float, memory_mb: int) -> ReferenceCheck:
    """Run the row's reference solution against its tests in the code judge's sandbox."""
    from verifiers.code import run_tests

    results = run_tests(row["reference_solution"], judge_tests(row), language=row.get("language") or "python",
                        timeout_s=timeout_s, memory_mb=memory_mb)
    passed = sum(1 for r in results if r.passed)
    first_bad = next((r for r in results if not r.passed), None)
    detail = ""
    if first_bad is not None:
        detail = f"{first_bad.status}: {first_bad.detail} {first_bad.stderr[-200:]}".strip()
    return ReferenceCheck(passed, len(results), detail)
