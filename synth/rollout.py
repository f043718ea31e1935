"""The rollout engine: continuous rollout, asynchronous reward, early termination (docs/rollout.md).

    engine = RolloutEngine(backend, thresholds=Thresholds(), sampling=SamplingParams(temperature=1.0),
                           max_in_flight=64)
    report = engine.run_sync([RolloutProblem("p1", prompt="12+7", gold="19")])
    report.results[0].label, report.metrics.samples_per_s, report.metrics.idle_ratio

- one task per sample (a `Request` with n=1, seed = `seed + sample_index`) on the `synth.backends`
  interface; at most `max_in_flight` generate at once (the engine's slots), new samples launch as
  soon as a slot frees, never waiting for a batch;
- as a sample finishes its reward is computed at once, off the event loop: sync scorers
  (`verifiers.rewards.score_math` / `score_code`) in a process pool, async scorers (a judge service)
  awaited concurrently; the problem's pass counts update when the score lands;
- early termination: `verifiers.difficulty.decide` says when no remaining sample can change a
  problem's label; then its unlaunched samples are dropped and its running ones aborted through
  `Backend.abort`.

Metrics (`RolloutMetrics`): samples/s (scored samples per wall second), engine idle ratio (1 − slot
time spent on samples that counted / (`max_in_flight` × wall); aborted and wasted samples count as
idle, as in MiMo's Table 2), wasted samples (generated to the end but not needed: finished after the
label was decided), aborted samples and aborted tokens.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import multiprocessing
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from core.records.rollout import Rollout
from synth.backends import Backend, Message, Request, Sample, SamplingParams
from verifiers.difficulty import Label, Thresholds, decide, label
from verifiers.rewards import Score, score_code, score_math

__all__ = ["RolloutProblem", "ProblemResult", "RolloutMetrics", "RolloutReport", "RolloutEngine",
           "default_scorer", "naive_rollout"]

Scorer = Callable[[Any, str], Score] | Callable[[Any, str], Awaitable[Score]]


@dataclass(frozen=True)
class RolloutProblem:
    """One problem: a raw `prompt` or chat `messages`, and `gold` — what the scorer receives (math: the
    gold answer; code: the tests)."""

    id: str
    gold: Any
    prompt: str | None = None
    messages: tuple[Message, ...] | None = None
    domain: Literal["math", "code"] = "math"

    def request(self, sampling: SamplingParams, index: int, seed: int) -> Request:
        params = sampling.model_copy(update={"n": 1, "seed": seed + index})
        return Request(prompt=self.prompt, messages=self.messages, sampling=params,
                       id=f"{self.id}/{index}/{time.monotonic_ns()}")


@dataclass
class ProblemResult:
    id: str
    label: Label | None
    passes: int
    samples_used: int  # scored samples that counted towards the label
    pass_rate: float
    rewards: list[float]
    test_pass_rates: list[float] | None = None  # code: per-test pass rate over the counted samples
    aborted: int = 0
    errors: list[str] = field(default_factory=list)  # samples lost to a backend or scorer error, with the reason
    rollouts: list[Rollout] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("rollouts")
        return d


@dataclass
class RolloutMetrics:
    wall_s: float = 0.0
    samples: int = 0  # scored samples that counted
    samples_per_s: float = 0.0
    idle_ratio: float = 0.0
    wasted_samples: int = 0
    aborted_samples: int = 0
    aborted_tokens: int = 0
    errors: int = 0
    generated_tokens: int = 0
    slots: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RolloutReport:
    results: list[ProblemResult]
    metrics: RolloutMetrics


def default_scorer(domain: str) -> Callable[[Any, str], Score]:
    """`score_math(gold, text)` or `score_code(tests, text)` (run in the engine's process pool)."""
    return score_math if domain == "math" else score_code


def _n_tokens(sample: Sample) -> int:
    if sample.n_tokens is not None:
        return sample.n_tokens
    return len(sample.token_ids) if sample.token_ids is not None else 0


class _State:
    def __init__(self, problem: RolloutProblem, n: int) -> None:
        self.problem = problem
        self.next_index = 0
        self.n = n
        self.passes = 0
        self.failures = 0
        self.rewards: list[float] = []
        self.test_passes: list[int] | None = None
        self.running: dict[int, str] = {}  # sample index -> request id
        self.scoring = 0
        self.label: Label | None = None
        self.aborted = 0
        self.errors: list[str] = []
        self.rollouts: list[Rollout] = []

    @property
    def decided(self) -> bool:
        return self.label is not None

    def result(self) -> ProblemResult:
        used = self.passes + self.failures
        rates = None
        if self.test_passes is not None and used:
            rates = [p / used for p in self.test_passes]
        return ProblemResult(self.problem.id, self.label, self.passes, used, self.passes / used if used else 0.0,
                             self.rewards, rates, self.aborted, self.errors, self.rollouts)


class RolloutEngine:
    """Labels problems by sampling them on a backend; see the module docstring.

    `scorer(gold, response_text) -> Score`: a picklable function (run in a process pool of
    `reward_workers`, or the given `reward_pool`) or an async function (awaited on the loop: a judge
    service client). Default: `default_scorer(problem.domain)`. `max_in_flight_per_problem` bounds
    one problem's outstanding samples (generating or being scored) while other problems wait: fewer
    wasted and aborted samples under early termination (default: no bound).
    `keep_rollouts` keeps every scored sample as a `core.records.rollout.Rollout`.
    """

    def __init__(self, backend: Backend, *, scorer: Scorer | None = None, thresholds: Thresholds = Thresholds(),
                 sampling: SamplingParams = SamplingParams(), max_in_flight: int = 64,
                 max_in_flight_per_problem: int | None = None, early_stop: bool = True, seed: int = 0,
                 reward_workers: int = 2, reward_pool: concurrent.futures.Executor | None = None,
                 keep_rollouts: bool = False, model_name: str | None = None) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.backend = backend
        self.scorer = scorer
        self.thresholds = thresholds
        self.sampling = sampling
        self.max_in_flight = max_in_flight
        self.per_problem = max_in_flight_per_problem or thresholds.n_samples
        self.early_stop = early_stop
        self.seed = seed
        self.reward_workers = reward_workers
        self._pool = reward_pool
        self._own_pool = reward_pool is None
        self.keep_rollouts = keep_rollouts
        self.model_name = model_name or getattr(getattr(backend, "config", None), "model", "model")

    # -- reward -----------------------------------------------------------------------------------
    def _reward_pool(self) -> concurrent.futures.Executor:
        if self._pool is None:
            # forkserver: workers never inherit the engine threads of the parent (vLLM, the loop).
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.reward_workers, mp_context=multiprocessing.get_context("forkserver"))
        return self._pool

    async def _score(self, problem: RolloutProblem, text: str) -> Score:
        scorer = self.scorer or default_scorer(problem.domain)
        if inspect.iscoroutinefunction(scorer) or inspect.iscoroutinefunction(getattr(scorer, "__call__", None)):
            return await scorer(problem.gold, text)  # type: ignore[misc]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reward_pool(), functools.partial(scorer, problem.gold, text))

    def close(self) -> None:
        if self._own_pool and self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> RolloutEngine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the loop ---------------------------------------------------------------------------------
    def run_sync(self, problems: Iterable[RolloutProblem],
                 on_result: Callable[[ProblemResult], None] | None = None) -> RolloutReport:
        return asyncio.run(self.run(problems, on_result))

    async def run(self, problems: Iterable[RolloutProblem],
                  on_result: Callable[[ProblemResult], None] | None = None) -> RolloutReport:
        """Label every problem; `on_result` is called as each problem's label is final."""
        n = self.thresholds.n_samples
        waiting = deque(problems)
        order: list[_State] = []
        active: list[_State] = []  # problems with samples left to launch, oldest first
        gen: dict[asyncio.Task, tuple[_State, int, float]] = {}
        scoring: dict[asyncio.Task, tuple[_State, int, Sample, float]] = {}
        aborts: set[asyncio.Task] = set()
        completed: asyncio.Queue[asyncio.Task] = asyncio.Queue()  # every task puts itself here when done
        m = RolloutMetrics(slots=self.max_in_flight)
        busy = 0.0
        t0 = time.monotonic()

        def next_slot() -> tuple[_State, int] | None:
            # The per-problem bound holds while new problems wait; in the tail it grows so the last
            # problems share the free slots.
            cap = self.per_problem if waiting else max(self.per_problem, -(-self.max_in_flight // max(1, len(active))))
            for st in active:  # outstanding = generating + being scored: samples not yet counted
                if len(st.running) + st.scoring < cap:
                    return st, st.next_index
            if waiting:
                st = _State(waiting.popleft(), n)
                order.append(st)
                active.append(st)
                return st, 0
            return None

        def finish(st: _State, lab: Label) -> None:
            st.label = lab
            if st in active:
                active.remove(st)
            for rid in st.running.values():
                aborts.add(asyncio.ensure_future(self.backend.abort(rid)))

        reported: set[_State] = set()

        def maybe_done(st: _State) -> None:
            if st in reported or st.running or st.scoring or not (st.decided or st.next_index >= n):
                return
            reported.add(st)
            if on_result is not None:
                on_result(st.result())

        while waiting or active or gen or scoring:
            while len(gen) < self.max_in_flight:
                slot = next_slot()
                if slot is None:
                    break
                st, idx = slot
                req = self.problem_request(st.problem, idx)
                st.running[idx] = req.id
                st.next_index += 1
                if st.next_index >= n and st in active:
                    active.remove(st)
                task = asyncio.ensure_future(self.backend.generate(req))
                task.add_done_callback(completed.put_nowait)
                gen[task] = (st, idx, time.monotonic())
            if not gen and not scoring:
                break
            done = [await completed.get()]
            while not completed.empty():
                done.append(completed.get_nowait())
            now = time.monotonic()
            for task in done:
                if task in gen:
                    st, idx, started = gen.pop(task)
                    st.running.pop(idx, None)
                    if task.exception() is not None:
                        st.errors.append(f"sample {idx}: generation failed: {task.exception()!r}"[:300])
                        m.errors += 1
                        maybe_done(st)
                        continue
                    sample = task.result().samples[0]
                    m.generated_tokens += _n_tokens(sample)
                    if sample.finish_reason == "abort":
                        m.aborted_samples += 1
                        m.aborted_tokens += _n_tokens(sample)
                        st.aborted += 1
                    elif st.decided:
                        m.wasted_samples += 1
                    else:
                        busy += now - started
                        st.scoring += 1
                        stask = asyncio.ensure_future(self._score(st.problem, sample.text))
                        stask.add_done_callback(completed.put_nowait)
                        scoring[stask] = (st, idx, sample, now)
                    maybe_done(st)
                else:
                    st, idx, sample, _ = scoring.pop(task)
                    st.scoring -= 1
                    if task.exception() is not None:
                        st.errors.append(f"sample {idx}: scoring failed: {task.exception()!r}"[:300])
                        m.errors += 1
                        maybe_done(st)
                        continue
                    score: Score = task.result()
                    if st.decided:
                        m.wasted_samples += 1
                    else:
                        self._count(st, idx, sample, score)
                        lab = decide(st.passes, st.failures, self.thresholds) if self.early_stop else (
                            label(st.passes, self.thresholds) if st.passes + st.failures == n else None)
                        if lab is not None:
                            finish(st, lab)
                    maybe_done(st)
        if aborts:
            await asyncio.gather(*aborts, return_exceptions=True)
        m.wall_s = time.monotonic() - t0
        results = [st.result() for st in order]
        m.samples = sum(r.samples_used for r in results)
        m.samples_per_s = m.samples / m.wall_s if m.wall_s else 0.0
        m.idle_ratio = max(0.0, 1.0 - busy / (self.max_in_flight * m.wall_s)) if m.wall_s else 0.0
        return RolloutReport(results, m)

    def problem_request(self, problem: RolloutProblem, index: int) -> Request:
        return problem.request(self.sampling, index, self.seed)

    def _count(self, st: _State, idx: int, sample: Sample, score: Score) -> None:
        if score.correct:
            st.passes += 1
        else:
            st.failures += 1
        st.rewards.append(score.reward)
        if score.test_results is not None:
            flags = [bool(r.get("passed")) for r in score.test_results]
            if st.test_passes is None:
                st.test_passes = [0] * len(flags)
            if len(flags) == len(st.test_passes):
                st.test_passes = [a + b for a, b in zip(st.test_passes, flags)]
        if self.keep_rollouts:
            p = st.problem
            st.rollouts.append(Rollout(
                id=f"{p.id}/{idx}", problem_id=p.id, domain=p.domain, model=self.model_name, sample_index=idx,
                prompt=p.prompt if p.prompt is not None else "\n".join(m.content for m in p.messages or ()),
                response=sample.raw_text, finish_reason=sample.finish_reason, n_response_tokens=_n_tokens(sample),
                sampling={"temperature": self.sampling.temperature, "top_p": self.sampling.top_p,
                          "seed": self.seed + idx, "max_tokens": self.sampling.max_tokens},
                reward=score.reward, grade=score.grade, test_results=score.test_results))


async def naive_rollout(backend: Backend, problems: Sequence[RolloutProblem], *, scorer: Scorer | None = None,
                        thresholds: Thresholds = Thresholds(), sampling: SamplingParams = SamplingParams(),
                        batch_samples: int = 64, seed: int = 0, reward_workers: int = 2,
                        reward_pool: concurrent.futures.Executor | None = None) -> RolloutReport:
    """The baseline: generate a whole batch (`batch_samples` samples, all n of each problem), then score
    it all, then the next batch; labels from all n samples. Same metrics as the engine ("wasted":
    samples after the point where the label was decided, in sample order)."""
    n = thresholds.n_samples
    helper = RolloutEngine(backend, scorer=scorer, thresholds=thresholds, sampling=sampling, seed=seed,
                           max_in_flight=batch_samples, reward_workers=reward_workers, reward_pool=reward_pool)
    m = RolloutMetrics(slots=batch_samples)
    results: list[ProblemResult] = []
    busy = 0.0
    slots = [(p, i) for p in problems for i in range(n)]
    per: dict[str, list[tuple[Score, float]]] = {}
    t0 = time.monotonic()

    async def timed(req: Request) -> tuple[Sample, float]:
        start = time.monotonic()
        done = await backend.generate(req)
        return done.samples[0], time.monotonic() - start

    try:
        for b in range(0, len(slots), batch_samples):
            batch = slots[b:b + batch_samples]
            outs = await asyncio.gather(*(timed(helper.problem_request(p, i)) for p, i in batch))
            scores = await asyncio.gather(*(helper._score(p, s.text) for (p, _), (s, _) in zip(batch, outs)))
            for (p, _i), (s, dt), sc in zip(batch, outs, scores):
                m.generated_tokens += _n_tokens(s)
                per.setdefault(p.id, []).append((sc, dt))
    finally:
        helper.close()
    for p in problems:
        passes = failures = 0
        decided_at = n
        for k, (sc, dt) in enumerate(per[p.id]):
            passes += sc.correct
            failures += not sc.correct
            if decide(passes, failures, thresholds) is not None:
                decided_at = k + 1
                break
        used = per[p.id][:decided_at]
        busy += sum(dt for _, dt in used)
        m.wasted_samples += n - decided_at
        total = sum(sc.correct for sc, _ in per[p.id])
        results.append(ProblemResult(p.id, label(total, thresholds), total, n, total / n,
                                     [sc.reward for sc, _ in per[p.id]]))
    m.wall_s = time.monotonic() - t0
    m.samples = len(slots)
    m.samples_per_s = m.samples / m.wall_s if m.wall_s else 0.0
    m.idle_ratio = max(0.0, 1.0 - busy / (batch_samples * m.wall_s)) if m.wall_s else 0.0
    return RolloutReport(results, m)
