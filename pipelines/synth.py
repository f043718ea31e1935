"""`kind: synth` job: reasoning-data synthesis with the three strategies of MiMo §2.1 (docs/synth.md).

    python -m pipelines.run configs/synth.yaml

One section per strategy (each optional): `analysis` (crawl documents selected by a SQL expression over
their signal columns → an in-depth analysis), `solve` (cleaned problem sets → solutions, rejection-sampled
with the math grader / code judge against the gold), `queries` (query files, creative writing among them →
responses). Work is cut into chunks (`chunk` items, one batch to the backend each); every finished chunk
is checkpointed in `OUTPUT/_work/chunks/` (pipelines.checkpoint), so a killed run started again redoes
only unfinished chunks. Then every response is screened with the problem set's own steps
(decontamination against `benchmarks`, MinHash near-duplicates) and the outputs are published as one set:

- `documents/part-NNNNN.parquet`: kept responses (`core.records.synthetic.SYNTHETIC_SCHEMA`: the crawl's
  document columns + `synth_*` provenance), what the mixture's `synthetic` source reads;
- `rejected/<stage>/part-00000.parquet`: rejected ones with `rejection_stage/reason/detail`;
- `report.json`: counts per strategy, kept rate per problem source, throughput; `README.md`: the card.
"""
from __future__ import annotations

import glob as globlib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from core.config import ConfigError, ConfigPath, StrictModel
from core.io import atomic_write_text, locate_os_error
from core.publish import Publication
from core.records.synthetic import SYNTHETIC_REJECTED_SCHEMA, SYNTHETIC_SCHEMA
from filters.problems.clean import DecontamSettings, DedupSettings, Steps
from filters.problems.ingest import IngestError, read_problems
from mixtures.spec import parse_expression
from pipelines.cards import write_synth_card
from pipelines.checkpoint import ChunkStore, checkpointed_mapper
from pipelines.problems import BenchmarkSpec, InputSpec, build_index
from pipelines.resume import check_resume
from synth.backends import BackendConfig, BackendError, SamplingParams, load_backend
from synth.synthesize import (
    PROMPTS_DIR, FormatSettings, Template, VerifySettings, document_items, generate_chunk, load_template, problem_items,
    query_items, sampling_json, screen, to_records,
)

__all__ = ["Config", "AnalysisSection", "SolveSection", "QuerySection", "run", "check"]


def _shards(path: str) -> list[str]:
    pattern = path if any(c in path for c in "*?[") else os.path.join(path, "*.parquet")
    return sorted(globlib.glob(pattern, recursive=True))


class DocumentInput(StrictModel):
    path: ConfigPath = Field(description="crawl output shards: a folder of *.parquet or a glob")
    source: str = Field("crawl", pattern=r"^[\w.+-]+$", description="name of the set in the records and report")

    @field_validator("path")
    @classmethod
    def _exists(cls, v: str) -> str:
        if not _shards(v):
            raise ValueError(f"no document shards (*.parquet) at {v!r}")
        return v


class QueryInput(StrictModel):
    path: ConfigPath = Field(description="JSONL / JSON list / Parquet of queries (a file or a glob)")
    source: str | None = Field(None, pattern=r"^[\w.+-]+$", description="default: the file name without extensions")
    text_key: str = "query"
    id_key: str = "id"
    category_key: str = "category"
    limit: int | None = Field(None, ge=1)

    @field_validator("path")
    @classmethod
    def _exists(cls, v: str) -> str:
        from filters.problems.ingest import expand

        if not expand(v):
            raise ValueError(f"no such file: {v}")
        return v

    @property
    def name(self) -> str:
        return self.source or Path(self.path).name.split(".")[0].replace("*", "all")


class _Section(StrictModel):
    enabled: bool = True
    samples: int = Field(1, ge=1, description="responses per input")
    sampling: SamplingParams = SamplingParams(temperature=0.7, top_p=0.95, max_tokens=4096)


class AnalysisSection(_Section):
    """Strategy (i): STEM documents → in-depth analyses."""

    inputs: list[DocumentInput] = Field(min_length=1)
    where: str | None = Field("cls_reasoning_depth >= 3", description="Polars SQL over the shard columns; null = all")
    limit: int | None = Field(None, ge=1, description="documents at most (the first that match, in shard order)")
    max_chars: int = Field(8000, ge=100, description="characters of each document put in the prompt")
    prompt: ConfigPath | None = Field(None, description="template with {text}; default synth/prompts/synth/analysis.txt")

    @field_validator("where")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        if v is not None:
            parse_expression(v)
        return v

    def template(self) -> Template:
        return load_template(self.prompt or PROMPTS_DIR / "analysis.txt", ("text",))


