"""verifiers.difficulty and verifiers.rewards: labels, early decisions, test levels, sampling, rewards."""
from __future__ import annotations

import itertools
import random

import pytest

from core.records.test_result import TestResult
from verifiers.difficulty import (
    EasyPoolSampler, Thresholds, decide, dynamic_sampling_filter, label, per_test_pass_rates, cluster_test_levels,
)
from verifiers.rewards import code_reward, math_reward

MATH = Thresholds()  # 16 samples, keep <= 14, unsolved = 0
SFT = Thresholds(unsolved_max_passes=None)


def test_labels_follow_thresholds():
    assert [label(p, MATH) for p in (0, 1, 14, 15, 16)] == ["unsolved", "keep", "keep", "too_easy", "too_easy"]
    code = Thresholds(keep_max_passes=15)
    assert label(15, code) == "keep" and label(16, code) == "too_easy"
    assert label(0, SFT) == "keep"
    with pytest.raises(ValueError):
        Thresholds(n_samples=16, keep_max_passes=16)


def test_decide_is_early_and_never_contradicts_the_full_count():
    # the rule: two failures decide "keep" (SFT pass), 15 successes "too easy"
    assert decide(0, 2, SFT) == "keep" and decide(0, 1, SFT) is None
    assert decide(14, 0, SFT) is None and decide(15, 0, SFT) == "too_easy"
    # with the unsolved label on, two failures and one success decide keep; unsolved needs 16 failures
    assert decide(0, 2, MATH) is None and decide(1, 2, MATH) == "keep"
    assert decide(0, 15, MATH) is None and decide(0, 16, MATH) == "unsolved"
    # exhaustive: whenever decide() answers, every completion of the remaining samples agrees
    for th in (MATH, SFT, Thresholds(keep_max_passes=15)):
        for p, f in itertools.product(range(17), repeat=2):
            if p + f > 16:
                continue
            d = decide(p, f, th)
            finals = {label(p + extra, th) for extra in range(16 - p - f + 1)}
            assert (d is not None) == (len(finals) == 1)
            if d is not None:
                assert finals == {d}


def test_test_levels_kmeans_and_cuts():
    rates = [0.95, 0.9, 0.92, 0.5, 0.45, 0.55, 0.05, 0.0, 0.1]
    lv = cluster_test_levels(rates, n_levels=3)
    assert lv.levels == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert len(lv.cuts) == 2 and 0.55 < lv.cuts[0] < 0.9 and 0.1 < lv.cuts[1] < 0.45
    # several models: rates averaged per test
    two = cluster_test_levels([[1.0, 0.0, 0.5], [0.8, 0.0, 0.5]], n_levels=2)
    assert two.pass_rates == [0.9, 0.0, 0.5] and two.levels == [0, 1, 0]
    # fewer distinct rates than levels: fewer levels
    assert cluster_test_levels([1.0, 1.0, 0.0], n_levels=3).n_levels == 2
    fixed = cluster_test_levels(rates, method="cuts")
    assert fixed.cuts == [0.65, 0.25] and fixed.levels == lv.levels
    assert per_test_pass_rates([[True, False], [True, True]]) == [1.0, 0.5]
    with pytest.raises(ValueError):
        per_test_pass_rates([[True], [True, False]])


def test_code_reward_strict_and_soft():
    levels = [0, 0, 1, 1, 2]
    all_pass = [True] * 5
    assert code_reward(all_pass, levels) == pytest.approx(1.0)
    assert code_reward(all_pass, levels, "soft") == pytest.approx(1.0)
    # a hard test passes but a medium one fails: strict gives only the easy level
    r = [True, True, False, True, True]
    assert code_reward(r, levels, "strict") == pytest.approx(1 / 3)
    assert code_reward(r, levels, "soft") == pytest.approx(1 / 3 + 1 / 6 + 1 / 3)
    # an easy failure gates everything in strict
    assert code_reward([False, True, True, True, True], levels, "strict") == 0.0
    # weights, TestResult and dict inputs
    tr = [TestResult(True, "passed", 0.0), {"passed": True}, True, True, False]
    assert code_reward(tr, levels, "strict", weights=[0.2, 0.3, 0.5]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        code_reward([True], [0, 1])
    with pytest.raises(ValueError):
        code_reward([True], [0], "lenient")  # type: ignore[arg-type]


def test_math_reward_uses_the_grader():
    assert math_reward("19", "12+7 = \\boxed{19}") == 1.0
    assert math_reward("\\frac{1}{2}", "the answer is $\\boxed{0.5}$") == 1.0
    assert math_reward("19", "\\boxed{18}") == 0.0


def test_easy_pool_sampler():
    s = EasyPoolSampler(range(10), alpha=0.1, seed=1)
    s.update(3, 1.0)
    s.update(4, 1.0)
    draws = s.sample(5000)
    easy_share = sum(d in (3, 4) for d in draws) / len(draws)
    assert 0.08 < easy_share < 0.12
    s.update(3, 0.5)  # failed again: back to the main pool
    assert s.easy == [4] and 3 in s.main
    with pytest.raises(KeyError):
        s.update(99, 1.0)


def test_dynamic_sampling_filter():
    groups = {"a": [1, 1, 1], "b": [0, 0], "c": [0, 1, 1], "d": [0.5, 0.25]}
    assert dynamic_sampling_filter(groups, rewards_of=groups.get) == ["c", "d"]
    rng = random.Random(0)
    gs = [[rng.choice([0.0, 1.0]) for _ in range(4)] for _ in range(200)]
    kept = dynamic_sampling_filter(gs)
    assert all(0 < sum(g) < 4 for g in kept) and len(kept) == sum(0 < sum(g) < 4 for g in gs)
