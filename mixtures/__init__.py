"""Mixtures: a staged mixture spec → selection → a typed manifest → exported files. See docs/mixtures.md.

Public API:
  mixtures.spec.load_spec(path) / MixtureSpec      the validated spec (MixtureError on problems)
  mixtures.build.build_manifest(spec) → Manifest   `python -m mixtures.build CONFIG.yaml`
  mixtures.export.export(manifest) → dict          `python -m mixtures.export MANIFEST.json`
  mixtures.megatron (IndexedDatasetWriter, read_indexed_dataset, optimal_dtype, write_blend_files)

The job (`python -m pipelines.run CONFIG.yaml`, kind: mixture) is `pipelines.mixture`. The manifest's
schema is `core.records.manifest.Manifest`, so the trainer reads it without importing mixtures.
May import `core` only.
"""

__all__ = ["spec", "build", "export", "megatron", "select", "shards", "tokens"]
