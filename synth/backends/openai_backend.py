"""Any OpenAI-compatible server: `vllm serve`, SGLang, `transformers serve`, hosted APIs.

Uses the `openai` client, which retries 408/409/429/5xx, connection errors and timeouts with
exponential backoff (honouring `Retry-After`) up to `max_retries` times. On top of it:

- bounded concurrency (`max_concurrency` requests in flight per backend);
- a first call lists the served models: a server that is down is a `BackendUnavailable` naming the
  URL, a model it does not serve is a `ModelNotServed` listing what it does serve;
- `messages` go to `/chat/completions` (the server applies the model's chat template), or with
  `chat_template: client` are rendered here with the model's Hugging Face template and sent to
  `/completions`; a raw `prompt` goes to `/completions`. A reasoning span the server split off
  (`reasoning_content`/`reasoning`) is put back in front of the answer, so `ThinkConfig` decides;
- servers that ignore `n` (`transformers serve`): the missing samples are requested one by one
  (seed + i), and `Completion.notes` says so; servers that reject `stop` get the request without
  it, and the text is always cut at the first stop string here (some servers keep it); a server that returns no logprobs when
  they were asked for raises `UnsupportedOption` instead of returning less;
- `abort(request_id)` cancels the HTTP requests (servers abort generation on disconnect).
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from synth.backends.base import Backend, make_sample, render_with_tokenizer
from synth.backends.config import OpenAIConfig
from synth.backends.types import (
    BackendError, BackendUnavailable, Completion, ModelNotServed, Request, Sample, StreamEvent, TokenLogprob,
    UnsupportedOption,
)

__all__ = ["OpenAIBackend"]


def _cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    cuts = [i for i in (text.find(s) for s in stop) if i >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def _reasoning_of(obj: Any) -> str | None:
    """The reasoning a server split off (vLLM/SGLang/transformers serve call it one of these)."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(obj, name, None)
        if value is None and getattr(obj, "model_extra", None):
            value = obj.model_extra.get(name)
        if value:
            return value
    return None


