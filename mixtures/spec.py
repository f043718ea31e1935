"""The mixture spec: a YAML file (kind: mixture) validated into pydantic models.

A spec names stages; each stage has a token budget, a sequence length and sources. A source
selects Parquet shards (globs, local or s3://) and rows of them with a Polars SQL expression over
the shard columns, a target share of the stage's tokens and a cap on repetition (epochs). Up- and
down-sampling by signal are `resample` rules. Column names appear only in the spec, never in code.

Expressions are parsed with `polars.sql_expr`, Polars' own parser for expression strings: it
gives a real `pl.Expr` without evaluating Python from a config file.
"""
from __future__ import annotations

import math
import os
import re
from typing import Annotated, Literal

import polars as pl
from pydantic import Field, ValidationInfo, field_validator, model_validator

from core.config import BASE_DIR_CONTEXT, ConfigError, ConfigPath, StrictModel, load_model, resolve_config_path

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # names become file names in the export
RATIO_TOLERANCE = 1e-6
_SUFFIXES = {"K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
_BUDGET_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)


class MixtureError(ConfigError):
    """A mixture that cannot be built or exported; the message names what and why, for the user."""


def parse_expression(text: str) -> pl.Expr:
    """A SQL expression string (e.g. `has_math AND language_score > 0.8`) → a Polars expression."""
    try:
        return pl.sql_expr(text)
    except Exception as e:  # polars raises several exception types for parse errors
        raise ValueError(f"not a valid Polars SQL expression: {e}") from None


def parse_token_budget(value: int | float | str) -> int | Literal["max"]:
    """`17.8T`, `4B`, `500M`, `2000000` → an int; `max` stays `max`."""
    if isinstance(value, bool):
        raise ValueError("expected a token count such as 4B or 2000000, or `max`")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip().lower() == "max":
        return "max"
    elif isinstance(value, str) and (m := _BUDGET_RE.match(value)):
        number = float(m.group(1)) * _SUFFIXES.get(m.group(2).upper(), 1)
    else:
        raise ValueError(f"expected a token count such as 4B, 17.8T or 2000000, or `max`; got {value!r}")
    if not math.isfinite(number) or number < 1:
        raise ValueError(f"token budget must be at least 1 token, got {value!r}")
    return int(round(number))


class Resample(StrictModel):
    """Rows matching `where` are kept `keep` times: 0.3 keeps 30% of them (chosen by a seeded hash
    of their id), 2.0 writes each twice, 1.5 writes each once and half of them twice. A row takes the
    first rule it matches."""

    where: str
    keep: float = Field(ge=0)

    @field_validator("where")
    @classmethod
    def _valid_where(cls, v: str) -> str:
        parse_expression(v)
        return v


class Source(StrictModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    shards: list[ConfigPath] = Field(min_length=1, description="Parquet globs, local paths or s3:// URLs")
    where: str | None = Field(default=None, description="row filter; all rows when absent")
    ratio: float = Field(gt=0, le=1, description="target share of the stage's tokens")
    max_epochs: float = Field(default=1.0, gt=0, description="cap on passes over the resampled pool")
    resample: list[Resample] = Field(default_factory=list)
    optional: bool = Field(
        default=False,
        description="when no shard matches, drop the source and renormalise the stage's other ratios",
    )

    @field_validator("where")
    @classmethod
    def _valid_where(cls, v: str | None) -> str | None:
        if v is not None:
            parse_expression(v)
        return v


class Stage(StrictModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    token_budget: int | Literal["max"]
    seq_length: int = Field(gt=0)
    rope_base: float | None = Field(default=None, gt=0, description="recorded for the trainer")
    sources: list[Source] = Field(min_length=1)

    @field_validator("token_budget", mode="before")
    @classmethod
    def _budget(cls, v):
        return parse_token_budget(v)

    @model_validator(mode="after")
    def _sources_consistent(self) -> Stage:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique within a stage; repeated: {dupes}")
        total = sum(s.ratio for s in self.sources)
        if abs(total - 1.0) > RATIO_TOLERANCE:
            raise ValueError(f"source ratios must sum to 1, they sum to {total:.6g} ({dict(zip(names, [s.ratio for s in self.sources]))})")
        return self


class DocumentColumns(StrictModel):
    """Which shard columns hold the document id (seeds the resampling) and its text."""

    id_column: str
    text_column: str


class TokenizerTraining(StrictModel):
    """Train a byte-level BPE on these shards when `tokenizer.path` does not exist yet."""

    shards: list[ConfigPath] = Field(min_length=1)
    vocab_size: int = Field(ge=300, le=1_000_000)
    max_documents: int = Field(default=200_000, gt=0)


class TokenizerSpec(StrictModel):
    path: str = Field(description="a tokenizer.json path, or a Hugging Face hub name where the hub is reachable")
    eod_token: str | None = Field(default=None, description="token appended after every document (e.g. <|endoftext|>)")
    add_special_tokens: bool = Field(default=True, description="apply the tokenizer's own post-processor (BOS etc.)")
    train: TokenizerTraining | None = None

    @model_validator(mode="after")
    def _path_rule(self, info: ValidationInfo) -> "TokenizerSpec":
        # A file path follows the path rule; a hub name ("gpt2", "org/model") stays as it is.
        base = (info.context or {}).get(BASE_DIR_CONTEXT)
        if base is not None:
            local = resolve_config_path(self.path, base)
            if self.train is not None or self.path.endswith(".json") or os.path.isfile(local):
                object.__setattr__(self, "path", local)  # no re-validation: the rule applies once
        return self


class ExportSpec(StrictModel):
    megatron: bool = True
    parquet: bool = True
    batch_size: int = Field(default=1000, gt=0, description="documents per tokenizer call")
    # Blend files (data_args.txt, per_split_data_args.json, blend.json) name the .bin/.idx prefixes
    # relative to their own folder (megatron/<stage>/), so the exported folder can be copied anywhere
    # and trained from that folder. Set this to where output_dir will live on the training cluster
    # (e.g. /lustre/data/mixture) to write absolute paths under it instead. Not a local path: no path rule.
    megatron_path_prefix: str | None = Field(default=None, min_length=1)


class MixtureSpec(StrictModel):
    output_dir: ConfigPath
    seed: int = 0
    documents: DocumentColumns
    tokenizer: TokenizerSpec
    export: ExportSpec = Field(default_factory=ExportSpec)
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _drop_anchor_holders(cls, data):
        # Top-level `x-…` keys only hold YAML anchors for reuse (`<<: *web`), as in docker-compose.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data

    @model_validator(mode="after")
    def _unique_stages(self) -> MixtureSpec:
        names = [s.name for s in self.stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stage names must be unique; repeated: {dupes}")
        return self


def load_spec(path) -> MixtureSpec:
    """Read and validate a mixture YAML (its `kind`, when present, must be `mixture`); relative
    paths are relative to the YAML file (core.config's path rule)."""
    return load_model(path, MixtureSpec, kind="mixture")
