"""Model backends: one interface over vLLM (offline + async), OpenAI-compatible servers and transformers.

    from synth.backends import Message, Request, SamplingParams, load_backend
    backend = load_backend({"backend": "vllm", "model": "data/tiny-model"})   # or a config model
    [done] = backend.generate_batch([Request(messages=[Message(role="user", content="12+7")],
                                             sampling=SamplingParams(n=8, temperature=0.8))])
    done.samples[0].text, done.samples[0].reasoning, done.samples[0].finish_reason

Public API: `load_backend`, the configs (`BackendConfig` = `VllmConfig | OpenAIConfig |
TransformersConfig`, `ThinkConfig`), the `Backend` interface, the request/result types and
errors. The rest of the project imports engines only through here (docs/backends.md).
"""
from synth.backends.base import Backend
from synth.backends.config import (
    BackendConfig, OpenAIConfig, TransformersConfig, VllmConfig, load_backend, parse_backend_config,
)
from synth.backends.think import ThinkConfig, split_reasoning
from synth.backends.types import (
    BackendError, BackendUnavailable, Completion, FinishReason, Message, ModelNotServed, Request, Sample,
    SamplingParams, StreamEvent, TokenLogprob, UnsupportedOption,
)

__all__ = [
    "Backend", "BackendConfig", "BackendError", "BackendUnavailable", "Completion", "FinishReason", "Message",
    "ModelNotServed", "OpenAIConfig", "Request", "Sample", "SamplingParams", "StreamEvent", "ThinkConfig",
    "TokenLogprob", "TransformersConfig", "UnsupportedOption", "VllmConfig", "load_backend",
    "parse_backend_config", "split_reasoning",
]
