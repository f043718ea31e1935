"""LLM annotation: label a sample of documents on each classifier dimension with any model backend.

    from synth.annotate import AnnotateConfig, annotate
    annotate(AnnotateConfig(input="out/documents", output="labels.parquet", sample=2000,
                            model={"backend": "openai", "model": "Qwen/Qwen3-8B", "base_url": "http://node:8000/v1"}))

One prompt per dimension (files `<prompts_dir>/<dimension>.txt`, `{text}` = the document's first
`max_chars` characters): the 0–5 scales use a FineWeb-Edu-style additive rubric ending in `Score: N`,
the categories end in `Label: LABEL`. Answers are parsed strictly (`parse_answer`): the answer's
last line must be exactly that form with a value of the dimension — no guessing from numbers or
words elsewhere. A malformed answer is asked again (`retries` times, at `retry_temperature`), then
counted by reason and left null.

Output: a labels Parquet (`LABELS_SCHEMA`; `python -m filters.classifiers train` reads it): one row
per sampled document with `id`, `text`, one column per dimension (null = no valid answer),
`<dim>_status` (`ok` or the reason) and `<dim>_answer` (the last raw answer). Work is done in chunks;
each finished chunk is written atomically to `<output>.parts/`, so a killed run resumes where it
stopped (the sample is a seeded hash order, the same on every run), and the final file is
assembled from the parts. Progress and throughput are printed per chunk.
"""
from __future__ import annotations

import hashlib
import glob as globlib
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from core.config import ConfigPath, StrictModel
from filters.classifiers import DIMENSIONS

__all__ = ["AnnotateConfig", "LABELS_SCHEMA", "Parsed", "annotate", "parse_answer", "load_prompts", "labels_schema"]

PROMPTS_DIR = Path(__file__).parent / "prompts" / "annotate"

