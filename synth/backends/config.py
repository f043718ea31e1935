"""Choosing a backend by config: `backend: vllm | openai | transformers`, the model, engine args.

    backend: vllm                      backend: openai                     backend: transformers
    model: /models/Qwen3-8B            model: Qwen/Qwen3-8B                model: data/tiny-model
    engine_args:                       base_url: http://node:8000/v1       device: cpu
      tensor_parallel_size: 4          max_concurrency: 64                 batch_size: 64
      max_model_len: 32768             api_key_env: OPENAI_API_KEY
    think: {split: true}

Jobs embed `BackendConfig` in their own config (one key, e.g. `model:`) and call `load_backend`.
"""
from __future__ import annotations

import importlib
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter

from core.config import StrictModel

from synth.backends.think import ThinkConfig

__all__ = ["VllmConfig", "OpenAIConfig", "TransformersConfig", "BackendConfig", "parse_backend_config", "load_backend"]


class _Common(StrictModel):
    model: str = Field(description="model path or hub name; for `openai`, the served model name")
    think: ThinkConfig = ThinkConfig()


class VllmConfig(_Common):
    """vLLM in-process: the offline `LLM` for `generate_batch`, `AsyncLLM` for `generate`/`stream`.
    `engine_args` go to `vllm.LLM(...)` / `AsyncEngineArgs(...)` as is (tensor_parallel_size,
    max_model_len, dtype, gpu_memory_utilization, speculative_config, ...)."""

    backend: Literal["vllm"]
    engine_args: dict[str, Any] = {}
    tokenizer: str | None = None  # chat template source; default: the model's


class OpenAIConfig(_Common):
    """Any OpenAI-compatible server (`vllm serve`, SGLang, `transformers serve`, hosted APIs)."""

    backend: Literal["openai"]
    base_url: str = Field(description="e.g. http://127.0.0.1:8000/v1")
    api_key_env: str | None = "OPENAI_API_KEY"  # variable holding the key; unset/absent -> "EMPTY"
    max_concurrency: int = Field(16, ge=1)
    max_retries: int = Field(4, ge=0)  # on 408/409/429/5xx, connection errors and timeouts, with backoff
    timeout_s: float = Field(600.0, gt=0)
    # Options sent to the server as they are (vLLM/SGLang extras such as repetition_penalty).
    extra_body: dict[str, Any] = {}
    # Where chat messages become a prompt: "server" (/chat/completions, the server's template) or
    # "client" (the model's Hugging Face chat template applied here, sent to /completions; for
    # servers whose chat endpoint mangles a model's output, e.g. `transformers serve` 5.19).
    chat_template: Literal["server", "client"] = "server"
    tokenizer: str | None = None  # "client": where the tokenizer/template is; default `model`


class TransformersConfig(_Common):
    """transformers `generate` in-process, batched (CPU or GPU; small models, laptops, tests).
    `engine_args` go to `AutoModelForCausalLM.from_pretrained` (e.g. dtype, attn_implementation)."""

    backend: Literal["transformers"]
    engine_args: dict[str, Any] = {}
    device: str = "auto"  # auto = cuda when available, else cpu
    batch_size: int = Field(64, ge=1)  # sequences per generate call


BackendConfig = Annotated[Union[VllmConfig, OpenAIConfig, TransformersConfig], Field(discriminator="backend")]
_ADAPTER: TypeAdapter = TypeAdapter(BackendConfig)

_IMPLEMENTATIONS = {
    "vllm": "synth.backends.vllm_backend:VllmBackend",
    "openai": "synth.backends.openai_backend:OpenAIBackend",
    "transformers": "synth.backends.transformers_backend:TransformersBackend",
}


def parse_backend_config(data: dict[str, Any] | BaseModel) -> VllmConfig | OpenAIConfig | TransformersConfig:
    if isinstance(data, (VllmConfig, OpenAIConfig, TransformersConfig)):
        return data
    return _ADAPTER.validate_python(data)


def load_backend(config: dict[str, Any] | VllmConfig | OpenAIConfig | TransformersConfig):
    """The backend a config names (engines are imported here, lazily, and nowhere else)."""
    config = parse_backend_config(config)
    module, cls = _IMPLEMENTATIONS[config.backend].split(":")
    return getattr(importlib.import_module(module), cls)(config)