def _finish(reason: str | None) -> str:
    return reason if reason in ("stop", "length") else "stop"


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, config: OpenAIConfig) -> None:
        super().__init__(config)
        self.url = config.base_url.rstrip("/")
        self._client: Any = None
        self._semaphore: asyncio.Semaphore | None = None
        self._checked = False
        self._check_lock: asyncio.Lock | None = None
        self.supports_n: bool | None = None  # learnt from the first request with n > 1
        self.supports_stop: bool | None = None  # learnt from the first request with stop strings
        self._tasks: dict[str, set[asyncio.Task]] = {}
        self._aborted: set[str] = set()
        self._tokenizer: Any = None

    # -- connection ---------------------------------------------------------------------------------
    def _ensure_client(self) -> Any:
        if self._client is None:  # engine loop only
            from openai import AsyncOpenAI

            key = os.environ.get(self.config.api_key_env) if self.config.api_key_env else None
            self._client = AsyncOpenAI(base_url=self.url, api_key=key or "EMPTY",
                                       max_retries=self.config.max_retries, timeout=self.config.timeout_s)
            self._semaphore = asyncio.Semaphore(self.config.max_concurrency)
            self._check_lock = asyncio.Lock()
        return self._client

    def _unavailable(self, exc: BaseException) -> BackendUnavailable:
        cause = exc.__cause__ or exc
        return BackendUnavailable(f"cannot reach the OpenAI-compatible server at {self.url} "
                                  f"({type(cause).__name__}: {cause}); is it running?")

    async def served_models(self) -> list[str]:
        import openai

        client = self._ensure_client()
        try:
            page = await client.with_options(max_retries=0).models.list()
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise self._unavailable(exc) from exc
        return [m.id for m in page.data]

    async def _check(self) -> None:
        import openai

        self._ensure_client()
        assert self._check_lock is not None
        async with self._check_lock:
            if self._checked:
                return
            try:
                models = await self.served_models()
            except openai.APIStatusError:
                models = []  # some hosted APIs do not list models: the request itself will tell
            if models and self.config.model not in models:
                raise ModelNotServed(f"model {self.config.model!r} is not served at {self.url}; "
                                     f"it serves: {', '.join(models)}")
            self._checked = True

    # -- one HTTP request -----------------------------------------------------------------------------
    def _body(self, request: Request, n: int, seed: int | None, stream: bool, send_stop: bool) -> dict[str, Any]:
        sp = request.sampling
        body: dict[str, Any] = {"model": self.config.model, "max_tokens": sp.max_tokens, "temperature": sp.temperature,
                                "top_p": sp.top_p, "n": n, "stream": stream}
        if seed is not None:
            body["seed"] = seed
        if sp.stop and send_stop:
            body["stop"] = list(sp.stop)
        if sp.logprobs is not None:
            if self._chat(request):
                body.update(logprobs=True, top_logprobs=sp.logprobs)
            else:
                body["logprobs"] = sp.logprobs
        extra = dict(self.config.extra_body)
        if sp.top_k_or_none is not None:
            extra["top_k"] = sp.top_k_or_none  # not in OpenAI's API: vLLM, SGLang and TGI read it
        if stream:
            body["stream_options"] = {"include_usage": True}
        body["extra_body"] = extra
        if self._chat(request):
            body["messages"] = [m.model_dump() for m in request.messages]
        else:
            body["prompt"] = request.prompt if request.messages is None else self.render(request)
        return body

    def _chat(self, request: Request) -> bool:
        return request.messages is not None and self.config.chat_template == "server"

    def render(self, request: Request) -> str:
        if request.messages is None:
            return request.prompt or ""
        if self.config.chat_template == "server":
            return super().render(request)
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.config.tokenizer or self.config.model)
        return render_with_tokenizer(self._tokenizer, request)[0]

    async def _post(self, request: Request, n: int, seed: int | None, stream: bool) -> Any:
        """The response (or stream) for one HTTP request, with the stop-string fallback."""
        import openai

        client = self._ensure_client()
        endpoint = client.chat.completions if self._chat(request) else client.completions
        send_stop = self.supports_stop is not False
        try:
            return await endpoint.create(**self._body(request, n, seed, stream, send_stop))
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise self._unavailable(exc) from exc
        except openai.NotFoundError as exc:
            self._checked = False
            await self._check()  # raises ModelNotServed when that is the cause
            raise BackendError(f"{self.url}: {exc}") from exc
        except openai.BadRequestError as exc:
            if request.sampling.stop and send_stop and self.supports_stop is None:
                # transformers serve 5.x answers 400 to `stop`; cut the text here instead.
                self.supports_stop = False
                return await self._post(request, n, seed, stream)
            raise BackendError(f"{self.url} rejected the request: {exc}") from exc

    def _logprobs(self, choice: Any, chat: bool, wanted: int | None) -> list[TokenLogprob] | None:
        if wanted is None:
            return None
        lp = getattr(choice, "logprobs", None)
        if chat:
            content = getattr(lp, "content", None) if lp is not None else None
            if not content:
                raise UnsupportedOption(f"the server at {self.url} returned no logprobs although they were asked for "
                                        "(`transformers serve` does not support them; use vLLM or SGLang)")
            return [TokenLogprob(c.token, c.logprob, None, tuple((t.token, t.logprob) for t in (c.top_logprobs or [])))
                    for c in content]
        if lp is None or not getattr(lp, "tokens", None):
            raise UnsupportedOption(f"the server at {self.url} returned no logprobs although they were asked for")
        tops = lp.top_logprobs or [{}] * len(lp.tokens)
        return [TokenLogprob(t, l, None, tuple(sorted((top or {}).items(), key=lambda kv: -kv[1])))
                for t, l, top in zip(lp.tokens, lp.token_logprobs, tops)]

    def _with_reasoning(self, content: str | None, reasoning: str | None) -> str:
        if reasoning:
            return f"{self.think.start}{reasoning}{self.think.end}{content or ''}"
        return content or ""

    def _to_sample(self, index: int, text: str, finish: str | None, request: Request, logprobs: Any,
                   token_ids: list[int] | None, n_tokens: int | None) -> Sample:
        if request.sampling.stop:
            text, cut = _cut_at_stop(text, request.sampling.stop)
            finish = "stop" if cut else finish
        return make_sample(index, text, _finish(finish), self.think, token_ids=token_ids,
                           n_tokens=n_tokens if n_tokens is not None else (len(logprobs) if logprobs else None),
                           logprobs=logprobs)

    async def _one(self, request: Request, n: int, seed: int | None, first_index: int) -> tuple[list[Sample], int | None]:
        assert self._semaphore is not None
        async with self._semaphore:
            resp = await self._post(request, n, seed, stream=False)
        chat = self._chat(request)
        usage = getattr(resp, "usage", None)
        samples = []
        for i, choice in enumerate(sorted(resp.choices, key=lambda c: c.index)):
            message = choice.message if chat else None
            text = self._with_reasoning(message.content, _reasoning_of(message)) if chat else choice.text
            lps = self._logprobs(choice, chat, request.sampling.logprobs)
            token_ids = getattr(choice, "token_ids", None)
            n_tokens = usage.completion_tokens if usage is not None and len(resp.choices) == 1 else None
            samples.append(self._to_sample(first_index + i, text, choice.finish_reason, request, lps, token_ids, n_tokens))
        return samples, (usage.prompt_tokens if usage is not None else None)

    # -- engine side ----------------------------------------------------------------------------------
    def _seed(self, request: Request, i: int) -> int | None:
        return None if request.sampling.seed is None else request.sampling.seed + i

    async def _generate(self, request: Request) -> Completion:
        await self._check()
        task = asyncio.current_task()
        assert task is not None
        self._tasks.setdefault(request.id, set()).add(task)
        n = request.sampling.n
        notes: list[str] = []
        try:
            if n == 1 or self.supports_n is not False:
                samples, prompt_tokens = await self._one(request, n, request.sampling.seed, 0)
                if n > 1:
                    self.supports_n = len(samples) >= n
            else:
                samples, prompt_tokens = [], None
            if len(samples) < n:
                notes.append(f"server ignored n={n}: sent {n - len(samples)} more single-sample requests")
                extra = await asyncio.gather(*(self._one(request, 1, self._seed(request, i), i)
                                               for i in range(len(samples), n)))
                for more, tokens in extra:
                    samples.extend(more)
                    prompt_tokens = prompt_tokens if prompt_tokens is not None else tokens
            if self.supports_stop is False and request.sampling.stop:
                notes.append("server rejected `stop`: text cut at the stop string by the client")
        except asyncio.CancelledError:
            if request.id not in self._aborted:
                raise
            samples = [make_sample(i, "", "abort", self.think) for i in range(n)]
            prompt_tokens = None
        finally:
            self._tasks.get(request.id, set()).discard(task)
            if not self._tasks.get(request.id):
                self._tasks.pop(request.id, None)
                self._aborted.discard(request.id)
        return Completion(request.id, samples, prompt_tokens=prompt_tokens, model=self.config.model, notes=notes)

    async def _stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        await self._check()
        n = request.sampling.n
        queue: asyncio.Queue = asyncio.Queue()
        # One streamed HTTP request with n, or n of them where the server ignores n (or may).
        parts = [(0, n, request.sampling.seed)] if n == 1 or self.supports_n else \
            [(i, 1, self._seed(request, i)) for i in range(n)]
        state: dict[int, dict[str, Any]] = {i: {"text": [], "lps": [], "done": False, "in_reasoning": False}
                                            for i in range(n)}

        async def consume(first: int, count: int, seed: int | None) -> None:
            assert self._semaphore is not None
            chat = self._chat(request)
            try:
                async with self._semaphore:
                    stream = await self._post(request, count, seed, stream=True)
                    async for chunk in stream:
                        for choice in chunk.choices or []:
                            index = first + choice.index
                            if index not in state:
                                continue
                            if chat:
                                reasoning = _reasoning_of(choice.delta)
                                st = state[index]
                                if reasoning:
                                    delta = ("" if st["in_reasoning"] else self.think.start) + reasoning
                                    st["in_reasoning"] = True
                                else:
                                    delta = choice.delta.content or ""
                                    if st["in_reasoning"] and delta:
                                        delta, st["in_reasoning"] = self.think.end + delta, False
                            else:
                                delta = choice.text or ""
                            lp = getattr(choice, "logprobs", None)
                            if request.sampling.logprobs is not None and lp is not None and \
                                    (getattr(lp, "content", None) or getattr(lp, "tokens", None)):
                                state[index]["lps"].extend(self._logprobs(choice, chat, request.sampling.logprobs) or [])
                            queue.put_nowait((index, delta, choice.finish_reason))
            except asyncio.CancelledError:
                pass  # aborted: its samples end below with finish_reason "abort"
            except BaseException as exc:  # noqa: BLE001 - re-raised by the generator
                queue.put_nowait(("error", exc))
            finally:
                queue.put_nowait(("part-done",))

        tasks = [asyncio.create_task(consume(*p)) for p in parts]
        self._tasks.setdefault(request.id, set()).update(tasks)
        open_parts = len(tasks)
        try:
            while open_parts:
                item = await queue.get()
                if item[0] == "part-done":
                    open_parts -= 1
                    continue
                if item[0] == "error":
                    raise item[1]
                index, delta, finish = item
                st = state[index]
                if st["done"]:
                    continue
                if request.sampling.stop:
                    so_far = "".join(st["text"])
                    text, cut = _cut_at_stop(so_far + delta, request.sampling.stop)
                    if cut:
                        delta, finish = text[len(so_far):], "stop"
                st["text"].append(delta)
                event = StreamEvent(request.id, index, delta)
                if finish is not None:
                    st["done"] = True
                    if request.sampling.logprobs is not None and not st["lps"]:
                        raise UnsupportedOption(f"the server at {self.url} streamed no logprobs although they were "
                                                "asked for (`transformers serve` does not support them)")
                    event.sample = self._to_sample(index, "".join(st["text"]), finish, request, st["lps"] or None, None, None)
                    event.finish_reason = event.sample.finish_reason
                yield event
                if request.id in self._aborted:
                    # Aborted: deltas already received but not handed out are dropped, so each
                    # unfinished sample ends with exactly the text its caller saw (a fast server may
                    # have sent the whole answer before the abort reached it).
                    break
            for index, st in state.items():  # parts ended without a finish reason: aborted
                if not st["done"]:
                    st["done"] = True
                    sample = make_sample(index, "".join(st["text"]), "abort", self.think)
                    yield StreamEvent(request.id, index, "", finish_reason="abort", sample=sample)
        finally:
            for t in tasks:
                t.cancel()
            self._tasks.pop(request.id, None)
            self._aborted.discard(request.id)

    async def _abort(self, request_id: str) -> None:
        tasks = self._tasks.get(request_id)
        if tasks:
            self._aborted.add(request_id)
            for t in list(tasks):
                t.cancel()

    def close(self) -> None:
        if self._client is not None and self._engine_loop is not None:
            self._engine_loop.run(self._client.close())
        self._client = None
        super().close()
