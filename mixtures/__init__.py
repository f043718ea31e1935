"""Mixtures: a staged mixture spec → a manifest → exported files. See docs/mixtures.md.

Public API:
  mixtures.spec.load_spec(path) / MixtureSpec      the validated spec (MixtureError on problems)
  mixtures.build.build_manifest(spec) → dict       `python -m mixtures.build CONFIG.yaml`
  mixtures.export.export(manifest) → dict          `python -m mixtures.export MANIFEST.json`
  mixtures.megatron (IndexedDatasetWriter, read_indexed_dataset, optimal_dtype, write_blend_files)
  pipelines.mixture (Config, run)                       `python -m pipelines.run CONFIG.yaml` (kind: mixture)
"""