# Spellings a model may use for a category label (lower-cased, inner spaces/dashes as written).
_ALIASES = {
    "job posting": "job_posting", "job-posting": "job_posting", "jobs": "job_posting",
    "forum/q&a": "forum", "q&a": "forum", "how-to": "tutorial", "tutorial/how-to": "tutorial",
    "science/engineering": "science", "everyday": "other", "everyday/other": "other", "fiction/creative": "fiction",
}
_SCORE_LINE = re.compile(r"^(?:[a-z][a-z ]*\s)?score\s*:\s*(\S+?)\.?$", re.IGNORECASE)
_LABEL_LINE = re.compile(r"^(?:label|domain|content type|type)\s*:\s*(.+?)\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    value: str | int | None  # None: malformed
    status: str  # "ok" or why not: empty | truncated | no_answer_line | out_of_range | not_a_label | conflicting


def _strip(line: str) -> str:
    return line.strip().strip("*`_ ").strip()


def parse_answer(dimension: str, text: str | None, finish_reason: str | None = "stop") -> Parsed:
    """Strict: the last non-empty line is `Score: N` (scales, N an integer 0–5) or `Label: LABEL`
    (categories); a bare answer that is exactly a valid value also counts. Several answer lines that
    disagree, a cut-off answer, or anything else is malformed, with the reason."""
    d = DIMENSIONS[dimension]
    if finish_reason == "length":
        return Parsed(None, "truncated")
    lines = [_strip(x) for x in (text or "").splitlines() if _strip(x)]
    if not lines:
        return Parsed(None, "empty")
    pattern = _SCORE_LINE if d.kind == "scale" else _LABEL_LINE
    answers = [m.group(1) for m in (pattern.match(x) for x in lines) if m]
    bare = len(lines) == 1 and not answers
    if bare:
        answers = [lines[0]]  # a bare value, e.g. "3" or "math"
    elif not pattern.match(lines[-1]):
        return Parsed(None, "no_answer_line")
    values = []
    for raw in answers:
        raw = _strip(raw).lower()
        if d.kind == "scale":
            if not re.fullmatch(r"[0-9]+", raw):
                return Parsed(None, "no_answer_line" if bare else "not_a_number")
            if int(raw) > 5:
                return Parsed(None, "out_of_range")
            values.append(int(raw))
        else:
            raw = _ALIASES.get(raw, raw.replace(" ", "_") if raw.replace(" ", "_") in d.labels else raw)
            if raw not in d.labels:
                return Parsed(None, "no_answer_line" if bare else "not_a_label")
            values.append(raw)
    if len(set(values)) > 1:
        return Parsed(None, "conflicting")
    return Parsed(values[-1], "ok")


def load_prompts(prompts_dir: str | Path, dimensions: list[str]) -> dict[str, str]:
    prompts = {}
    for dim in dimensions:
        path = Path(prompts_dir) / f"{dim}.txt"
        if not path.is_file():
            raise FileNotFoundError(f"no prompt for {dim}: {path} does not exist")
        text = path.read_text(encoding="utf-8")
        if "{text}" not in text:
            raise ValueError(f"{path} has no {{text}} placeholder")
        prompts[dim] = text
    return prompts


def labels_schema(dimensions: list[str]):
    import pyarrow as pa

    fields = [pa.field("id", pa.string(), nullable=False), pa.field("text", pa.string())]
    for dim in dimensions:
        kind = DIMENSIONS[dim].kind
        fields += [pa.field(dim, pa.int8() if kind == "scale" else pa.string()),
                   pa.field(f"{dim}_status", pa.string()), pa.field(f"{dim}_answer", pa.string())]
    fields.append(pa.field("model", pa.string()))
    return pa.schema(fields, metadata={"reasoning-curator/record": "labels/1"})


LABELS_SCHEMA = labels_schema(list(DIMENSIONS))


class SamplingConfig(StrictModel):
    temperature: float = Field(0.0, ge=0)
    max_tokens: int = Field(384, ge=1)
    retry_temperature: float = Field(0.7, ge=0, description="sampling temperature of the retries")


class AnnotateConfig(StrictModel):
    input: ConfigPath = Field(description="document shards: a folder of *.parquet or a glob")
    output: ConfigPath = Field("output/labels.parquet", description="labels Parquet")
    sample: int = Field(1000, ge=1, description="documents to annotate (a seeded hash order of ids)")
    seed: int = 0
    dimensions: list[str] = Field(default_factory=lambda: list(DIMENSIONS))
    prompts_dir: ConfigPath | None = Field(None, description="folder of <dimension>.txt; default synth/prompts/annotate")
    max_chars: int = Field(3000, ge=100, description="characters of each document put in the prompt")
    retries: int = Field(2, ge=0, description="re-asks of a malformed answer")
    chunk: int = Field(64, ge=1, description="documents per chunk (one batch to the backend; one part file)")
    model: dict[str, Any] = Field(description="a synth.backends config: backend, model, …")
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)

    @field_validator("dimensions")
    @classmethod
    def _dims(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in DIMENSIONS]
        if bad or not v:
            raise ValueError(f"unknown dimension(s) {bad}; expected some of {list(DIMENSIONS)}")
        return v

    @model_validator(mode="after")
    def _check(self) -> "AnnotateConfig":
        from synth.backends import parse_backend_config

        parse_backend_config(self.model)  # a wrong backend config is a config error, before any work
        load_prompts(self.prompts_dir or PROMPTS_DIR, self.dimensions)
        if not _shards(self.input):
            raise ValueError(f"no document shards (*.parquet) at {self.input!r}")
        return self

    def settings(self) -> dict:
        """What changes the output (a resumed run must have the same)."""
        return self.model_dump(mode="json", exclude={"chunk"})


def _shards(path: str) -> list[str]:
    pattern = path if any(c in path for c in "*?[") else os.path.join(path, "*.parquet")
    return sorted(globlib.glob(pattern, recursive=True))


def _sample(cfg: AnnotateConfig) -> list[tuple[str, str]]:
    """(id, text) of the `sample` documents first in the seeded hash order of their ids."""
    import pyarrow.parquet as pq

    keyed = []
    for shard in _shards(cfg.input):
        t = pq.read_table(shard, columns=["id", "text"]).to_pydict()
        for doc_id, text in zip(t["id"], t["text"]):
            if text:
                keyed.append((hashlib.sha256(f"{cfg.seed}:{doc_id}".encode()).digest(), doc_id, text))
    keyed.sort()
    return [(doc_id, text) for _, doc_id, text in keyed[: cfg.sample]]


