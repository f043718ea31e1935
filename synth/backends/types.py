"""What goes into a backend and what comes out: engine-independent, plain data.

A `Request` holds a raw `prompt` or chat `messages` (never both) and its `SamplingParams`; a
`Completion` holds one `Sample` per requested sample (`n`). Streaming yields `StreamEvent`s; the
last event of each sample carries the finished `Sample`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "FinishReason", "Message", "SamplingParams", "Request", "TokenLogprob", "Sample", "Completion",
    "StreamEvent", "BackendError", "BackendUnavailable", "ModelNotServed", "UnsupportedOption",
]

FinishReason = Literal["stop", "length", "abort"]


class BackendError(RuntimeError):
    """A backend could not serve a request; the message says which server/model and why."""


class BackendUnavailable(BackendError):
    """The engine or server cannot be reached (message names the URL)."""


class ModelNotServed(BackendError):
    """The configured model is not among the server's models (message lists them)."""


class UnsupportedOption(BackendError):
    """The engine does not honour a requested option (e.g. logprobs on `transformers serve`)."""


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["system", "user", "assistant"]
    content: str


class SamplingParams(BaseModel):
    """Sampling options every backend understands. `temperature=0` is greedy decoding.

    `logprobs`: None = none; k >= 0 = the sampled token's log-probability plus the k most likely
    alternatives at each step. `top_k`: None or -1 = no top-k filter. `seed`: per-request seed
    (sample i of a fan-out uses seed + i where a server ignores `n`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    n: int = Field(1, ge=1)
    temperature: float = Field(1.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    top_k: int | None = None
    max_tokens: int = Field(256, ge=1)
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: int | None = Field(None, ge=0, le=20)

    @model_validator(mode="after")
    def _check_top_k(self) -> SamplingParams:
        if self.top_k is not None and self.top_k != -1 and self.top_k < 1:
            raise ValueError("top_k must be >= 1, or -1/None for no top-k filter")
        return self

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    @property
    def top_k_or_none(self) -> int | None:
        return None if self.top_k in (None, -1) else self.top_k


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prompt: str | None = None
    messages: tuple[Message, ...] | None = None
    sampling: SamplingParams = SamplingParams()
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)

    @model_validator(mode="after")
    def _one_input(self) -> Request:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a request needs exactly one of `prompt` or `messages`")
        if self.messages is not None and not self.messages:
            raise ValueError("`messages` is empty")
        return self


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    token_id: int | None = None
    top: tuple[tuple[str, float], ...] = ()  # the k most likely tokens at this step


@dataclass
class Sample:
    """One generated sample. `text` is the answer with the reasoning span removed (when splitting is
    on), `reasoning` the span's inside (None when there is none), `raw_text` what the model wrote."""

    index: int
    text: str
    raw_text: str
    finish_reason: FinishReason
    reasoning: str | None = None
    token_ids: list[int] | None = None  # None where the server does not return them
    n_tokens: int | None = None
    logprobs: list[TokenLogprob] | None = None


@dataclass
class Completion:
    request_id: str
    samples: list[Sample]
    prompt_tokens: int | None = None
    model: str | None = None
    notes: list[str] = field(default_factory=list)  # fallbacks used (e.g. "n fanned out: server ignored n")

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.samples]

    @property
    def completion_tokens(self) -> int | None:
        counts = [s.n_tokens for s in self.samples]
        return None if any(c is None for c in counts) else sum(counts)  # type: ignore[misc]


@dataclass
class StreamEvent:
    """A piece of one sample's output. `sample` is set (and `finish_reason`) on its last event."""

    request_id: str
    index: int
    delta: str
    token_ids: list[int] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    sample: Sample | None = None
