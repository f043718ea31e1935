"""The dataset cards (README.md) of the crawl and problem-set outputs (format: core.card)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from core.card import CardConfig, write_card

__all__ = ["write_crawl_card", "write_problems_card", "CRAWL_COLUMNS"]

# What each crawl column means (docs/ARCHITECTURE.md, "Document").
CRAWL_COLUMNS = {
    "id": "WARC-Record-ID (WARC), file path (HTML), the `id_key` column (JSONL/Parquet)",
    "url": "target URI",
    "domain": "lower-cased host of the URL",
    "source": "input file the document came from",
    "crawl_date": "WARC-Date",
    "text": "extracted Markdown-style text (`$…$`, `$$…$$`, fenced code)",
    "language": "fastText lid.176 on the prose (code and formulas masked)",
    "language_score": "its probability",
    "has_math": "the text holds a formula",
    "has_code": "the text holds code",
    "n_formulas": "formulas kept",
    "n_code_blocks": "fenced code blocks kept",
    "n_chars": "characters of prose the rules judge",
    "n_words": "words of prose",
    "n_lines": "lines of prose",
    "n_set_aside_lines": "lines set aside from the prose (code, equations, tables, repeated quotes, captions)",
    "quality_reasons": "`;`-joined failed rules, empty when none",
    "quality_pass": "no quality rule failed",
    "dedup_cluster_size": "size of the document's MinHash cluster (1 = unique)",
    "rejection_stage": "stage that rejected the document (rejected configs only)",
    "rejection_reason": "why (rejected configs only)",
}


def _schema(folder: str | Path, patterns: list[str], storage_options: dict | None = None):
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(str(folder), **(storage_options or {}))
    for p in patterns:
        for f in sorted(fs.glob(f"{root.rstrip('/')}/{p}")):
            with fs.open(f, "rb") as fh:
                return pq.read_schema(fh).remove_metadata()
    return None


def write_crawl_card(output_dir: str | Path, job_config: dict[str, Any], counts: dict[str, Any],
                     storage_options: dict | None = None, *, shown_as: str | Path | None = None) -> str:
    """`OUTPUT/README.md` (local or `s3://`): kept documents are the default config, every rejection
    stage a config of its own (`rejected_<stage>`) and all of them together `rejected`."""
    from fsspec.core import url_to_fs

    folder = str(output_dir)
    fs, root = url_to_fs(folder, **(storage_options or {}))
    stages = sorted({f.rstrip("/").split("/")[-2] for f in fs.glob(f"{root.rstrip('/')}/rejected/*/*.parquet")})
    configs = [CardConfig("default", ["documents/*.parquet"], "documents kept by every stage")]
    if stages:
        configs.append(CardConfig("rejected", ["rejected/*/*.parquet"], "every rejected document, with `rejection_stage` and `rejection_reason`"))
        configs += [CardConfig(f"rejected_{s}", [f"rejected/{s}/*.parquet"], f"documents rejected by `{s}`") for s in stages]
    schema = _schema(folder, ["rejected/*/*.parquet", "documents/*.parquet"], storage_options)
    return write_card(
        folder,
        title="Crawl output (reasoning-curator)",
        summary=(
            "Web documents extracted with math, code and forum threads kept, language-identified, "
            "quality-tagged and URL + MinHash deduplicated by `python -m pipelines.run` (`kind: crawl`). "
            "`_work/` holds intermediates and logs and is not part of any config. Statistics and "
            "plots: `python -m pipelines.stats OUTPUT --html report.html`."
        ),
        configs=configs,
        schema=schema,
        column_notes=CRAWL_COLUMNS,
        counts=counts,
        job_config=job_config,
        storage_options=storage_options,
        shown_as=shown_as,
    )


def write_problems_card(output_dir: str | Path, job_config: dict[str, Any], counts: dict[str, Any], *,
                        kept: str = "kept.parquet", dropped: str = "dropped.parquet",
                        shown_as: str | Path | None = None) -> str:
    """`OUTPUT/README.md` of the problem set: kept problems are the default config, dropped ones
    (with `drop_step`, `drop_reason`, `drop_detail`) the `dropped` config."""
    folder = str(output_dir)
    return write_card(
        folder,
        title="RL problem set (reasoning-curator)",
        summary=(
            "Math and code problems ingested, cleaned, deduplicated and decontaminated against the "
            "listed benchmarks by `python -m pipelines.run` (`kind: problems`). Dropped rows keep every "
            "column and say which step dropped them and why. Per-step counts: `report.json`."
        ),
        configs=[
            CardConfig("default", [kept], "problems that passed every step"),
            CardConfig("dropped", [dropped], "problems a step dropped: `drop_step`, `drop_reason`, `drop_detail`"),
        ],
        schema=_schema(folder, [kept, dropped]),
        counts=counts,
        job_config=job_config,
        shown_as=shown_as,
    )