class SolveSection(_Section):
    """Strategy (ii): problems → solutions, kept only when the verifier accepts them."""

    inputs: list[InputSpec] = Field(min_length=1, description="problem sets (the problems job's kept.parquet, …)")
    samples: int = Field(4, ge=1, description="solutions sampled per problem (each verified)")
    sampling: SamplingParams = SamplingParams(temperature=0.7, top_p=0.95, max_tokens=8192)
    prompt_math: ConfigPath | None = Field(None, description="template with {statement}; default solve_math.txt")
    prompt_code: ConfigPath | None = Field(None, description="template with {statement} ({starter_code}, {language}); "
                                                             "default solve_code.txt")
    verify: VerifySettings = VerifySettings()

    def templates(self) -> tuple[Template, Template]:
        return (load_template(self.prompt_math or PROMPTS_DIR / "solve_math.txt", ("statement",)),
                load_template(self.prompt_code or PROMPTS_DIR / "solve_code.txt", ("statement",)))


class QuerySection(_Section):
    """Strategy (iii): general queries (creative writing among them) → responses."""

    inputs: list[QueryInput] = Field(min_length=1)
    prompt: ConfigPath | None = Field(None, description="template with {query}; default synth/prompts/synth/query.txt")

    def template(self) -> Template:
        return load_template(self.prompt or PROMPTS_DIR / "query.txt", ("query",))


class Config(StrictModel):
    model: BackendConfig
    output_dir: ConfigPath = "output/synth"
    analysis: AnalysisSection | None = None
    solve: SolveSection | None = None
    queries: QuerySection | None = None
    format: FormatSettings = FormatSettings()
    seed: int = Field(0, description="sampling seed of every section whose sampling sets none")
    benchmarks: list[BenchmarkSpec] = []
    decontaminate: DecontamSettings = DecontamSettings()
    dedup: DedupSettings = DedupSettings()
    chunk: int = Field(64, ge=1, description="inputs per batch and per checkpoint")
    rows_per_shard: int = Field(10_000, ge=1)

    @model_validator(mode="after")
    def _check(self) -> "Config":
        if not self.sections():
            raise ValueError("no strategy enabled: give at least one of `analysis`, `solve`, `queries`")
        for section in self.sections().values():  # a missing or placeholder-less template is a config error
            try:
                section.templates() if isinstance(section, SolveSection) else section.template()
            except OSError as exc:
                raise ValueError(str(exc)) from None
        return self

    def sections(self) -> dict[str, _Section]:
        found = {"analysis": self.analysis, "solve": self.solve, "query": self.queries}
        return {k: v for k, v in found.items() if v is not None and v.enabled}

    def sampling(self, section: _Section) -> SamplingParams:
        sp = section.sampling
        return sp if sp.seed is not None else sp.model_copy(update={"seed": self.seed})

    def settings(self) -> dict[str, Any]:
        """What changes the output (a resumed run must have the same), prompt texts included."""
        s = self.model_dump(mode="json", exclude={"chunk"})
        s["prompt_sha256"] = {name: [t.sha256 for t in (sec.templates() if isinstance(sec, SolveSection) else [sec.template()])]
                              for name, sec in self.sections().items()}
        return s


OUTPUTS = ("documents", "rejected", "report.json", "README.md")
WORK = "_work"


def check(config: Config, config_path: Path | str = "config") -> str:
    """`--validate-only`: what each enabled strategy would read."""
    items, _ = _items(config, config_path)
    return ", ".join(f"{k}: {len(v)} inputs" for k, v in items.items())


