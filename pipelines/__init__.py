"""The top floor: jobs, their registry, executors, resume, progress and statistics. Nothing imports it.

- `python -m pipelines.run CONFIG.yaml` (`reasoning-curator run`): the config's `kind` selects a job
  in `pipelines.registry.JOBS`: `pipelines.crawl`, `pipelines.problems`, `pipelines.mixture`, `pipelines.train`,
  `pipelines.difficulty`, `pipelines.classify`, `pipelines.annotate`, `pipelines.synth`
- `pipelines.executors`: datatrove local/Slurm executors and the dask client, from an executor config
- `pipelines.resume`: the settings fingerprint that refuses to mix two runs in one output
- `pipelines.progress`, `pipelines.stats` (`python -m pipelines.stats OUTPUT`): per-stage reports, shard statistics
"""

__all__ = ["run", "registry", "crawl", "problems", "mixture", "train", "synth", "executors", "resume", "progress", "stats"]
