"""Difficulty from pass counts: problem labels, early decisions, test levels, easy-pool sampling,
the dynamic-sampling filter. Pure functions (no model, no job code); see docs/rollout.md.

Labels (MiMo §3.2, ../shared/research/mimo.md §4), with `n` samples per problem and `passes` correct:

- ``too_easy``: passes > `keep_max_passes` (math: 14 of 16, i.e. pass rate > 90% is dropped; code: 15,
  only 16/16 is dropped)
- ``unsolved``: passes <= `unsolved_max_passes` (0: never solved; None switches the label off — the
  SFT-model pass of the recipe, where unsolved problems are judged by stronger models)
- ``keep``: the rest.
"""
from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Label", "LABELS", "Thresholds", "label", "decide", "TestLevels", "cluster_test_levels", "per_test_pass_rates",
    "EasyPoolSampler", "is_informative", "dynamic_sampling_filter",
]

Label = Literal["too_easy", "keep", "unsolved"]
LABELS: tuple[str, ...] = ("too_easy", "keep", "unsolved")


class Thresholds(BaseModel):
    """`n_samples` per problem; a problem is too easy above `keep_max_passes` correct samples and
    unsolved at or below `unsolved_max_passes` (None: no unsolved label)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    n_samples: int = Field(16, ge=1)
    keep_max_passes: int = Field(14, ge=0)
    unsolved_max_passes: int | None = Field(0, ge=0)

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if self.keep_max_passes >= self.n_samples:
            raise ValueError(f"keep_max_passes ({self.keep_max_passes}) must be < n_samples ({self.n_samples}), "
                             "or nothing is ever too easy")
        if self.unsolved_max_passes is not None and self.unsolved_max_passes >= self.keep_max_passes:
            raise ValueError("unsolved_max_passes must be < keep_max_passes")
        return self


def label(passes: int, thresholds: Thresholds = Thresholds()) -> Label:
    """The label of a problem with `passes` correct out of `thresholds.n_samples`."""
    if passes > thresholds.keep_max_passes:
        return "too_easy"
    if thresholds.unsolved_max_passes is not None and passes <= thresholds.unsolved_max_passes:
        return "unsolved"
    return "keep"


def decide(passes: int, failures: int, thresholds: Thresholds = Thresholds()) -> Label | None:
    """The label once no remaining sample can change it, else None (early termination).

    With 16 samples and keep <= 14: two failures (and, with the unsolved label on, one success)
    decide "keep"; "too_easy" needs 15 successes, "unsolved" 16 failures.
    """
    if passes < 0 or failures < 0 or passes + failures > thresholds.n_samples:
        raise ValueError(f"bad counts: {passes} passes + {failures} failures of {thresholds.n_samples}")
    remaining = thresholds.n_samples - passes - failures
    low, high = label(passes, thresholds), label(passes + remaining, thresholds)
    return low if low == high else None


# -- test difficulty levels ------------------------------------------------------------------------

def per_test_pass_rates(results: Iterable[Sequence[bool]]) -> list[float]:
    """Pass rate of every test over solutions (`results`: one row of per-test pass flags per solution)."""
    rows = [list(map(bool, r)) for r in results]
    if not rows:
        raise ValueError("no solutions")
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise ValueError("every solution must have one verdict per test")
    return [sum(r[t] for r in rows) / len(rows) for t in range(n)]


@dataclass(frozen=True)
class TestLevels:
    """`levels[t]` is test t's level, 0 = easiest (highest pass rate); `cuts` are the pass-rate cut
    points between adjacent levels, descending (a test with rate >= cuts[0] is level 0, ...)."""

    __test__ = False

    levels: list[int]
    cuts: list[float]
    n_levels: int
    method: str
    pass_rates: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"levels": self.levels, "cuts": self.cuts, "n_levels": self.n_levels, "method": self.method,
                "pass_rates": self.pass_rates}


def _kmeans_1d(values: Sequence[float], k: int) -> list[float]:
    """Optimal 1-D k-means (the Ckmeans.1d.dp dynamic programme, O(k·n²)): the k-1 cut points.

    Hand-written: a few lines of DP, deterministic (Lloyd's k-means, e.g. scikit-learn's, depends on
    its initialisation) and no new dependency for the verifiers leaf.
    """
    xs = sorted(values)
    n = len(xs)
    pre, pre2 = [0.0], [0.0]
    for x in xs:
        pre.append(pre[-1] + x)
        pre2.append(pre2[-1] + x * x)

    def sse(i: int, j: int) -> float:  # xs[i:j]
        s, s2, m = pre[j] - pre[i], pre2[j] - pre2[i], j - i
        return s2 - s * s / m

    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    cost[0][0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            for i in range(c - 1, j):
                v = cost[c - 1][i] + sse(i, j)
                if v < cost[c][j] - 1e-12:
                    cost[c][j], back[c][j] = v, i
    bounds, j = [], n
    for c in range(k, 0, -1):
        i = back[c][j]
        bounds.append(i)
        j = i
    starts = sorted(bounds)[1:]  # first index of clusters 2..k (ascending values)
    return [(xs[s - 1] + xs[s]) / 2 for s in starts]


def cluster_test_levels(pass_rates: Sequence[float] | Sequence[Sequence[float]], n_levels: int = 3,
                method: Literal["kmeans", "cuts"] = "kmeans", cuts: Sequence[float] = (0.65, 0.25)) -> TestLevels:
    """Difficulty level of every test from its pass rate (one list, or one list per model: averaged).

    kmeans: optimal 1-D k-means into at most `n_levels` clusters (fewer when there are fewer distinct
    rates); cuts: fixed descending cut points (default ~MiMo Fig. 5: easy >= 0.65 > medium >= 0.25 > hard).
    """
    rows = [list(map(float, r)) for r in pass_rates] if pass_rates and isinstance(pass_rates[0], Sequence) \
        else [list(map(float, pass_rates))]  # type: ignore[arg-type]
    if not rows or not rows[0]:
        raise ValueError("no tests")
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("every model must give one pass rate per test")
    rates = [sum(col) / len(col) for col in zip(*rows)]
    if any(not 0.0 <= r <= 1.0 for r in rates):
        raise ValueError("pass rates must be in [0, 1]")
    if method == "kmeans":
        if n_levels < 1:
            raise ValueError("n_levels must be >= 1")
        k = min(n_levels, len(set(rates)))
        ascending_cuts = _kmeans_1d(rates, k) if k > 1 else []
        cut_list = sorted(ascending_cuts, reverse=True)
    elif method == "cuts":
        cut_list = sorted(map(float, cuts), reverse=True)
    else:
        raise ValueError(f"method must be 'kmeans' or 'cuts', got {method!r}")
    levels = [sum(r < c for c in cut_list) for r in rates]
    return TestLevels(levels, [round(c, 6) for c in cut_list], len(cut_list) + 1, method, rates)


# -- sampling --------------------------------------------------------------------------------------

class EasyPoolSampler:
    """Draws problems for RL (MiMo §3.3.2): a problem whose pass rate reaches 1 moves to an easy pool,
    drawn with probability `alpha` instead of being deleted; one that fails again returns to the
    main pool. Draws are uniform within a pool; `seed` makes them reproducible."""

    def __init__(self, problem_ids: Iterable[Hashable], alpha: float = 0.1, seed: int = 0) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError("alpha must be in [0, 1]")
        self.alpha = alpha
        self.main: list[Hashable] = list(dict.fromkeys(problem_ids))
        self.easy: list[Hashable] = []
        self._where: dict[Hashable, str] = {p: "main" for p in self.main}
        self._rng = random.Random(seed)

    def update(self, problem_id: Hashable, pass_rate: float) -> None:
        src, dst = ("main", "easy") if pass_rate >= 1.0 else ("easy", "main")
        if self._where.get(problem_id) == src:
            getattr(self, src).remove(problem_id)
            getattr(self, dst).append(problem_id)
            self._where[problem_id] = dst
        elif problem_id not in self._where:
            raise KeyError(f"unknown problem {problem_id!r}")

    def sample(self, k: int = 1) -> list[Hashable]:
        out = []
        for _ in range(k):
            use_easy = bool(self.easy) and (not self.main or self._rng.random() < self.alpha)
            pool = self.easy if use_easy else self.main
            if not pool:
                raise ValueError("both pools are empty")
            out.append(self._rng.choice(pool))
        return out


def is_informative(rewards: Sequence[float]) -> bool:
    """False when every reward of a group is equal (zero advantage: DAPO's dynamic sampling drops it)."""
    return len(set(rewards)) > 1


def dynamic_sampling_filter(groups: Iterable, rewards_of=lambda g: g) -> list:
    """The groups whose rewards are not all equal (`rewards_of(group)` gives a group's rewards)."""
    return [g for g in groups if is_informative(list(rewards_of(g)))]