def _items(config: Config, config_path: Path | str) -> tuple[dict[str, list[dict]], dict[str, Counter]]:
    items: dict[str, list[dict]] = {}
    skipped: dict[str, Counter] = {}
    sections = config.sections()
    if "analysis" in sections:
        a = config.analysis
        assert a is not None
        where = parse_expression(a.where) if a.where else None
        items["analysis"], skipped["analysis"] = [], Counter()
        for spec in a.inputs:
            left = None if a.limit is None else a.limit - len(items["analysis"])
            if left == 0:
                break
            try:
                got, skip = document_items(_shards(spec.path), where, a.template(), source_set=spec.source, limit=left,
                                           max_chars=a.max_chars)
            except Exception as exc:  # a column the expression names is missing, an unreadable shard
                if isinstance(exc, OSError):
                    raise
                raise ConfigError(f"{config_path}: key `analysis.where` / `analysis.inputs`: {type(exc).__name__}: {exc}") from None
            items["analysis"] += got
            skipped["analysis"] += skip
    if "solve" in sections:
        s = config.solve
        assert s is not None
        rows: list[dict] = []
        seen: set[str] = set()
        try:
            for spec in s.inputs:
                rows += read_problems(Path(spec.path), source=spec.name, fmt=spec.format, limit=spec.limit, seen_ids=seen)
        except IngestError as exc:
            raise ConfigError(f"{config_path}: key `solve.inputs`: {exc}") from None
        items["solve"], skipped["solve"] = problem_items(rows, *s.templates())
    if "query" in sections:
        q = config.queries
        assert q is not None
        items["query"], skipped["query"] = [], Counter()
        for spec in q.inputs:
            got, skip = query_items(spec.path, q.template(), source_set=spec.name, text_key=spec.text_key,
                                    id_key=spec.id_key, category_key=spec.category_key, limit=spec.limit)
            items["query"] += got
            skipped["query"] += skip
    return items, skipped


class _Engine:
    """The configured backend, started on the first chunk that needs it (a resumed run whose chunks
    are all done starts none). A backend that fails on its first call (a wrong model path, an engine
    that cannot start) is a `BackendError` naming the backend and model; a server that is down or
    does not serve the model is the backend's own `BackendUnavailable` / `ModelNotServed`."""

    def __init__(self, config: Any, backend: Any = None) -> None:
        self.config, self.backend, self.own, self.ready = config, backend, backend is None, backend is not None
        self.startup_s = 0.0  # loading the model and a one-token request (not counted in throughput)

    def generate_batch(self, requests: list) -> list:
        if not self.ready:
            self.start()
        return self.backend.generate_batch(requests)

    def start(self) -> None:
        from synth.backends import Message, Request

        t0 = time.perf_counter()
        try:
            if self.backend is None:
                self.backend = load_backend(self.config)
            # Engines start lazily and servers are checked on the first request: one token, greedy.
            self.backend.generate_batch([Request(messages=(Message(role="user", content="Hello"),),
                                                 sampling=SamplingParams(temperature=0, max_tokens=1))])
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(f"model {self.config.model!r} on backend `{self.config.backend}` failed on its first "
                               f"request: {type(exc).__name__}: {exc}"[:2000]) from exc
        self.ready = True
        self.startup_s = time.perf_counter() - t0

    def close(self) -> None:
        if self.own and self.backend is not None:
            self.backend.close()
            self.backend = None


