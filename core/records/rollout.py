"""Rollout: one model response to one problem, with its reward (docs/ARCHITECTURE.md, "Rollout").

Version 1 is the contract the coming rollout engine (synth/) writes and difficulty labelling and the
trainer read; it is defined here, before its writer, so both sides build on one schema. A rollout
carries the verdict of the verifier that scored it: a `Grade` (math) or a list of `TestResult`s (code).
"""
from __future__ import annotations

from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from core.records.grade import arrow_type as grade_arrow_type
from core.records.test_result import TEST_RESULTS_ARROW_TYPE

SCHEMA_VERSION = 1

__all__ = ["Rollout", "ROLLOUT_SCHEMA", "SCHEMA_VERSION"]


class Rollout(BaseModel):
    """One sampled response. `reward` is what the verifier returned (1.0/0.0 for a correct/incorrect
    math answer, the passed fraction of tests for code)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # "<problem_id>/<sample index>"
    problem_id: str  # Problem.id
    domain: Literal["math", "code"]
    model: str  # model name or path that produced the response
    sample_index: int = Field(ge=0)
    prompt: str
    response: str
    finish_reason: str | None = None  # "stop" | "length" | ...
    n_prompt_tokens: int | None = Field(default=None, ge=0)
    n_response_tokens: int | None = Field(default=None, ge=0)
    sampling: dict[str, Any] = Field(default_factory=dict)  # temperature, top_p, seed, ...
    reward: float | None = None
    grade: dict[str, Any] | None = None  # core.records.grade.Grade.to_dict() (math)
    test_results: list[dict[str, Any]] | None = None  # TestResult.to_dict() per test (code)


ROLLOUT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("problem_id", pa.string(), nullable=False),
        pa.field("domain", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("sample_index", pa.int32(), nullable=False),
        pa.field("prompt", pa.string()),
        pa.field("response", pa.string()),
        pa.field("finish_reason", pa.string()),
        pa.field("n_prompt_tokens", pa.int32()),
        pa.field("n_response_tokens", pa.int32()),
        pa.field("sampling", pa.string()),  # JSON
        pa.field("reward", pa.float64()),
        pa.field("grade", grade_arrow_type()),
        pa.field("test_results", TEST_RESULTS_ARROW_TYPE),
    ],
    metadata={"reasoning-curator/record": f"rollout/{SCHEMA_VERSION}"},
)