def _requests(prompt: str, text: str, temperature: float, cfg: AnnotateConfig, seed: int | None):
    from synth.backends import Message, Request, SamplingParams

    content = prompt.replace("{text}", text[: cfg.max_chars])
    sampling = SamplingParams(temperature=temperature, max_tokens=cfg.sampling.max_tokens, seed=seed)
    return Request(messages=[Message(role="user", content=content)], sampling=sampling)


def _annotate_chunk(backend, docs: list[tuple[str, str]], prompts: dict[str, str], cfg: AnnotateConfig,
                    counts: Counter) -> list[dict]:
    rows = [{"id": doc_id, "text": text, "model": cfg.model.get("model")} for doc_id, text in docs]
    pending = [(i, dim) for i in range(len(docs)) for dim in cfg.dimensions]
    for attempt in range(cfg.retries + 1):
        if not pending:
            break
        temperature = cfg.sampling.temperature if attempt == 0 else cfg.sampling.retry_temperature
        requests = [_requests(prompts[dim], docs[i][1], temperature, cfg, cfg.seed + attempt) for i, dim in pending]
        done = backend.generate_batch(requests)
        counts["requests"] += len(requests)
        if attempt:
            counts["retried"] += len(requests)
        still = []
        for (i, dim), completion in zip(pending, done):
            sample = completion.samples[0]
            parsed = parse_answer(dim, sample.text, sample.finish_reason)
            rows[i][dim] = parsed.value
            rows[i][f"{dim}_status"] = parsed.status
            rows[i][f"{dim}_answer"] = sample.text
            if parsed.status != "ok":
                still.append((i, dim))
        pending = still
    for row in rows:
        for dim in cfg.dimensions:
            counts[f"{dim}:{row[f'{dim}_status']}"] += 1
    return rows


def annotate(cfg: AnnotateConfig, *, backend=None, stream=sys.stderr) -> dict:
    """Run or resume; returns counts (documents, answers parsed / malformed per dimension and reason)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.io import atomic_path

    prompts = load_prompts(cfg.prompts_dir or PROMPTS_DIR, cfg.dimensions)
    schema = labels_schema(cfg.dimensions)
    parts = Path(f"{cfg.output}.parts")
    parts.mkdir(parents=True, exist_ok=True)
    sample = _sample(cfg)
    chunks = [sample[i : i + cfg.chunk] for i in range(0, len(sample), cfg.chunk)]
    todo = [(k, c) for k, c in enumerate(chunks) if not (parts / f"part-{k:05d}.parquet").exists()]
    counts: Counter = Counter()
    print(f"annotate: {len(sample)} documents × {len(cfg.dimensions)} dimensions, {len(chunks)} chunk(s)"
          + (f", {len(chunks) - len(todo)} already done (resuming)" if len(todo) < len(chunks) else ""), file=stream)
    own = backend is None
    if todo and own:
        from synth.backends import load_backend

        backend = load_backend(cfg.model)
    t0, n_done = time.time(), 0
    try:
        for k, docs in todo:
            rows = _annotate_chunk(backend, docs, prompts, cfg, counts)
            with atomic_path(parts / f"part-{k:05d}.parquet") as tmp:
                pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
            n_done += len(docs)
            dt = max(time.time() - t0, 1e-9)
            bad = sum(v for key, v in counts.items() if ":" in key and not key.endswith(":ok"))
            print(f"annotate: chunk {k + 1}/{len(chunks)}  {n_done}/{sum(len(c) for _, c in todo)} docs this run  "
                  f"{n_done / dt:.2f} docs/s  {counts['requests'] / dt:.2f} requests/s  "
                  f"malformed after retries {bad}  retried {counts['retried']}", file=stream, flush=True)
    finally:
        if own and backend is not None:
            backend.close()
    tables = [pq.read_table(parts / f"part-{k:05d}.parquet", schema=schema) for k in range(len(chunks))]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    with atomic_path(cfg.output) as tmp:
        pq.write_table(table, tmp)
    summary: dict[str, Any] = {"documents": table.num_rows, "output": str(cfg.output)}
    for dim in cfg.dimensions:
        statuses = Counter(table.column(f"{dim}_status").to_pylist())
        summary[dim] = dict(sorted(statuses.items()))
        print(f"  {dim:<18} " + "  ".join(f"{s}={n}" for s, n in sorted(statuses.items())), file=stream)
    return summary
