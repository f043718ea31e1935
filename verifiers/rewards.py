"""Rewards: the test-difficulty code reward (strict / soft) and the math reward.

MiMo §3.2 (../shared/research/mimo.md §5): a code problem's tests are grouped into difficulty
levels G_1 (easiest) … G_K (hardest) with level weights s_k (normalised to sum to 1):

- strict: R = Σ_k s_k · 1[every test of G_1 ∪ … ∪ G_k passes]  (prefix-gated, like IOI subtasks)
- soft:   R = Σ_k Σ_{t ∈ G_k} (s_k / |G_k|) · pass_t            (per-test credit weighted by level)

Default weights: equal per level (1/K for the K levels that hold at least one test). The report
does not give its weights; equal weights keep both schemes equal to "all tests pass" when K = 1.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = ["Scheme", "Score", "code_reward", "math_reward", "passed_flags", "level_weights", "score_math", "score_code", "extract_code"]

Scheme = Literal["strict", "soft"]


def passed_flags(test_results: Sequence[Any]) -> list[bool]:
    """`passed` per test from bools, `TestResult`s or their dicts."""
    out: list[bool] = []
    for i, r in enumerate(test_results):
        if isinstance(r, bool):
            out.append(r)
        elif isinstance(r, Mapping) and "passed" in r:
            out.append(bool(r["passed"]))
        elif hasattr(r, "passed"):
            out.append(bool(r.passed))
        else:
            raise TypeError(f"test result {i}: expected a bool, a TestResult or a dict with `passed`, got {type(r).__name__}")
    return out


def level_weights(levels: Sequence[int], weights: Sequence[float] | Mapping[int, float] | None = None) -> dict[int, float]:
    """Normalised weight of every level present in `levels` (level 0 = easiest)."""
    present = sorted(set(levels))
    if weights is None:
        raw = {k: 1.0 for k in present}
    elif isinstance(weights, Mapping):
        raw = {k: float(weights.get(k, 0.0)) for k in present}
    else:
        if max(present, default=-1) >= len(weights):
            raise ValueError(f"weights has {len(weights)} entries but levels go up to {max(present)}")
        raw = {k: float(weights[k]) for k in present}
    if any(w < 0 for w in raw.values()):
        raise ValueError("level weights must be >= 0")
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("level weights of the levels present sum to 0")
    return {k: w / total for k, w in raw.items()}


def code_reward(test_results: Sequence[Any], levels: Sequence[int], scheme: Scheme = "strict",
                weights: Sequence[float] | Mapping[int, float] | None = None) -> float:
    """Reward in [0, 1] of one solution: `test_results[i]` is test i's verdict, `levels[i]` its level
    (0 = easiest; e.g. `verifiers.difficulty.cluster_test_levels(...).levels`)."""
    passed = passed_flags(test_results)
    if len(passed) != len(levels):
        raise ValueError(f"{len(passed)} test results but {len(levels)} levels")
    if not passed:
        raise ValueError("no tests: a code reward needs at least one test")
    if any(int(k) != k or k < 0 for k in levels):
        raise ValueError("levels must be integers >= 0")
    w = level_weights(levels, weights)
    groups: dict[int, list[bool]] = {}
    for ok, k in zip(passed, levels):
        groups.setdefault(int(k), []).append(ok)
    if scheme == "strict":
        reward, gate = 0.0, True
        for k in sorted(groups):
            gate = gate and all(groups[k])
            if not gate:
                break
            reward += w[k]
        return min(reward, 1.0)
    if scheme == "soft":
        return min(sum(w[k] * sum(g) / len(g) for k, g in groups.items()), 1.0)
    raise ValueError(f"scheme must be 'strict' or 'soft', got {scheme!r}")


def math_reward(gold: str, response: str, *, timeout_s: float = 5.0) -> float:
    """1.0 when `verifiers.math.grade` finds the response's final answer equal to `gold`, else 0.0."""
    return score_math(gold, response, timeout_s).reward


# -- scorers: one response -> Score (picklable module functions: the rollout engine runs them in a
#    process pool, off its event loop) ---------------------------------------------------------------

class Score:
    """A scored response: `reward`, `correct` (what pass counts count: math correct / every test
    passed), and the verifier's verdict (`grade` dict for math, `test_results` dicts for code)."""

    __slots__ = ("reward", "correct", "grade", "test_results")

    def __init__(self, reward: float, correct: bool, grade: dict | None = None,
                 test_results: list[dict] | None = None) -> None:
        self.reward, self.correct, self.grade, self.test_results = float(reward), bool(correct), grade, test_results

    def __reduce__(self):
        return (Score, (self.reward, self.correct, self.grade, self.test_results))

    def __repr__(self) -> str:
        return f"Score(reward={self.reward}, correct={self.correct})"


def score_math(gold: str, response: str, timeout_s: float = 5.0) -> Score:
    """Math: `verifiers.math.grade` -> reward 1/0 and the Grade."""
    from verifiers.math import grade

    g = grade(gold, response, timeout_s=timeout_s)
    return Score(1.0 if g.correct else 0.0, g.correct, grade=g.to_dict())


def extract_code(response: str) -> str:
    """The last fenced code block of a response (the whole response when there is none)."""
    import re

    blocks = re.findall(r"```[\w+-]*\n(.*?)```", response, flags=re.S)
    return blocks[-1] if blocks else response


def score_code(tests: Any, response: str, levels: Sequence[int] | None = None, scheme: Scheme = "strict",
               weights: Sequence[float] | None = None, language: str = "python", timeout_s: float = 5.0) -> Score:
    """Code: judge the response's last code block on `tests` (`verifiers.code.run_tests`); reward =
    `code_reward` over `levels` (None: one level, i.e. all tests must pass)."""
    from verifiers.code import run_tests

    results = run_tests(extract_code(response), tests, language=language, timeout_s=timeout_s)
    flags = [r.passed for r in results]
    lv = list(levels) if levels is not None else [0] * len(flags)
    reward = code_reward(flags, lv, scheme, weights) if flags else 0.0
    return Score(reward, bool(flags) and all(flags), test_results=[r.to_dict() for r in results])
