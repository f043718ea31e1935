"""Splitting a reasoning span (`<think>…</think>`) out of a model's answer."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ThinkConfig", "split_reasoning"]


class ThinkConfig(BaseModel):
    """`split`: separate the span from the answer; `start`/`end`: the model's markers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    split: bool = True
    start: str = "<think>"
    end: str = "</think>"


def split_reasoning(text: str, config: ThinkConfig = ThinkConfig()) -> tuple[str | None, str]:
    """(reasoning, answer) of `text`.

    - `<think>R</think>A` -> (R, A), with whitespace around A trimmed;
    - `R</think>A` (the chat template opened the span in the prompt, as Qwen3/R1 do) -> (R, A);
    - `<think>R` with no end (cut by max_tokens or aborted) -> (R, "");
    - no markers, or splitting off -> (None, text).
    """
    if not config.split:
        return None, text
    start_at = text.find(config.start)
    end_at = text.find(config.end, 0 if start_at < 0 else start_at + len(config.start))
    if end_at < 0:
        if start_at < 0:
            return None, text
        return text[start_at + len(config.start):].strip(), ""
    begin = 0 if start_at < 0 or start_at > end_at else start_at + len(config.start)
    prefix = text[:start_at] if 0 <= start_at < end_at else ""
    reasoning = text[begin:end_at].strip()
    answer = (prefix + text[end_at + len(config.end):]).strip()
    return reasoning, answer
