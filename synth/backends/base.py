"""The `Backend` interface every engine implements, and helpers they share.

    backend = load_backend({"backend": "vllm", "model": "data/tiny-model"})
    done = backend.generate_batch([Request(messages=[Message(role="user", content="12+7")])])
    async for event in backend.stream(request): ...        # await backend.abort(request.id) cuts it
    completion = await backend.generate(request)

`generate` and `stream` are coroutine APIs for online use (annotation, the rollout engine), usable
from any event loop; `generate_batch` is the synchronous call for offline jobs. `abort(request_id)` ends a running
request: its stream's last events and its `generate` result carry `finish_reason="abort"` and the
text produced so far (where the engine returns it).
"""
from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, ClassVar

from synth.backends.think import ThinkConfig, split_reasoning
from synth.backends.types import Completion, FinishReason, Request, Sample, StreamEvent, TokenLogprob

__all__ = ["Backend", "EngineLoop", "make_sample", "render_with_tokenizer"]


def make_sample(index: int, raw_text: str, finish_reason: FinishReason, think: ThinkConfig,
                token_ids: list[int] | None = None, n_tokens: int | None = None,
                logprobs: list[TokenLogprob] | None = None) -> Sample:
    reasoning, answer = split_reasoning(raw_text, think)
    if n_tokens is None and token_ids is not None:
        n_tokens = len(token_ids)
    return Sample(index=index, text=answer, raw_text=raw_text, finish_reason=finish_reason, reasoning=reasoning,
                  token_ids=token_ids, n_tokens=n_tokens, logprobs=logprobs)


class EngineLoop:
    """An event loop in a daemon thread that owns a backend's engine objects.

    Async engines and HTTP clients are bound to the loop they were first used in; running them on
    the backend's own loop lets callers use any loop (a fresh `asyncio.run` per job, pytest, Jupyter)
    or none (`generate_batch`). Cancelling the caller's task cancels the engine-side task, which is
    how an abandoned stream reaches the engine as an abort.
    """

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"{name}-engine-loop", daemon=True)
        self._thread.start()

    def submit(self, coro: Any) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Any) -> Any:
        """Run to completion from synchronous code (any thread but the loop's own)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("EngineLoop.run() called from the engine loop itself")
        return self.submit(coro).result()

    async def call(self, coro: Any) -> Any:
        future = self.submit(coro)
        try:
            return await asyncio.wrap_future(future)
        finally:
            future.cancel()  # no-op when done; cancels the engine-side task when the caller was cancelled

    async def iterate(self, make_agen: Callable[[], AsyncIterator[Any]], window: int = 16) -> AsyncIterator[Any]:
        """The items of the engine-side async generator `make_agen()`, handed to the caller's loop.
        At most `window` items wait for the caller: the engine side pauses until it takes them, so
        a slow consumer holds no unbounded backlog, and what the caller does after an item (an
        abort) reaches the generator within `window` items of it, not after everything the engine
        had already produced."""
        caller = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        credits = asyncio.Semaphore(window)  # acquired on the engine loop, released for each item taken

        async def pump() -> None:
            try:
                async for item in make_agen():
                    await credits.acquire()
                    caller.call_soon_threadsafe(queue.put_nowait, ("item", item))
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                caller.call_soon_threadsafe(queue.put_nowait, ("error", exc))
                if isinstance(exc, asyncio.CancelledError):
                    raise
            else:
                caller.call_soon_threadsafe(queue.put_nowait, ("end", None))

        future = self.submit(pump())
        try:
            while True:
                kind, value = await queue.get()
                if kind == "item":
                    self.loop.call_soon_threadsafe(credits.release)
                    yield value
                elif kind == "end":
                    return
                elif isinstance(value, asyncio.CancelledError):
                    return
                else:
                    raise value
        finally:
            future.cancel()

    def close(self, timeout: float = 30.0) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()


class Backend(abc.ABC):
    """One model behind one engine. Options a backend cannot honour raise `UnsupportedOption`, and
    fallbacks it takes (e.g. `n` separate requests) are listed in `Completion.notes`.

    Subclasses implement the engine side (`_stream`, `_abort`, optionally `_generate` and
    `_generate_batch`), which runs on the backend's `EngineLoop`; the public methods bridge to it.
    """

    name: ClassVar[str]

    def __init__(self, config: Any) -> None:
        self.config = config
        self.think: ThinkConfig = config.think
        self._engine_loop: EngineLoop | None = None
        self._loop_lock = threading.Lock()

    @property
    def engine_loop(self) -> EngineLoop:
        with self._loop_lock:
            if self._engine_loop is None:
                self._engine_loop = EngineLoop(self.name)
            return self._engine_loop

    # -- engine side (runs on engine_loop) --------------------------------------------------------
    @abc.abstractmethod
    def _stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Events for every sample of `request` as they are produced (interleaved by `index`)."""

    @abc.abstractmethod
    async def _abort(self, request_id: str) -> None:
        """Stop a running request; unknown or finished ids are ignored."""

    async def _generate(self, request: Request) -> Completion:
        samples: dict[int, Sample] = {}
        async for event in self._stream(request):
            if event.sample is not None:
                samples[event.index] = event.sample
        return Completion(request.id, [samples[i] for i in sorted(samples)], model=self.config.model)

    async def _generate_many(self, requests: Sequence[Request]) -> list[Completion]:
        return list(await asyncio.gather(*(self._generate(r) for r in requests)))

    def _generate_batch(self, requests: Sequence[Request]) -> list[Completion]:
        return self.engine_loop.run(self._generate_many(requests))

    # -- public API -------------------------------------------------------------------------------
    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Events for every sample as produced; the last event of a sample carries the `Sample`.
        Leaving the loop early (or cancelling the consuming task) aborts the request."""
        async for event in self.engine_loop.iterate(lambda: self._stream(request)):
            yield event

    async def abort(self, request_id: str) -> None:
        """Stop a running request: its stream ends with `finish_reason="abort"` samples."""
        await self.engine_loop.call(self._abort(request_id))

    async def generate(self, request: Request) -> Completion:
        """The finished completion of one request."""
        return await self.engine_loop.call(self._generate(request))

    async def generate_many(self, requests: Sequence[Request]) -> list[Completion]:
        """Concurrent requests, results in input order."""
        return await self.engine_loop.call(self._generate_many(list(requests)))

    def generate_batch(self, requests: Sequence[Request]) -> list[Completion]:
        """Every request to completion, in input order (synchronous, for offline jobs)."""
        return self._generate_batch(list(requests))

    def render(self, request: Request) -> str:
        """The prompt text the model sees (chat template applied the model's way). Local engines only."""
        raise NotImplementedError(f"{self.name} applies the chat template on the server")

    # -- lifetime ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop engines and free memory; the backend cannot be used afterwards."""
        if self._engine_loop is not None:
            self._engine_loop.close()
            self._engine_loop = None

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def render_with_tokenizer(tokenizer: Any, request: Request) -> tuple[str, list[int]]:
    """(prompt text, prompt token ids) of a request with a Hugging Face tokenizer: the chat template
    for `messages`, the raw `prompt` otherwise (tokenized with the model's special-token rule)."""
    if request.messages is not None:
        messages = [m.model_dump() for m in request.messages]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        return text, list(ids)
    assert request.prompt is not None
    return request.prompt, list(tokenizer(request.prompt)["input_ids"])
