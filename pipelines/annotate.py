"""The annotate job (`kind: annotate`): LLM labels for a sample of documents (synth.annotate).

    kind: annotate
    input: ../output/crawl/documents
    output: ../output/labels.parquet
    sample: 2000
    model: {backend: openai, model: Qwen/Qwen3-8B, base_url: "http://127.0.0.1:8000/v1"}

Resumable: finished chunks are kept in OUTPUT.parts/; a rerun with other output-changing settings is
refused (pipelines.resume), one with the same settings continues where the last one stopped.
"""
from __future__ import annotations

from pathlib import Path

from pipelines.resume import check_resume
from synth.annotate import AnnotateConfig as Config
from synth.annotate import annotate

__all__ = ["Config", "run"]


def run(cfg: Config, config_path: Path | str = "config", *, verbose: bool = False) -> dict:
    parts = Path(f"{cfg.output}.parts")
    parts.mkdir(parents=True, exist_ok=True)
    check_resume(str(parts), cfg.settings(), config=cfg.model_dump(mode="json"))
    return annotate(cfg)
