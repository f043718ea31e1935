"""The project's tiny test model: a ~1M-parameter Qwen2 that really does arithmetic.

- `curriculum`: 1-, 2-, 3-digit sums and products (`Item`, `held_out`, `sample_train`, tiers)
- `tokenizer`: one token per character (`tokenizers`), special markers, the chat template
- `train`: `TrainSettings` and the stand-in training step (a plain Qwen2 loop, `--trainer plain`);
  `tools.tiny_model_mtp.train_model` (the project's trainer, one MTP module) is the default step
- `build`: `python -m tools.tiny_model build|check`; `data/tiny-model/` is the committed output

Submodules are imported where used (torch is only needed by `train`/`build`).
"""

__all__ = ["curriculum", "tokenizer", "train", "build"]
