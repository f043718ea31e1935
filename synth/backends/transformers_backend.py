"""transformers `generate`, batched, on CPU or GPU: small local models, laptops, tests.

All model work runs on one worker thread. Requests arriving together (`generate_many`, concurrent
`generate`/`stream` calls, `generate_batch`) are grouped by sampling options and run as left-padded
batches of up to `batch_size` sequences (a request with `n` samples is `n` rows). A stopping
criterion ends aborted rows on the next step; a streamer hands each row's new text to its stream.

Honoured: n, temperature, top_p, top_k, max_tokens, stop (generate's `stop_strings`, text cut at the
stop string), logprobs (from the raw logits), seed (per batch: rows that share sampling options and
seed run together, so a sampled row depends on its batch-mates; greedy rows do not).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from synth.backends.base import Backend, make_sample, render_with_tokenizer
from synth.backends.config import TransformersConfig
from synth.backends.types import Completion, Request, Sample, StreamEvent, TokenLogprob

__all__ = ["TransformersBackend"]


@dataclass
class _Row:
    request: Request
    index: int
    prompt_ids: list[int]
    sink: Callable[[StreamEvent], None] | None = None
    tokens: list[int] = field(default_factory=list)
    sent_text: str = ""
    aborted: bool = False
    sample: Sample | None = None


def _group_key(request: Request) -> tuple:
    sp = request.sampling
    return (sp.temperature, sp.top_p, sp.top_k_or_none, sp.max_tokens, sp.stop, sp.seed, sp.logprobs)


class TransformersBackend(Backend):
    name = "transformers"

    def __init__(self, config: TransformersConfig) -> None:
        super().__init__(config)
        self._model: Any = None
        self._tokenizer: Any = None
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="transformers-generate")
        self._load_lock = threading.Lock()
        self._rows: dict[str, list[_Row]] = {}  # running or queued rows by request id
        self._pending: list[tuple[Request, asyncio.Future, Callable | None]] = []
        self._runner: asyncio.Task | None = None
        self._abort_queued: set[str] = set()  # aborted before their batch started

    # -- model --------------------------------------------------------------------------------------
    def _load(self) -> tuple[Any, Any]:
        with self._load_lock:
            if self._model is None:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer

                device = self.config.device
                if device == "auto":
                    device = "cuda" if torch.cuda.is_available() else "cpu"
                tok = AutoTokenizer.from_pretrained(self.config.model)
                model = AutoModelForCausalLM.from_pretrained(self.config.model, **self.config.engine_args)
                self._tokenizer, self._model = tok, model.to(device).eval()
            return self._tokenizer, self._model

    @property
    def tokenizer(self) -> Any:
        return self._load()[0]

    def render(self, request: Request) -> str:
        return render_with_tokenizer(self.tokenizer, request)[0]

    # -- one batch (worker thread) ------------------------------------------------------------------
    def _run_rows(self, rows: list[_Row]) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList
        from transformers.generation.streamers import BaseStreamer

        tok, model = self._load()
        sp = rows[0].request.sampling
        eos = model.generation_config.eos_token_id if model.generation_config.eos_token_id is not None else tok.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        pad = tok.pad_token_id if tok.pad_token_id is not None else next(iter(eos_ids))
        width = max(len(r.prompt_ids) for r in rows)
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):  # left padding
            input_ids[i, width - len(r.prompt_ids):] = torch.tensor(r.prompt_ids)
            mask[i, width - len(r.prompt_ids):] = 1

        class Abort(StoppingCriteria):
            def __call__(self, ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.tensor([r.aborted for r in rows], dtype=torch.bool, device=ids.device)

        backend = self

        class RowStreamer(BaseStreamer):
            first = True

            def put(self, value: Any) -> None:
                if self.first:  # generate() first puts the prompt
                    self.first = False
                    return
                for r, token in zip(rows, value.view(-1).tolist()):
                    if r.sink is None or r.aborted or (r.tokens and r.tokens[-1] in eos_ids):
                        continue
                    r.tokens.append(token)
                    text = tok.decode([t for t in r.tokens if t not in eos_ids], skip_special_tokens=True)
                    if text != r.sent_text and not text.endswith("\ufffd"):
                        delta, r.sent_text = text[len(r.sent_text):], text
                        r.sink(StreamEvent(r.request.id, r.index, delta, [token]))

            def end(self) -> None:
                pass

        kwargs: dict[str, Any] = dict(
            max_new_tokens=sp.max_tokens, pad_token_id=pad, eos_token_id=list(eos_ids), return_dict_in_generate=True,
            output_logits=sp.logprobs is not None, stopping_criteria=StoppingCriteriaList([Abort()]),
        )
        if any(r.sink is not None for r in rows):
            kwargs["streamer"] = RowStreamer()
        if sp.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(do_sample=True, temperature=sp.temperature, top_p=sp.top_p, top_k=sp.top_k_or_none or 0)
        if sp.stop:
            kwargs.update(stop_strings=list(sp.stop), tokenizer=tok)
        if sp.seed is not None:
            torch.manual_seed(sp.seed)
        device = model.device
        with torch.no_grad():
            out = model.generate(input_ids=input_ids.to(device), attention_mask=mask.to(device), **kwargs)
        new = out.sequences[:, width:].tolist()
        logps = None
        if sp.logprobs is not None:
            logps = torch.log_softmax(torch.stack(out.logits, dim=1).float(), dim=-1)  # [rows, steps, vocab]
        for i, r in enumerate(rows):
            ids = new[i]
            end = next((j for j, t in enumerate(ids) if t in eos_ids), None)
            if end is not None:
                ids = ids[: end + 1]
            else:  # rows stopped by a stop string or an abort are padded to the batch's length
                while ids and ids[-1] == pad:
                    ids.pop()
            text = tok.decode([t for t in ids if t not in eos_ids], skip_special_tokens=True)
            finish = "stop" if end is not None else "length" if len(ids) >= sp.max_tokens else "stop"
            if sp.stop:
                cuts = [c for c in (text.find(s) for s in sp.stop) if c >= 0]
                if cuts:
                    text, finish = text[: min(cuts)], "stop"
            if r.aborted:
                finish = "abort"
            lps = None
            if logps is not None:
                lps = []
                for step, token in enumerate(ids):
                    row = logps[i, step]
                    values, indices = row.topk(sp.logprobs) if sp.logprobs else (row[:0], row[:0].long())
                    lps.append(TokenLogprob(tok.decode([token]), float(row[token]), token,
                                            tuple((tok.decode([int(t)]), float(v)) for v, t in zip(values, indices))))
            r.sample = make_sample(r.index, text, finish, self.think, token_ids=ids, logprobs=lps)
            if r.sink is not None:
                delta = text[len(r.sent_text):] if text.startswith(r.sent_text) else ""
                r.sink(StreamEvent(r.request.id, r.index, delta, finish_reason=finish, sample=r.sample))

    def _rows_for(self, request: Request, sink: Callable | None) -> list[_Row]:
        prompt_ids = render_with_tokenizer(self.tokenizer, request)[1]
        aborted = request.id in self._abort_queued
        self._abort_queued.discard(request.id)
        return [_Row(request, i, prompt_ids, sink, aborted=aborted) for i in range(request.sampling.n)]

    def _run_requests(self, requests: Sequence[tuple[Request, Callable | None]]) -> list[Completion]:
        """Worker thread: group rows by sampling options, run batches, assemble completions in order."""
        all_rows = [self._rows_for(r, sink) for r, sink in requests]
        for (request, _), rows in zip(requests, all_rows):
            self._rows.setdefault(request.id, []).extend(rows)
        try:
            groups: dict[tuple, list[_Row]] = {}
            for (request, _), rows in zip(requests, all_rows):
                groups.setdefault(_group_key(request), []).extend(rows)
            for rows in groups.values():
                for start in range(0, len(rows), self.config.batch_size):
                    chunk = [r for r in rows[start: start + self.config.batch_size]]
                    live = [r for r in chunk if not r.aborted]
                    if live:
                        self._run_rows(live)
                    for r in chunk:
                        if r.sample is None:  # aborted before its batch ran
                            r.sample = make_sample(r.index, "", "abort", self.think, token_ids=[])
                            if r.sink is not None:
                                r.sink(StreamEvent(r.request.id, r.index, "", finish_reason="abort", sample=r.sample))
        finally:
            for request, _ in requests:
                self._rows.pop(request.id, None)
        return [Completion(request.id, [r.sample for r in rows], prompt_tokens=len(rows[0].prompt_ids),
                           model=self.config.model) for (request, _), rows in zip(requests, all_rows)]

    # -- offline ------------------------------------------------------------------------------------
    def _generate_batch(self, requests: Sequence[Request]) -> list[Completion]:
        return self._worker.submit(self._run_requests, [(r, None) for r in requests]).result()

    # -- online (engine loop): concurrent requests are batched together -------------------------------
    async def _submit(self, request: Request, sink: Callable | None) -> Completion:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future, sink))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_pending())
        return await future

    async def _run_pending(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            await asyncio.sleep(0)  # let requests submitted in the same tick join the batch
            batch, self._pending = self._pending, []
            try:
                done = await loop.run_in_executor(self._worker, self._run_requests, [(r, s) for r, _, s in batch])
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting request
                for _, future, _ in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future, _), completion in zip(batch, done):
                if not future.done():
                    future.set_result(completion)

    async def _generate(self, request: Request) -> Completion:
        return await self._submit(request, None)

    async def _generate_many(self, requests: Sequence[Request]) -> list[Completion]:
        return list(await asyncio.gather(*(self._submit(r, None) for r in requests)))

    async def _stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        task = asyncio.ensure_future(self._submit(request, lambda ev: loop.call_soon_threadsafe(queue.put_nowait, ev)))
        finished = 0
        try:
            while finished < request.sampling.n:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait([getter, task], return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    if task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                    continue
                event = getter.result()
                finished += event.sample is not None
                yield event
        finally:
            if not task.done():
                await self._abort(request.id)

    async def _abort(self, request_id: str) -> None:
        rows = self._rows.get(request_id)
        if rows:
            for row in rows:
                row.aborted = True
        elif any(req.id == request_id for req, _, _ in self._pending):
            self._abort_queued.add(request_id)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._model = None
        super().close()
