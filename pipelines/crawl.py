"""The crawl job: WARC/HTML/JSONL/Parquet → extraction → language ID → quality signals →
URL dedup → MinHash dedup → Parquet shards (kept and rejected).

Each stage is a datatrove pipeline run by datatrove's own executor (local or Slurm), with its own
logging folder, so datatrove's completion markers make a killed run resumable stage by stage and
task by task; locally, one pool of forked workers runs the tasks of every stage
(`pipelines.executors.StagePool`). Stage order and folders (under `work_dir`):

  process            reader → extractor → LanguageID → QualitySignals → processed/
  url_signatures     processed/ → url/sigs        (ExactDedup keyed on the URL)
  url_find           url/sigs → url/dups          (1 task)
  url_filter         processed/ → url_deduped/    (duplicates → rejected/url_dedup)
  minhash_signatures url_deduped/ → minhash/sigs
  minhash_buckets    minhash/sigs → minhash/buckets  (num_buckets tasks)
  minhash_cluster    minhash/buckets → minhash/remove (1 task)
  minhash_filter     url_deduped/ → OUTPUT/documents (near-duplicates → rejected/minhash_dedup)

Readers of intermediate folders use the same task count as the stage that wrote them, which
datatrove's dedup filters need (they match documents by their index within a rank).
"""
from __future__ import annotations

