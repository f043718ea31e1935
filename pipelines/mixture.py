"""`python -m pipelines.run CONFIG.yaml` with `kind: mixture`: build the manifest, then export it.

Everything the job publishes (OUTPUTS) is written into a staging folder and published at once
(core.publish): a reader of the output folder never sees one run's manifest beside another's
export. The token cache stays in the output folder (keyed by shard and tokenizer content).
"""
from __future__ import annotations

import sys
from pathlib import Path

from core.io import locate_os_error
from core.publish import Publication
from core.records.manifest import write_manifest
from mixtures.build import build_manifest, manifest_path, summarize
from mixtures.export import export
from mixtures.spec import MixtureSpec


class Config(MixtureSpec):
    """The mixture spec (see mixtures/spec.py and docs/mixtures.md)."""


def check(config: Config, config_path: Path | str = "config") -> str:
    """What `--validate-only` adds to the spec check: every source's shard globs match Parquet
    files, and the columns its `where` / `resample` expressions and `documents` name exist in them
    (the first shard of each source; build checks every shard). Raises ConfigError."""
    import fsspec
    import pyarrow.parquet as pq

    from core.config import ConfigError
    from mixtures.shards import expand_shards
    from mixtures.spec import parse_expression

    shards = 0
    for st in config.stages:
        for src in st.sources:
            label = f"{config_path}: stage `{st.name}`, source `{src.name}`"
            urls, _ = expand_shards(src.shards)
            if not urls:
                if src.optional:
                    continue
                raise ConfigError(f"{label}: no shard matches {src.shards}")
            fs, path = fsspec.core.url_to_fs(urls[0])
            try:
                with fs.open(path, "rb") as f:
                    columns = set(pq.read_schema(f).names)
            except Exception as e:  # noqa: BLE001 - any reader error is a bad input, said as such
                raise ConfigError(f"{label}: {urls[0]} is not a readable Parquet file: {e}") from None
            needed = {"documents.text_column": {config.documents.text_column}, "documents.id_column": {config.documents.id_column}}
            if src.where:
                needed["where"] = set(parse_expression(src.where).meta.root_names())
            for i, rule in enumerate(src.resample):
                needed[f"resample[{i}].where"] = set(parse_expression(rule.where).meta.root_names())
            for key, names in needed.items():
                missing = sorted(names - columns)
                if missing:
                    raise ConfigError(f"{label}: `{key}` names column(s) {missing} that {urls[0]} does not have "
                                      f"(it has: {', '.join(sorted(columns))})")
            shards += len(urls)
    return f"{shards} shard match(es) across the stages' sources"


# What a mixture publishes under output_dir, as one set (removed by --overwrite; the token cache is
# kept: it is keyed by shard and tokenizer content, never stale).
OUTPUTS = ("manifest.json", "megatron", "parquet", "selection", "export.json", "README.md")


def run(config: Config, config_path: Path | str | None = None, *, verbose: bool = False, overwrite: bool = False) -> dict:
    path = manifest_path(config)
    publication = Publication(path.parent, OUTPUTS)
    if overwrite:  # start over: an interrupted export's staging folder is not resumed
        publication.discard()
    try:
        staging = Path(publication.prepare())  # an interrupted export resumes in it
        manifest = build_manifest(config, root=staging)
        write_manifest(manifest, staging / path.name)
        print(summarize(manifest), file=sys.stderr)  # stdout stays free for `pipelines.run --json`
        exported = export(manifest, root=staging)
        publication.publish()
    except OSError as e:
        raise locate_os_error(e, [path.parent]) from None
    return {"manifest": str(path), "export": str(Path(manifest.output_dir) / "export.json"),
            "stages": exported["stages"]}
