"""Every backend against a real engine, on the tiny arithmetic model.

vLLM offline (`LLM`) and async (`AsyncLLM`), the `openai` backend against a real vLLM OpenAI server
and a real `transformers serve`, and the transformers backend answer the same held-out problems;
their greedy answers agree and the easy ones are right. Then each backend's own promises: n,
logprobs, stop, max_tokens, abort, and the openai backend's errors and fallbacks.
"""
from __future__ import annotations

import asyncio
import socket

import pytest

from synth.backends import (
    BackendUnavailable, Message, ModelNotServed, Request, SamplingParams, UnsupportedOption, load_backend,
)
from tests.infra.llm import ServerProxy
from tools.tiny_model.curriculum import held_out

pytestmark = pytest.mark.xdist_group("llm")

ITEMS = [it for tier, op in [(1, "+"), (1, "*"), (2, "+"), (2, "*"), (3, "+"), (3, "*")] for it in held_out(tier, op, 4, seed=3)]
GREEDY = SamplingParams(temperature=0, max_tokens=24)
# Far outside the curriculum: the model writes 9s until max_tokens, long enough to abort mid-way.
LONG_PROMPT = [Message(role="user", content="9" * 60 + "+1")]


def chat(question: str, sampling: SamplingParams = GREEDY) -> Request:
    return Request(messages=[Message(role="user", content=question)], sampling=sampling)


def openai_backend(server, **kw):
    return load_backend({"backend": "openai", "model": server.model, "base_url": server.url, **kw})


@pytest.fixture(scope="module")
def vllm_openai(vllm_server):
    with openai_backend(vllm_server) as backend:
        yield backend


@pytest.fixture(scope="module")
def transformers_openai(transformers_server, tiny_model):
    # transformers serve 5.19's chat endpoint mixes the prompt into the answer of this model when it
    # splits off the reasoning; the model's own template applied here and /completions is exact.
    with openai_backend(transformers_server, chat_template="client", tokenizer=tiny_model) as backend:
        yield backend


def test_all_backends_agree_on_greedy_answers(vllm_backend, transformers_backend, vllm_openai, transformers_openai):
    from verifiers.math import grade

    requests = [chat(it.question) for it in ITEMS]
    answers = {
        "vllm offline": vllm_backend.generate_batch(requests),
        "vllm async": asyncio.run(vllm_backend.generate_many(requests)),
        "openai -> vllm server": vllm_openai.generate_batch(requests),
        "openai -> transformers serve": transformers_openai.generate_batch(requests),
        "transformers": transformers_backend.generate_batch(requests),
    }
    texts = {name: [c.samples[0].raw_text for c in done] for name, done in answers.items()}
    reference = texts["transformers"]
    for name, got in texts.items():
        assert got == reference, f"{name} disagrees with transformers: {list(zip(got, reference))}"
    for done in answers.values():
        for it, completion in zip(ITEMS, done):
            sample = completion.samples[0]
            assert sample.finish_reason == "stop" and sample.reasoning == it.question
    easy = [grade(it.answer, c.samples[0].text).correct for it, c in zip(ITEMS, answers["vllm offline"]) if
            it.tier == 1 and it.op == "+" or it.tier == 2 and it.op == "+"]
    assert sum(easy) >= len(easy) - 1


def check_sampled(completion, n: int, logprobs: bool = True) -> None:
    assert [s.index for s in completion.samples] == list(range(n))
    for s in completion.samples:
        assert s.finish_reason == "stop" and s.text and s.raw_text.startswith("<think>")
        if logprobs:
            assert s.logprobs is not None and len(s.logprobs) == s.n_tokens
            assert all(lp.logprob <= 0 and len(lp.top) == 2 for lp in s.logprobs)


def test_vllm_offline_sampling_options(vllm_backend):
    sampled = SamplingParams(n=8, temperature=1.5, max_tokens=24, logprobs=2, seed=0)
    done = vllm_backend.generate_batch([chat("357*864", sampled), chat("12+34", GREEDY.model_copy(update={"max_tokens": 3})),
                                        chat("45+38", GREEDY.model_copy(update={"stop": ("</think>",)}))])
    check_sampled(done[0], 8)
    assert len({s.raw_text for s in done[0].samples}) > 1  # a hard problem at T=1.5: samples differ
    assert all(s.token_ids and s.token_ids[-1] == vllm_backend.tokenizer.eos_token_id for s in done[0].samples)
    assert done[1].samples[0].finish_reason == "length" and done[1].samples[0].n_tokens == 3
    assert done[2].samples[0].raw_text == "<think>45+38" and done[2].samples[0].finish_reason == "stop"
    # greedy with n > 1 (vLLM refuses it): n identical samples
    greedy = vllm_backend.generate_batch([chat("45+38", GREEDY.model_copy(update={"n": 3}))])[0]
    assert [s.raw_text for s in greedy.samples] == ["<think>45+38</think>83"] * 3