import contextlib
import glob
import os
import sys
import tempfile
import time
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import (
    ExactDedupConfig,
    ExactDedupFilter,
    ExactDedupSignature,
    ExactFindDedups,
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import ParquetReader
from datatrove.utils.hashing import HashConfig
from pydantic import Field, field_validator, model_validator

from core.config import ConfigError, ConfigPath, StrictModel
from core.io import locate_os_error
from core.publish import Publication
from filters.readers import HtmlFileReader, ReadRejects, RobustJsonlReader, RobustParquetReader, RobustWarcReader
from filters.writers import document_writer, rejected_writer
from pipelines.cards import write_crawl_card
from pipelines.executors import (
    ExecutorConfig,
    StagePool,
    completed_tasks,
    local_executor,
    reduce_datatrove_overheads,
    slurm_executor,
    wait_for_slurm,
)
from pipelines.progress import DocumentCounter, StageReport, print_summary, quiet_stage, read_stage_report
from pipelines.resume import check_resume

DEFAULT_GLOBS = {"warc": "**/*.warc*", "html": "**/*.htm*", "jsonl": "**/*.jsonl*", "parquet": "**/*.parquet"}


# ----------------------------------------------------------------------------- config
class InputConfig(StrictModel):
    path: ConfigPath = Field(description="file, folder or glob; local or s3://")
    format: Literal["warc", "html", "jsonl", "parquet"] = "warc"
    # For JSONL/Parquet inputs: is the text column HTML (run extraction) or already text?
    content: Literal["html", "text"] | None = None
    text_key: str = "text"
    id_key: str = "id"
    limit: int = Field(-1, description="documents per task; -1 = all")
    storage_options: dict[str, Any] = Field(default_factory=dict, description="fsspec options, e.g. endpoint_url")

    @model_validator(mode="after")
    def _check(self) -> "InputConfig":
        if self.content is None:
            self.content = "html" if self.format in ("warc", "html") else "text"
        if not self.path.startswith(("s3://", "gs://", "hf://", "http://", "https://")):
            if not glob.glob(self.path, recursive=True):
                raise ValueError(f"input path {self.path!r} does not exist")
        return self

    def folder_and_glob(self) -> tuple[str, str | None]:
        """datatrove readers take a folder plus a glob; a single file becomes its folder plus its name."""
        p = self.path
        if any(ch in p for ch in "*?["):
            cut = min(p.index(ch) for ch in "*?[" if ch in p)
            folder = p[:cut].rsplit("/", 1)[0] if "/" in p[:cut] else "."
            return folder, p[len(folder) + 1 :] if folder != "." else p
        if "://" not in p and os.path.isfile(p):
            return os.path.dirname(p) or ".", os.path.basename(p)
        if "://" in p and not p.endswith("/") and "." in p.rsplit("/", 1)[-1]:
            return p.rsplit("/", 1)[0], p.rsplit("/", 1)[1]
        return p.rstrip("/"), DEFAULT_GLOBS[self.format]


class ExtractConfig(StrictModel):
    extractor: Literal["mathcode", "trafilatura"] = "mathcode"
    timeout: float = Field(2.0, gt=0, description="seconds per document")


class LanguageConfig(StrictModel):
    languages: list[str] | None = Field(None, description="keep only these ISO codes; null = keep all")
    min_score: float = Field(0.0, ge=0, le=1)


class QualityConfig(StrictModel):
    enabled: bool = True
    mode: Literal["filter", "tag"] = "filter"
    rule_languages: list[str] = Field(default_factory=lambda: ["en"])


Dimension = Literal["domain", "content_type", "reasoning_depth", "knowledge_density", "educational_value"]
ModelPaths = dict[Dimension, ConfigPath]  # filters.classifiers.DIMENSIONS; a test checks they agree


class ClassifyConfig(StrictModel):
    """fastText models (filters.classifiers), one per dimension; none = no scoring (the default)."""

    models: ModelPaths = Field(default_factory=dict, description="dimension -> model file")

    @field_validator("models")
    @classmethod
    def _exist(cls, v: dict) -> dict:
        for dim, path in v.items():
            if "://" not in path and not os.path.isfile(path):
                raise ValueError(f"{dim} model {path!r} does not exist")
        return v


class DedupConfig(StrictModel):
    url: bool = True
    minhash: bool = True
    ngrams: int = Field(5, ge=1)
    buckets: int = Field(14, ge=1)
    hashes_per_bucket: int = Field(8, ge=1)
    seed: int = 1


class Config(StrictModel):
    input: InputConfig
    output_dir: ConfigPath = "output/crawl"
    work_dir: ConfigPath | None = Field(None, description="intermediate files; default OUTPUT_DIR/_work")
    output_storage_options: dict[str, Any] = Field(default_factory=dict)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    extract: ExtractConfig = Field(default_factory=ExtractConfig)
    language: LanguageConfig = Field(default_factory=LanguageConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    classify: ClassifyConfig = Field(default_factory=ClassifyConfig)

    @field_validator("output_dir")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("output_dir must not be empty")
        return v.rstrip("/")


# ----------------------------------------------------------------------------- input check
def _sniff(head: bytes) -> str | None:
    """What a file's first bytes look like: warc, parquet, jsonl, html or None (unknown)."""
    import zlib

    if head[:2] == b"\x1f\x8b":  # gzip: look inside the first member
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return None
    start = head.lstrip()[:64]
    if head[:4] == b"PAR1":
        return "parquet"
    if start.startswith(b"WARC/"):
        return "warc"
    if start.startswith(b"{"):
        return "jsonl"
    if b"<html" in head[:4096].lower() or start.lower().startswith((b"<!doctype", b"<")):
        return "html"
    return None


def check(cfg: Config, config_path: Path | str = "config") -> str:
    """What `--validate-only` adds to the config check (and `run` does first): the input glob
    matches files, the first of them is in the configured `format`, and a JSONL/Parquet input has
    the `text_key` column. Raises ConfigError; returns a one-line description of the input."""
    from datatrove.io import get_datafolder

    inp = cfg.input
    folder, pattern = inp.folder_and_glob()
    where = f"{config_path}: key `input`"
    try:
        df = get_datafolder((folder, inp.storage_options) if inp.storage_options else folder)
        files = df.list_files(glob_pattern=pattern)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{where}: cannot list {folder}: {e}") from None
    if not files:
        others = df.list_files(glob_pattern="**")[:5] if df.isdir("") else []
        raise ConfigError(f"{where}: no file matches {pattern!r} under {folder} (`format: {inp.format}`)"
                          + (f"; it holds e.g. {others} — is `format` right?" if others else ""))
    first = files[0]
    with df.open(first, "rb") as f:
        head = f.read(65536)
    seen = _sniff(head)
    if seen is not None and seen != inp.format and not (inp.format == "html" and seen == "html"):
        raise ConfigError(f"{where}: `format: {inp.format}`, but {folder}/{first} looks like {seen}")
    if inp.format in ("jsonl", "parquet"):
        if inp.format == "parquet":
            import pyarrow.parquet as pq

            with df.open(first, "rb") as f:
                columns = pq.read_schema(f).names
        else:
            import gzip
            import json

            text = gzip.decompress(head) if head[:2] == b"\x1f\x8b" and len(head) < 65536 else head
            line = text.split(b"\n", 1)[0]
            try:
                columns = list(json.loads(line))
            except ValueError:
                columns = None  # a bad first line is a per-record rejection, not a config error
        if columns is not None and inp.text_key not in columns:
            raise ConfigError(f"{where}.text_key: column {inp.text_key!r} is not in {folder}/{first} (it has: {columns[:20]})")
    return f"{len(files)} {inp.format} file(s) under {folder}"


# ----------------------------------------------------------------------------- stages
def url_of(doc: Document) -> str:  # annotated -> str: datatrove picks the hash function from it
    return doc.metadata.get("url") or doc.id


@dataclass
class Stage:
    name: str
    pipeline: list[PipelineStep]
    tasks: int
    reads: str | tuple | None = None  # intermediate folder this stage reads, if any

    def input_documents(self) -> int | None:
        """Rows in the local intermediate folder this stage reads (None when it reads none)."""
        path = self.reads[0] if isinstance(self.reads, tuple) else self.reads
        if path is None or "://" in path:
            return None
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in Path(path).glob("*.parquet"))

    def input_bytes(self) -> int | None:
        """Bytes of the local input files of a first stage (None for other stages and remote input)."""
        from datatrove.pipeline.readers.base import BaseDiskReader

        reader = self.pipeline[0] if self.pipeline else None
        if self.reads is not None or not isinstance(reader, BaseDiskReader) or "://" in str(reader.data_folder.path):
            return None
        files = reader.data_folder.list_files(glob_pattern=reader.glob_pattern)
        return sum(reader.data_folder.size(f) for f in files) or None

    def has_no_input(self) -> bool:
        """True when the intermediate folder it reads exists locally and holds no shard: every
        document was rejected upstream (datatrove's reader would fail on the empty folder)."""
        path = self.reads[0] if isinstance(self.reads, tuple) else self.reads
        if path is None or "://" in path:
            return False
        return not any(Path(path).glob("*.parquet"))


def _folder(cfg: Config, path: str):
    """A datatrove folder argument; remote paths get the configured fsspec options."""
    return (path, cfg.output_storage_options) if cfg.output_storage_options and "://" in path else path


def make_extractor(cfg: ExtractConfig):
    if cfg.extractor == "trafilatura":
        from datatrove.pipeline.extractors import Trafilatura

        return Trafilatura(favour_precision=True, timeout=cfg.timeout)
    from filters.extraction import MathCodeExtractor

    return MathCodeExtractor(timeout=cfg.timeout)


def make_reader(cfg: Config) -> PipelineStep:
    inp = cfg.input
    folder, pattern = inp.folder_and_glob()
    data_folder = (folder, inp.storage_options) if inp.storage_options else folder
    common = dict(glob_pattern=pattern, limit=inp.limit, doc_progress=False, file_progress=False)
    if inp.format == "warc":
        return RobustWarcReader(data_folder, **common)
    if inp.format == "html":
        return HtmlFileReader(data_folder, **common)
    cls = RobustJsonlReader if inp.format == "jsonl" else RobustParquetReader
    return cls(data_folder, text_key=inp.text_key, id_key=inp.id_key, **common)


def _intermediate_reader(folder) -> ParquetReader:
    return ParquetReader(folder, glob_pattern="*.parquet")


def build_stages(cfg: Config, publish_dir: str | None = None) -> list[Stage]:
    """The stages; kept and rejected documents are written under `publish_dir` (the job's staging
    folder, core.publish; default: the output folder)."""
    out = publish_dir or cfg.output_dir
    work = cfg.work_dir or f"{cfg.output_dir}/_work"
    rejected = _folder(cfg, f"{out}/rejected")
    n = cfg.executor.tasks
    from filters.language import LanguageID
    from filters.quality import QualitySignals
    from filters.words import shared_tokenizer

    # Records the reader could not turn into documents go to rejected/read with their reason.
    process: list[PipelineStep] = [make_reader(cfg), ReadRejects(exclusion_writer=rejected_writer(rejected, "read"))]
    if cfg.input.content == "html":
        process.append(make_extractor(cfg.extract))
    process.append(
        LanguageID(cfg.language.languages, cfg.language.min_score, exclusion_writer=rejected_writer(rejected, "language"))
    )
    if cfg.quality.enabled:
        process.append(
            QualitySignals(
                mode=cfg.quality.mode,
                rule_languages=cfg.quality.rule_languages,
                exclusion_writer=rejected_writer(rejected, "quality"),
            )
        )
    if cfg.classify.models:
        from filters.classifiers import ClassifierScores

        process.append(ClassifierScores(dict(cfg.classify.models)))
    current = _folder(cfg, f"{work}/processed")
    final = _folder(cfg, f"{out}/documents")
    dedup_any = cfg.dedup.url or cfg.dedup.minhash
    process.append(document_writer(current if dedup_any else final))
    stages = [Stage("process", process, n)]

    if cfg.dedup.url:
        url_cfg = ExactDedupConfig(content_getter=url_of, hash_config=HashConfig(precision=64))
        nxt = _folder(cfg, f"{work}/url_deduped") if cfg.dedup.minhash else final
        stages += [
            Stage(
                "url_signatures",
                [_intermediate_reader(current), ExactDedupSignature(f"{work}/url/sigs", url_cfg)],
                n,
                current,
            ),
            Stage("url_find", [ExactFindDedups(f"{work}/url/sigs", f"{work}/url/dups", url_cfg)], 1),
            Stage(
                "url_filter",
                [
                    _intermediate_reader(current),
                    ExactDedupFilter(
                        f"{work}/url/dups", url_cfg, exclusion_writer=rejected_writer(rejected, "url_dedup")
                    ),
                    document_writer(nxt),
                ],
                n,
                current,
            ),
        ]
        current = nxt
    if cfg.dedup.minhash:
        mh = MinhashConfig(
            n_grams=cfg.dedup.ngrams,
            num_buckets=cfg.dedup.buckets,
            hashes_per_bucket=cfg.dedup.hashes_per_bucket,
            seed=cfg.dedup.seed,
            hash_config=HashConfig(precision=64),
        )
        stages += [
            Stage(
                "minhash_signatures",
                [
                    _intermediate_reader(current),
                    # the quality rules' splitter: datatrove's English spaCy split, kept vocabulary
                    MinhashDedupSignature(f"{work}/minhash/sigs", config=mh, language=shared_tokenizer()),
                ],
                n,
                current,
            ),
            Stage(
                "minhash_buckets",
                [MinhashDedupBuckets(f"{work}/minhash/sigs", f"{work}/minhash/buckets", config=mh)],
                mh.num_buckets,
            ),
            Stage(
                "minhash_cluster",
                [MinhashDedupCluster(f"{work}/minhash/buckets", f"{work}/minhash/remove", config=mh, save_cluster_size=True)],
                1,
            ),
            Stage(
                "minhash_filter",
                [
                    _intermediate_reader(current),
                    MinhashDedupFilter(
                        f"{work}/minhash/remove",
                        exclusion_writer=rejected_writer(rejected, "minhash_dedup"),
                        load_cluster_sizes=True,
                    ),
                    document_writer(final),
                ],
                n,
                current,
            ),
        ]
    return stages


# ----------------------------------------------------------------------------- running
def with_document_counter(stage: Stage, folder: str) -> Stage | None:
    """The stage with a `DocumentCounter` right after its reader (document-level progress), or
    None for stages that do not read documents (find/buckets/cluster)."""
    from datatrove.pipeline.readers.base import BaseReader

    if not stage.pipeline or not isinstance(stage.pipeline[0], BaseReader):
        return None
    return dataclasses.replace(stage, pipeline=[stage.pipeline[0], DocumentCounter(folder), *stage.pipeline[1:]])


def _resume_settings(cfg: Config) -> dict:
    # What changes the output; the executor does not (a run started locally may finish on Slurm).
    return cfg.model_dump(mode="json", exclude={"executor": {"workers", "type", "slurm"}})


# Modules the stages' steps import only when they first run: datatrove's Parquet writer (pyarrow's
# pandas support imports pandas, ~0.7 CPU s), the extractor's sandbox (multiprocess), the WARC
# reader. Imported once here, they are shared by every forked worker instead of imported by each
# worker of each stage again. Only a saving: one that is not installed (pandas is not part of the
# base install; the extras bring it) is left to the steps, as before.
_LAZY_IMPORTS = ("pandas", "pyarrow.compute", "pyarrow.pandas_compat", "pyarrow.parquet", "multiprocess",
                 "fastwarc.warc")


def _warm_up_models() -> None:
    """Load the word tokenizer and the language-ID model once in this process, and import what the
    steps import lazily. Local stages fork their workers from it, so they inherit the loaded
    models and modules instead of each paying for them (~1.5 s for the models)."""
    import importlib

    from filters.language import detect_language
    from filters.words import shared_tokenizer

    shared_tokenizer().span_tokenize("Warm up. The word and sentence splitter.")
    detect_language("Warm up the language model.")
    for name in _LAZY_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


# What a crawl publishes under output_dir, as one set (core.publish; removed by --overwrite, with the
# work folder). stats.parquet is written by `python -m pipelines.stats` and describes one run: a new
# run's outputs replace it.
OUTPUTS = ("documents", "rejected", "README.md", "stats.parquet")


def run(cfg: Config, config_path: Path | str = "config", *, verbose: bool = False, overwrite: bool = False) -> dict:
    """Run (or resume) the crawl; `verbose` shows every engine log line instead of progress lines;
    `overwrite` removes a previous run's output first instead of resuming it.

    Kept and rejected documents are written into a staging folder (core.publish) and published with
    the dataset card at the end, as one set; a resumed run fills the same staging folder. A run
    whose stages were all complete already (nothing staged) leaves the published outputs as they are."""
    check(cfg, config_path)
    work = cfg.work_dir or f"{cfg.output_dir}/_work"
    logs_root = Path(work) / "logs"
    publication = Publication(cfg.output_dir, OUTPUTS)
    if overwrite:
        publication.discard()
    try:
        check_resume(cfg.output_dir, _resume_settings(cfg), config=cfg.model_dump(mode="json"), overwrite=overwrite,
                     outputs=[*OUTPUTS, work], storage_options=cfg.output_storage_options)
    except OSError as e:
        raise locate_os_error(e, [work, cfg.output_dir]) from None
    reduce_datatrove_overheads()
    stages = build_stages(cfg, publication.staging)
    log_dirs = [str(logs_root / f"{i:02d}_{s.name}") for i, s in enumerate(stages)]
    if publication.exists() or any(completed_tasks(d) < s.tasks for s, d in zip(stages, log_dirs)):
        publication.prepare()
    reports: list[StageReport] = []
    t_start = time.time()
    print(f"crawl: {len(stages)} stages, {cfg.executor.tasks} tasks, executor={cfg.executor.type}", file=sys.stderr)
    try:
        if cfg.executor.type == "local":
            reports = _run_local(cfg, stages, log_dirs, verbose)
        else:
            executor = None
            for stage, log_dir in zip(stages, log_dirs):
                executor = slurm_executor(stage.pipeline, stage.tasks, stage.name, log_dir, cfg.executor, executor)
            executor.run()
            if not cfg.executor.slurm.wait:
                return {"submitted": True, "last_job_id": executor.job_id, "logs": str(logs_root),
                        "publish": "run the same command again once the jobs ended: it publishes the outputs"}
            wait_for_slurm([(s.name, s.tasks, d) for s, d in zip(stages, log_dirs)], cfg.executor.slurm.poll_seconds)
            reports = [read_stage_report(s.name, d, None) for s, d in zip(stages, log_dirs)]
        elapsed = time.time() - t_start
        if publication.remote or publication.exists():  # remote outputs are written in place
            kept = count_documents(f"{publication.staging}/documents")
            counts = {"documents_kept": kept if kept is not None else (reports[-1].docs_out if reports else 0),
                      "stages": [{"stage": r.name, "docs_in": r.docs_in, "docs_out": r.docs_out, "losses": r.reasons,
                                  "unaccounted": r.unaccounted} for r in reports]}
            write_crawl_card(publication.staging, cfg.model_dump(mode="json"), counts,
                             storage_options=cfg.output_storage_options, shown_as=cfg.output_dir)
            publication.publish()
    except OSError as e:
        raise locate_os_error(e, [work, cfg.output_dir]) from None
    # The end-of-run counts are read from what is on disk (every completed task's stats, the
    # published shards), not from the tasks this invocation ran: a resumed run reports the whole crawl.
    return print_summary(reports, elapsed, cfg.output_dir, kept=count_documents(f"{cfg.output_dir}/documents"))


def count_documents(folder: str) -> int | None:
    """Rows of the Parquet shards in a local folder, from their footers (None for remote folders)."""
    if "://" in folder:
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(Path(folder).glob("*.parquet")))


