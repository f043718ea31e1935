"""The engine-independent parts of synth.backends: requests, configs, the reasoning split."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from synth.backends import (
    Message, OpenAIConfig, Request, SamplingParams, ThinkConfig, TransformersConfig, VllmConfig, parse_backend_config,
    split_reasoning,
)


@pytest.mark.parametrize("text, expected", [
    ("<think>12+7</think>19", ("12+7", "19")),
    ("<think> a\nb </think>\n\n19 ", ("a\nb", "19")),
    ("reasoning only opened by the template</think>19", ("reasoning only opened by the template", "19")),
    ("<think>cut off by max_tokens", ("cut off by max_tokens", "")),
    ("19", (None, "19")),
    ("", (None, "")),
])
def test_split_reasoning(text, expected):
    assert split_reasoning(text) == expected


def test_split_reasoning_configurable():
    assert split_reasoning("<think>x</think>1", ThinkConfig(split=False)) == (None, "<think>x</think>1")
    assert split_reasoning("<r>x</r>1", ThinkConfig(start="<r>", end="</r>")) == ("x", "1")


def test_config_selects_backend():
    assert isinstance(parse_backend_config({"backend": "vllm", "model": "m", "engine_args": {"tensor_parallel_size": 2}}),
                      VllmConfig)
    cfg = parse_backend_config({"backend": "openai", "model": "m", "base_url": "http://h:8000/v1"})
    assert isinstance(cfg, OpenAIConfig) and cfg.max_concurrency == 16
    assert isinstance(parse_backend_config({"backend": "transformers", "model": "m"}), TransformersConfig)


@pytest.mark.parametrize("data, needle", [
    ({"backend": "sglang", "model": "m"}, "backend"),
    ({"backend": "openai", "model": "m"}, "base_url"),
    ({"backend": "vllm", "model": "m", "base_url": "http://x"}, "base_url"),  # openai-only key on vllm
    ({"backend": "transformers", "model": "m", "batch_size": 0}, "batch_size"),
])
def test_config_errors_name_the_key(data, needle):
    with pytest.raises(ValidationError) as err:
        parse_backend_config(data)
    assert needle in str(err.value)


def test_request_needs_exactly_one_input():
    with pytest.raises(ValidationError):
        Request()
    with pytest.raises(ValidationError):
        Request(prompt="1+1", messages=[Message(role="user", content="1+1")])
    r = Request(messages=[{"role": "user", "content": "1+1"}], sampling={"n": 4, "stop": ["\n"]})
    assert r.sampling.n == 4 and r.sampling.stop == ("\n",) and r.id


def test_sampling_params_validation():
    with pytest.raises(ValidationError):
        SamplingParams(top_k=0)
    with pytest.raises(ValidationError):
        SamplingParams(n=0)
    assert SamplingParams(top_k=-1).top_k_or_none is None
    assert SamplingParams(temperature=0).greedy