class _Meter:
    """Progress and throughput of the chunks generated in this run (a line per chunk on stderr)."""

    def __init__(self, total_chunks: int, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.chunks, self.items, self.samples, self.tokens, self.seconds = total_chunks, 0, 0, 0, 0, 0.0
        self.strategy = ""
        self.startup_s = 0.0

    def add(self, items: int, results: list[dict], seconds: float) -> None:
        self.chunks += 1
        self.items += items
        self.samples += len(results)
        self.tokens += sum(r["n_tokens"] or 0 for r in results)
        self.seconds += seconds
        rejected = sum(r["reject"] is not None for r in results)
        print(f"synth: {self.strategy} chunk done ({self.chunks}/{self.total} generated this run): {items} inputs, "
              f"{len(results)} responses, {rejected} rejected; {self.samples / max(self.seconds, 1e-9):.2f} responses/s, "
              f"{self.tokens / max(self.seconds, 1e-9):.1f} tokens/s", file=self.stream, flush=True)

    def summary(self) -> dict[str, Any]:
        s = max(self.seconds, 1e-9)
        return {"chunks_generated": self.chunks, "inputs": self.items, "responses": self.samples,
                "generated_tokens": self.tokens, "generation_seconds": round(self.seconds, 3),
                "engine_startup_seconds": round(self.startup_s, 3),
                "responses_per_s": round(self.samples / s, 3) if self.chunks else None,
                "tokens_per_s": round(self.tokens / s, 1) if self.chunks else None}


def _generate(chunk: list[dict], *, engine: _Engine, meter: _Meter, sampling: SamplingParams, samples: int,
              verify_settings: VerifySettings) -> list[dict]:
    """One chunk (the checkpointed unit; its key is this function, the chunk and the settings)."""
    t0, startup = time.perf_counter(), engine.startup_s
    results = generate_chunk(chunk, backend=engine, sampling=sampling, samples=samples, verify_settings=verify_settings)
    meter.startup_s = engine.startup_s
    meter.add(len(chunk), results, time.perf_counter() - t0 - (engine.startup_s - startup))
    return results


def _write(rows: list[dict], staging: Path, rows_per_shard: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.io import atomic_path

    kept = [{k: r[k] for k in SYNTHETIC_SCHEMA.names} for r in rows if r["rejection_stage"] is None]
    docs = staging / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    for old in docs.glob("*.parquet"):
        old.unlink()  # a staging folder left by a failed run
    for k in range(max(1, -(-len(kept) // rows_per_shard))):
        with atomic_path(docs / f"part-{k:05d}.parquet") as tmp:
            pq.write_table(pa.Table.from_pylist(kept[k * rows_per_shard:(k + 1) * rows_per_shard], schema=SYNTHETIC_SCHEMA), tmp)
    rejected = staging / "rejected"
    if rejected.exists():
        import shutil

        shutil.rmtree(rejected)
    by_stage: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["rejection_stage"] is not None:
            by_stage[r["rejection_stage"]].append(r)
    for stage, part in by_stage.items():
        (rejected / stage).mkdir(parents=True, exist_ok=True)
        with atomic_path(rejected / stage / "part-00000.parquet") as tmp:
            pq.write_table(pa.Table.from_pylist(part, schema=SYNTHETIC_REJECTED_SCHEMA), tmp)


def _report(items: dict[str, list[dict]], skipped: dict[str, Counter], rows: list[dict], meter: _Meter,
            resumed_chunks: int) -> dict[str, Any]:
    strategies: dict[str, Any] = {}
    for name, its in items.items():
        mine = [r for r in rows if r["synth_strategy"] == name]
        rejected = Counter(f"{r['rejection_stage']}:{r['rejection_reason']}" for r in mine if r["rejection_stage"])
        strategies[name] = {"inputs": len(its), "skipped_inputs": dict(sorted(skipped.get(name, Counter()).items())),
                            "responses": len(mine), "kept": sum(r["rejection_stage"] is None for r in mine),
                            "rejected": dict(sorted(rejected.items()))}
    per_source: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["synth_strategy"] != "solve":
            continue
        s = per_source.setdefault(r["synth_source_set"], {"problems": set(), "solved": set(), "responses": 0,
                                                           "accepted": 0, "kept": 0})
        s["problems"].add(r["synth_source_id"])
        s["responses"] += 1
        if r["rejection_stage"] not in ("generate", "verify"):
            s["accepted"] += 1
            s["solved"].add(r["synth_source_id"])
        s["kept"] += r["rejection_stage"] is None
    kept_rate = {}
    for name, s in sorted(per_source.items()):
        kept_rate[name] = {"problems": len(s["problems"]), "problems_solved": len(s["solved"]), "responses": s["responses"],
                           "accepted": s["accepted"], "kept_rate": round(s["accepted"] / s["responses"], 4),
                           "kept_after_screens": s["kept"]}
    return {"strategies": strategies, "solve_kept_rate": kept_rate,
            "kept": sum(r["rejection_stage"] is None for r in rows), "rejected": sum(r["rejection_stage"] is not None for r in rows),
            "throughput": meter.summary(), "chunks_resumed": resumed_chunks}


def _table(report: dict[str, Any]) -> str:
    lines = [f"{'strategy':<10} {'inputs':>7} {'responses':>10} {'kept':>6}  rejected"]
    for name, s in report["strategies"].items():
        rej = ", ".join(f"{k}={v}" for k, v in s["rejected"].items()) or "-"
        lines.append(f"{name:<10} {s['inputs']:>7} {s['responses']:>10} {s['kept']:>6}  {rej}")
    if report["solve_kept_rate"]:
        lines.append(f"{'solve: source':<24} {'problems':>8} {'solved':>7} {'responses':>10} {'accepted':>9} {'kept rate':>9}")
        for name, s in report["solve_kept_rate"].items():
            lines.append(f"  {name:<22} {s['problems']:>8} {s['problems_solved']:>7} {s['responses']:>10} "
                         f"{s['accepted']:>9} {s['kept_rate']:>9.1%}")
    t = report["throughput"]
    if t["chunks_generated"]:
        lines.append(f"generated {t['responses']} responses ({t['generated_tokens']} tokens) in {t['generation_seconds']:.1f} s: "
                     f"{t['responses_per_s']} responses/s, {t['tokens_per_s']} tokens/s (generation and verification; "
                     f"model start-up {t['engine_startup_seconds']:.1f} s not counted)"
                     + (f"; {report['chunks_resumed']} chunk(s) from an earlier run" if report["chunks_resumed"] else ""))
    else:
        lines.append(f"nothing generated: all {report['chunks_resumed']} chunk(s) were done by an earlier run")
    return "\n".join(lines)


def run(config: Config, config_path: Path | str = "config", *, verbose: bool = False, overwrite: bool = False,
        backend: Any = None, stream: Any = None) -> dict[str, Any]:
    """Run or resume. `backend`: an already started `synth.backends.Backend` for `config.model` (kept
    open; tests and notebooks share one engine), else one is loaded on the first chunk and closed here."""
    stream = stream or sys.stderr
    out = Path(config.output_dir)
    items, skipped = _items(config, config_path)
    try:
        publication = Publication(config.output_dir, OUTPUTS)
        check_resume(config.output_dir, config.settings(), config=config.model_dump(mode="json"), overwrite=overwrite,
                     outputs=[*OUTPUTS, WORK])
        if overwrite:
            publication.discard()
        return _run(config, items, skipped, out, publication, backend, stream)
    except OSError as e:
        raise locate_os_error(e, [config.output_dir]) from None


def _run(config: Config, items: dict[str, list[dict]], skipped: dict[str, Counter], out: Path, publication: Publication,
         backend: Any, stream: Any) -> dict[str, Any]:
    store = ChunkStore(out / WORK / "chunks")
    chunks = {name: [its[i:i + config.chunk] for i in range(0, len(its), config.chunk)] for name, its in items.items()}
    total = sum(len(c) for c in chunks.values())
    before = store.done()
    meter = _Meter(total, stream)
    engine = _Engine(config.model, backend)
    mapper = checkpointed_mapper(None, store, broadcast=(_Engine, _Meter))
    print(f"synth: " + ", ".join(f"{k}: {len(v)} inputs" for k, v in items.items()) + f"; {total} chunk(s)"
          + (f", checkpoints found: {before}" if before else ""), file=stream, flush=True)
    sections = config.sections()
    model_name = config.model.model
    rows: list[dict] = []
    try:
        for name, parts in chunks.items():
            section = sections[name]
            sampling = config.sampling(section)
            meter.strategy = name
            verify_settings = section.verify if isinstance(section, SolveSection) else VerifySettings()
            results = mapper(_generate, parts, engine=engine, meter=meter, sampling=sampling, samples=section.samples,
                             verify_settings=verify_settings)
            provenance = sampling_json(sampling, section.samples)
            for part, res in zip(parts, results):
                rows += to_records(part, res, config.format, model=model_name, sampling=provenance)
    finally:
        engine.close()
    index = build_index(config.benchmarks, Steps(decontaminate=config.decontaminate))
    screen(rows, index, config.dedup if config.dedup.enabled else None)
    report = _report(items, skipped, rows, meter, total - meter.chunks)
    staging = Path(publication.prepare())
    try:
        _write(rows, staging, config.rows_per_shard)
        atomic_write_text(staging / "report.json", json.dumps(report, indent=1) + "\n")
        write_synth_card(staging, config.model_dump(mode="json"), {k: report[k] for k in ("kept", "rejected", "solve_kept_rate")},
                         shown_as=config.output_dir)
        publication.publish()
    except OSError:
        publication.discard()
        raise
    print(_table(report), file=stream, flush=True)
    return {"kept": report["kept"], "rejected": report["rejected"], "strategies": report["strategies"],
            "solve_kept_rate": report["solve_kept_rate"], "throughput": report["throughput"],
            "chunks_resumed": report["chunks_resumed"], "documents": str(out / "documents")}
