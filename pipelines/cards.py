"""The dataset cards (README.md) of the crawl and problem-set outputs (format: core.card)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from core.card import CardConfig, write_card

__all__ = ["write_crawl_card", "write_problems_card", "write_synth_card", "CRAWL_COLUMNS", "SYNTH_COLUMNS"]

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


# What the synth job's own columns mean (docs/ARCHITECTURE.md, "Synthetic document"); the others are the crawl's.
SYNTH_COLUMNS = {
    **{k: v for k, v in CRAWL_COLUMNS.items() if k not in ("source", "url", "domain", "crawl_date")},
    "id": "`<strategy>/<source id>/<sample index>`",
    "source": "input file the job read (crawl shard, problem set, query file); `source_offset` its row",
    "text": "the training text: prompt and response (reasoning span formatted per `format.think`)",
    "synth_strategy": "`analysis`, `solve` or `query`",
    "synth_source_id": "id of the document, problem or query answered",
    "synth_source_set": "crawl input name, problem set (the problem id's prefix) or query file name",
    "synth_category": "analysis: `cls_domain`; solve: `math` / `code`; query: the query's category",
    "synth_model": "model that wrote the response",
    "synth_prompt_template": "prompt template file", "synth_prompt_sha256": "sha256 of its text",
    "synth_sampling": "sampling settings (JSON)", "synth_sample_index": "sample number for this input",
    "synth_prompt": "the user message sent", "synth_reasoning": "inside the reasoning span", "synth_answer": "after it",
    "synth_verifier": "solve: `math_grader` / `code_judge`", "synth_verdict": "solve: the verifier's verdict",
    "rejection_detail": "evidence (rejected configs only)",
}


def write_synth_card(output_dir: str | Path, job_config: dict[str, Any], counts: dict[str, Any], *,
                     shown_as: str | Path | None = None) -> str:
    """`OUTPUT/README.md` of the synth job: kept responses are the default config, rejected ones
    `rejected` and one config per rejection stage."""
    folder = Path(output_dir)
    stages = sorted(p.name for p in (folder / "rejected").glob("*") if p.is_dir())
    configs = [CardConfig("default", ["documents/*.parquet"], "synthetic responses kept by every step")]
    if stages:
        configs.append(CardConfig("rejected", ["rejected/*/*.parquet"], "every rejected response, with `rejection_stage`, "
                                                                        "`rejection_reason` and `rejection_detail`"))
        configs += [CardConfig(f"rejected_{s}", [f"rejected/{s}/*.parquet"], f"responses rejected by `{s}`") for s in stages]
    return write_card(
        folder,
        title="Synthetic reasoning data (reasoning-curator)",
        summary=(
            "Model responses made by `python -m pipelines.run` (`kind: synth`) with MiMo's three strategies: "
            "in-depth analyses of STEM documents, rejection-sampled solutions of problems (kept only when the math "
            "grader or the code judge accepts them) and responses to general queries. Every row has the crawl's "
            "document columns plus `synth_*` provenance; responses were decontaminated and near-duplicate filtered "
            "with the problem set's steps. Counts and kept rates: `report.json`."
        ),
        configs=configs,
        schema=_schema(folder, ["rejected/*/*.parquet", "documents/*.parquet"]),
        column_notes=SYNTH_COLUMNS,
        counts=counts,
        job_config=job_config,
        shown_as=shown_as,
    )
