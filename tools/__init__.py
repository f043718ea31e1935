"""Development tooling shared by tests/ and bench/ (not part of the installed product).

- `tools.sample_crawl`: the deterministic sample-crawl generator (`python -m tools.sample_crawl`;
  needs the `dev` extra for latex2mathml); `data/sample-crawl/` is its output, checked byte for byte
  by tests/tools/test_sample_crawl.py
- `tools.sample_crawl_markup`: the generator's markup mode (hard math/code/forum markup with ground truth)
- `tools.slurm`: a private single-node Slurm cluster (the test suite's and bench/slurm_executor.py's)
- `tools.ground_truth`: readers of the shared data's extraction ground truth
- `tools.trainer_tiny`: a tiny arithmetic mixture (Parquet → manifest → .bin/.idx) for the trainer's
  tests
- `tools.tiny_model_mtp`: the tiny model's default training step, through the project's trainer (one MTP
  module); also the tiny-model recipe bench/trainer.py times
- `tools.tiny_model`: the project's tiny test model (arithmetic curriculum, char-level tokenizer,
  chat template, swappable training step); `data/tiny-model/` is its output (docs/backends.md)
- `tools.llm_servers`: OpenAI-compatible servers (vLLM, `transformers serve`) on 127.0.0.1 for tests and bench
- `tools.sim_backend`: a simulated continuous-batching backend and judge service (bench/rollout.py, tests)

tests/ and bench/ import from here, never from each other.
"""

__all__ = ["sample_crawl", "sample_crawl_texts", "sample_crawl_markup", "slurm", "ground_truth", "trainer_tiny",
           "tiny_model_mtp", "tiny_model", "llm_servers", "sim_backend"]
