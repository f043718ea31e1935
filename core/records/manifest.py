"""The mixture manifest: what `mixtures` writes and `mixtures.export` and the trainer read
(docs/ARCHITECTURE.md, "Mixture manifest"; details in docs/mixtures.md).

Typed with pydantic so the trainer can read it without importing `mixtures`. Unknown keys are
refused; `format` names the version (`reasoning-curator/mixture-manifest/1`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from core.io import atomic_write_text

MANIFEST_FORMAT = "reasoning-curator/mixture-manifest/1"
# Columns of a source's selection file (SelectionFile): one row per selected shard row.
SELECTION_SCHEMA = pa.schema(
    [pa.field("shard", pa.int32(), nullable=False), pa.field("row", pa.int64(), nullable=False),
     pa.field("copies", pa.int32(), nullable=False)],
    metadata={"reasoning-curator/record": "mixture-selection/1"},
)

__all__ = [
    "MANIFEST_FORMAT", "Manifest", "ManifestStage", "ManifestSource", "MissingSource", "ManifestShard",
    "ManifestTokenizer", "ResampleCount", "SelectionFile", "SELECTION_SCHEMA", "read_manifest", "write_manifest",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ManifestTokenizer(_Record):
    path: str
    sha256: str
    vocab_size: int
    dtype: Literal["uint16", "int32"]
    eod_id: int | None
    add_special_tokens: bool


class ManifestShard(_Record):
    path: str
    sha256: str
    rows: int
    selected_rows: int
    documents: int
    tokens: int


class ResampleCount(_Record):
    where: str
    keep: float
    matched: int
    copies: int


class _SourceBase(_Record):
    name: str
    ratio: float
    max_epochs: float
    seed: int
    where: str | None
    shard_patterns: list[str]
    unmatched_patterns: list[str]


class MissingSource(_SourceBase):
    """An optional source with no shard: left out, the other weights renormalised."""

    missing: str


class SelectionFile(_Record):
    """The rows a source takes: a Parquet file (columns `shard` = index into `shards`, `row`, `copies`),
    path relative to the manifest's output_dir, pinned by its sha256."""

    path: str
    sha256: str
    rows: int


class ManifestSource(_SourceBase):
    shards: list[ManifestShard]
    selection: SelectionFile
    matched_rows: int
    skipped: dict[str, int]
    resample: list[ResampleCount]
    unique_documents: int
    documents: int
    tokens: int
    weight: float
    target_tokens: int
    epochs: float | None


class ManifestStage(_Record):
    name: str
    token_budget: int
    token_budget_spec: int | Literal["max"]
    budget_limited_by: str | None
    seq_length: int
    rope_base: int | float | None
    train_samples: int
    sources: list[ManifestSource]
    missing_sources: list[MissingSource]
    overlapping_rows: dict[str, int]
    warnings: list[str]


class Manifest(_Record):
    format: Literal["reasoning-curator/mixture-manifest/1"] = MANIFEST_FORMAT
    spec_sha256: str
    seed: int
    output_dir: str
    tokenizer: ManifestTokenizer
    stages: list[ManifestStage] = Field(min_length=1)
    spec: dict[str, Any]  # the resolved mixture spec (mixtures.spec.MixtureSpec, as JSON)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def read_manifest(path: str | Path) -> Manifest:
    """Read and validate manifest.json (raises OSError, ValueError / pydantic.ValidationError)."""
    return Manifest.model_validate_json(Path(path).read_bytes())


def write_manifest(manifest: Manifest, path: str | Path) -> None:
    atomic_write_text(path, manifest.to_json())
