"""`python -m pipelines.run CONFIG.yaml` with `kind: mixture`: build the manifest, then export it."""
from __future__ import annotations

import sys
from pathlib import Path

from core.records.manifest import write_manifest
from mixtures.build import build_manifest, manifest_path, summarize
from mixtures.export import export
from mixtures.spec import MixtureSpec


class Config(MixtureSpec):
    """The mixture spec (see mixtures/spec.py and docs/mixtures.md)."""


# What a mixture writes under output_dir (removed by --overwrite; the token cache is kept: it is
# keyed by shard and tokenizer content, never stale).
OUTPUTS = ("manifest.json", "megatron", "parquet", "selection", "export.json", "README.md")


def run(config: Config, config_path: Path | str | None = None, *, verbose: bool = False, overwrite: bool = False) -> dict:
    if overwrite:
        import shutil

        for name in OUTPUTS:
            target = Path(config.output_dir) / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    manifest = build_manifest(config)
    path = manifest_path(config)
    write_manifest(manifest, path)
    print(summarize(manifest), file=sys.stderr)  # stdout stays free for `pipelines.run --json`
    exported = export(manifest)
    return {"manifest": str(path), "export": str(Path(manifest.output_dir) / "export.json"),
            "stages": exported["stages"]}
