"""The dataset card of an exported mixture: each stage's Parquet files are a config of their own
(the first stage is the default), so `datasets.load_dataset(OUTPUT)` never merges stages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from core.card import CardConfig, write_card

__all__ = ["write_mixture_cards"]

MIXTURE_COLUMNS = {
    "mixture_stage": "training stage this row belongs to",
    "mixture_source": "source (within the stage) that selected it",
    "mixture_copies": "times the row is repeated in the stage (up- or down-sampling)",
    "mixture_tokens": "tokens of the row's text (with the end-of-document token)",
    "mixture_shard": "crawl shard the row was read from",
}


def write_mixture_cards(output_dir: str | Path, stages: list[dict[str, Any]], spec: dict[str, Any], *,
                        shown_as: str | Path | None = None) -> list[str]:
    """`OUTPUT/README.md` (paths `parquet/<stage>/…`) and `OUTPUT/parquet/README.md` (paths
    `<stage>/…`). `stages`: [{name, sources: [{name, documents, tokens}]}] from the manifest.
    `shown_as`: the folder's name once published, in the cards' examples (core.publish)."""
    out = Path(output_dir)
    shown = Path(shown_as) if shown_as is not None else out
    written = []
    for folder, prefix in ((out, "parquet/"), (out / "parquet", "")):
        if not folder.is_dir():
            continue
        configs = [
            CardConfig(
                st["name"], [f"{prefix}{st['name']}/*.parquet"],
                "stage `{}`: {}".format(st["name"], ", ".join(
                    f"{s['name']} ({s['documents']:,} documents, {s['tokens']:,} tokens)" for s in st["sources"])),
                default=i == 0,
            )
            for i, st in enumerate(stages)
        ]
        files = sorted((out / "parquet").glob("*/*.parquet"))
        schema = pq.read_schema(files[0]).remove_metadata() if files else None
        counts = {st["name"]: {s["name"]: {"documents": s["documents"], "tokens": s["tokens"]} for s in st["sources"]} for st in stages}
        written.append(write_card(
            folder,
            title="Training mixture (reasoning-curator)",
            summary=(
                "Rows selected for each training stage by `mixtures.build` and exported by `mixtures.export`: "
                "one config per stage (load a stage by name; the first is the default). A row appears once "
                "with `mixture_copies` saying how often the stage repeats it. The Megatron `.bin/.idx` "
                "files and blend files are under `megatron/`."
            ),
            configs=configs,
            schema=schema,
            column_notes=MIXTURE_COLUMNS,
            counts=counts,
            job_config=spec,
            shown_as=shown / folder.relative_to(out),
        ))
    return written