async def stream_and_abort(backend, n: int = 2, after: int = 3):
    request = Request(messages=LONG_PROMPT, sampling=SamplingParams(n=n, temperature=0.7, max_tokens=150, seed=1))
    finals, seen, events = {}, {}, 0
    async for event in backend.stream(request):
        events += 1
        seen[event.index] = seen.get(event.index, "") + event.delta
        if events == after:
            await backend.abort(request.id)
        if event.sample is not None:
            finals[event.index] = event.sample
    # each sample ends with exactly the text its caller saw, whenever the abort landed
    assert {i: s.raw_text for i, s in finals.items()} == {i: seen.get(i, "") for i in finals}
    return finals


def stopped_early(finals) -> bool:
    return all(s.finish_reason == "abort" and len(s.raw_text) < 100 for s in finals.values())  # unaborted: 150 tokens


def check_aborted(finals, n: int = 2) -> None:
    assert sorted(finals) == list(range(n))
    assert stopped_early(finals), {i: (s.finish_reason, len(s.raw_text)) for i, s in finals.items()}


def test_vllm_async_stream_and_abort(vllm_backend):
    async def main():
        # a full stream first: deltas add up to the final sample
        text, finals = {}, {}
        async for event in vllm_backend.stream(chat("45+38", GREEDY.model_copy(update={"n": 2, "temperature": 0.5}))):
            text[event.index] = text.get(event.index, "") + event.delta
            if event.sample:
                finals[event.index] = event.sample
        assert {i: s.raw_text for i, s in finals.items()} == text and len(finals) == 2
        return await stream_and_abort(vllm_backend)
    check_aborted(asyncio.run(main()))


def test_transformers_stream_and_abort(transformers_backend):
    check_aborted(asyncio.run(stream_and_abort(transformers_backend)))
    done = transformers_backend.generate_batch([chat("357*864", SamplingParams(n=4, temperature=1.5, max_tokens=24,
                                                                             logprobs=2, seed=0))])[0]
    check_sampled(done, 4)


def test_openai_vllm_server_options_and_abort(vllm_openai):
    done = vllm_openai.generate_batch([chat("357*864", SamplingParams(n=4, temperature=1.5, max_tokens=24, logprobs=2, seed=0))])[0]
    check_sampled(done, 4)
    assert vllm_openai.supports_n is True and not done.notes
    raw = vllm_openai.generate_batch([Request(prompt="<|user|>45+38<|assistant|>", sampling=GREEDY)])[0]
    assert raw.samples[0].text == "83" and raw.prompt_tokens == 7
    # Once aborted, the stream hands out nothing more: each unfinished sample ends with the text its
    # caller saw (checked on every attempt), even when a fast server had already sent the whole
    # answer. The caller's abort reaches the stream within the engine loop's window (16 events; a
    # probe under a load of 5 ended at 0–17 characters, 15 of 15 runs), but a server may still put
    # many tokens into one event, or finish a sample ("length"), before the abort lands; so try up
    # to eight times (~0.2 s each) and require one run the abort stopped early.
    for attempt in range(8):
        finals = asyncio.run(stream_and_abort(vllm_openai, n=4, after=1))
        if stopped_early(finals) or attempt == 7:
            break
    check_aborted(finals, n=4)


def test_openai_transformers_serve_fallbacks(transformers_openai):
    done = transformers_openai.generate_batch([chat("45+38", SamplingParams(n=3, temperature=0.5, max_tokens=24, seed=0))])[0]
    check_sampled(done, 3, logprobs=False)
    assert transformers_openai.supports_n is False and any("ignored n=3" in note for note in done.notes)
    stopped = transformers_openai.generate_batch([chat("45+38", GREEDY.model_copy(update={"stop": ("</think>",)}))])[0]
    assert stopped.samples[0].raw_text == "<think>45+38"
    with pytest.raises(UnsupportedOption, match="logprobs"):
        transformers_openai.generate_batch([chat("45+38", GREEDY.model_copy(update={"logprobs": 1}))])


def test_openai_errors_name_the_server(vllm_server):
    with openai_backend(vllm_server, model="no-such-model") as backend:
        with pytest.raises(ModelNotServed, match=r"no-such-model.*serves: tiny"):
            backend.generate_batch([chat("1+1")])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    url = f"http://127.0.0.1:{port}/v1"
    with load_backend({"backend": "openai", "model": "tiny", "base_url": url, "max_retries": 1}) as backend:
        with pytest.raises(BackendUnavailable, match=url):
            backend.generate_batch([chat("1+1")])


def test_openai_retries_429_and_5xx(vllm_server):
    failures, seen = [429, 503, 500], []

    def fail_first(body):  # the first POSTs get the statuses in `failures`, the rest reach vLLM
        if failures:
            seen.append(failures.pop(0))
            return seen[-1]
        return None

    with ServerProxy(vllm_server.url, fail_first) as proxy:
        with load_backend({"backend": "openai", "model": vllm_server.model, "base_url": proxy.url, "max_retries": 3}) as backend:
            done = backend.generate_batch([chat("45+38")])[0]
        assert done.samples[0].text == "83" and seen == [429, 503, 500]
        failures[:] = [503, 503]
        with load_backend({"backend": "openai", "model": vllm_server.model, "base_url": proxy.url, "max_retries": 1}) as backend:
            with pytest.raises(Exception, match="503"):
                backend.generate_batch([chat("45+38")])
