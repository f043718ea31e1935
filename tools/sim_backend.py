"""A simulated model backend and code judge for bench/rollout.py (the `synth.backends.Backend` interface).

`SimBackend` behaves like a continuous-batching engine (vLLM's scheduler, simplified): at most
`max_num_seqs` requests decode at once (FIFO admission), every decode step gives each running request
one token and takes `step_base_s + step_per_seq_s × running` simulated seconds, so a fuller batch is
more efficient per token but each step is slower. Answer lengths are long-tailed (log-normal, capped at
`max_tokens` with finish_reason "length"), wrong answers run longer than right ones. Everything about
a sample — its length and whether it is right — is a pure function of (problem id, seed), so the naive
loop and the engine see exactly the same workload. `abort` ends a request with the tokens produced so far.

The prompt names the problem: `"sim/<problem id>"`; the problem's pass probability comes from a
mixture (easy / medium / hard / never solved) seeded by the id. The text is "correct" or "wrong".

`SimJudge` is an async judge-service client: a log-normal latency per call (code judging), at most
`concurrency` calls at once; reward 1.0 for "correct".

Simulated time runs `1 / time_scale` times faster than wall time (the engine ticks every `tick_s`).
"""
from __future__ import annotations

import asyncio
import hashlib
import math
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from synth.backends import Backend, Completion, Request, Sample, StreamEvent, ThinkConfig
from verifiers.rewards import Score

__all__ = ["SimConfig", "SimBackend", "SimJudge", "problem_pass_probability"]


@dataclass
class SimConfig:
    model: str = "sim"
    max_num_seqs: int = 256
    step_base_s: float = 0.008  # decode step of a near-empty batch (memory-bound)
    step_per_seq_s: float = 0.00002  # extra per running sequence
    median_tokens: float = 300.0
    sigma: float = 1.0
    wrong_length_factor: float = 1.5
    time_scale: float = 0.01  # wall seconds per simulated second
    tick_s: float = 0.005  # wall seconds between scheduler ticks
    think: ThinkConfig = ThinkConfig()


def _rng(*parts: object) -> random.Random:
    return random.Random(hashlib.sha256("/".join(map(str, parts)).encode()).digest())


def problem_pass_probability(problem_id: str) -> float:
    r = _rng("p", problem_id)
    u = r.random()
    if u < 0.3:
        return r.uniform(0.9, 1.0)  # easy
    if u < 0.7:
        return r.uniform(0.1, 0.9)  # medium
    if u < 0.9:
        return r.uniform(0.0, 0.1)  # hard
    return 0.0  # never solved


class _Req:
    __slots__ = ("target", "produced", "correct", "future", "max_tokens")

    def __init__(self, target: int, correct: bool, max_tokens: int, future: asyncio.Future) -> None:
        self.target, self.correct, self.max_tokens, self.future = target, correct, max_tokens, future
        self.produced = 0.0


class SimBackend(Backend):
    name = "sim"

    def __init__(self, config: SimConfig | None = None) -> None:
        super().__init__(config or SimConfig())
        self.cfg: SimConfig = self.config
        self._reqs: dict[str, _Req] = {}
        self._ticker: asyncio.Task | None = None

    def outcome(self, request: Request) -> tuple[int, bool]:
        """(answer length in tokens, correct) of a request: a pure function of (problem, seed)."""
        pid = (request.prompt or "").removeprefix("sim/")
        r = _rng("s", pid, request.sampling.seed)
        correct = r.random() < problem_pass_probability(pid)
        median = self.cfg.median_tokens * (1.0 if correct else self.cfg.wrong_length_factor)
        return max(1, int(r.lognormvariate(math.log(median), self.cfg.sigma))), correct

    async def _tick(self) -> None:
        cfg = self.cfg
        last = time.monotonic()
        while self._reqs:
            await asyncio.sleep(cfg.tick_s)
            now = time.monotonic()
            sim_dt, last = (now - last) / cfg.time_scale, now
            running = list(self._reqs.items())[:cfg.max_num_seqs]
            steps = sim_dt / (cfg.step_base_s + cfg.step_per_seq_s * len(running))
            for rid, req in running:
                req.produced += steps
                limit = min(req.target, req.max_tokens)
                if req.produced >= limit:
                    self._finish(rid, int(limit), "stop" if req.target <= req.max_tokens else "length")
        self._ticker = None

    def _finish(self, rid: str, n_tokens: int, reason: str) -> None:
        req = self._reqs.pop(rid, None)
        if req is not None and not req.future.done():
            text = ("correct" if req.correct else "wrong") if reason != "abort" else ""
            req.future.set_result(Sample(index=0, text=text, raw_text=text, finish_reason=reason,  # type: ignore[arg-type]
                                         n_tokens=n_tokens))

    async def _generate(self, request: Request) -> Completion:
        target, correct = self.outcome(request)
        future = asyncio.get_running_loop().create_future()
        self._reqs[request.id] = _Req(target, correct, request.sampling.max_tokens, future)
        if self._ticker is None:
            self._ticker = asyncio.ensure_future(self._tick())
        try:
            sample = await future
        finally:
            self._reqs.pop(request.id, None)
        return Completion(request.id, [sample], model=self.cfg.model)

    async def _stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        done = await self._generate(request)
        s = done.samples[0]
        yield StreamEvent(request.id, 0, s.text, finish_reason=s.finish_reason, sample=s)

    async def _abort(self, request_id: str) -> None:
        req = self._reqs.get(request_id)
        if req is not None:
            self._finish(request_id, int(req.produced), "abort")


class SimJudge:
    """Async judge-service client with log-normal latency (simulated seconds, scaled like the backend)."""

    def __init__(self, median_s: float = 0.5, sigma: float = 1.0, concurrency: int = 64,
                 time_scale: float = 0.01, seed: int = 0) -> None:
        self.median_s, self.sigma, self.time_scale = median_s, sigma, time_scale
        self.concurrency = concurrency
        self._sem: asyncio.Semaphore | None = None
        self._rng = random.Random(seed)

    async def __call__(self, gold: object, text: str) -> Score:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrency)
        async with self._sem:
            await asyncio.sleep(self._rng.lognormvariate(math.log(self.median_s), self.sigma) * self.time_scale)
        ok = text == "correct"
        return Score(1.0 if ok else 0.0, ok)