def _run_local(cfg: Config, stages: list[Stage], log_dirs: list[str], verbose: bool) -> list[StageReport]:
    """Runs the stages one after another under the local executor. One pool of forked workers
    (`StagePool`) serves every stage: it is started once, after the models are loaded and every
    stage is built, so its workers inherit both, and keep their word memo from the documents of
    one stage to the next (the MinHash signatures split the same texts as the quality rules).
    Single-task stages run there too: an idle worker starts at once, where datatrove's executor
    starts a manager process even for one task in this process. Without `fork` (not Linux) or with
    one worker, each stage runs under datatrove's executor as is."""
    reports: list[StageReport] = []
    _warm_up_models()
    with contextlib.ExitStack() as stack:
        counters = stack.enter_context(tempfile.TemporaryDirectory(prefix="rc-progress-"))
        counted = [with_document_counter(stage, f"{counters}/{i:02d}") for i, stage in enumerate(stages)]
        executors = [local_executor((c or s).pipeline, s.tasks, d, cfg.executor) for s, c, d in zip(stages, counted, log_dirs)]
        workers = max(e.workers for e in executors)
        pool = None
        if workers > 1 and executors[0].start_method == "fork":
            pool = stack.enter_context(StagePool(executors, workers))
        for i, (stage, log_dir, executor) in enumerate(zip(stages, log_dirs, executors)):
            if stage.has_no_input():
                print(f"no documents left before {stage.name}; the remaining stages have nothing to do", file=sys.stderr)
                break
            done = completed_tasks(log_dir)
            note = f" (resuming: {done}/{stage.tasks} tasks already done)" if 0 < done < stage.tasks else ""
            note = " (already complete)" if done >= stage.tasks else note
            print(f"[{i + 1}/{len(stages)}] {stage.name}: {stage.tasks} task(s){note}", file=sys.stderr, flush=True)
            t0 = time.time()
            with quiet_stage(stage.name, log_dir, stage.tasks, enabled=not verbose,
                             counters=f"{counters}/{i:02d}" if counted[i] else None,
                             total_docs=stage.input_documents(), total_bytes=stage.input_bytes()) as quiet:
                if pool is not None:
                    pool.run(executor, stderr=quiet.capture_path)
                else:
                    executor.run()
            report = read_stage_report(stage.name, log_dir, time.time() - t0)
            reports.append(report)
            print(f"      {report.one_line()}", file=sys.stderr, flush=True)
    return reports
