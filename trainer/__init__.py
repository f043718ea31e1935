"""The bundled trainer (optional extra `train`): a Qwen2/MiMo-shaped model with Multi-Token
Prediction, trained on the typed mixture manifest (`core.records.manifest`) and the exported
Megatron `.bin/.idx`; never imports `mixtures`. May import `core` only. See docs/trainer.md.

Public API:
  trainer.model (ModelConfig, Transformer, KVCache)   the model, readable in one sitting
  trainer.data (load_manifest, IndexedTokens, BlendedStream, DataError)
  trainer.step (make_optimizer, lr_at, mtp_weight_at, train_step)
  trainer.train.train(TrainConfig) → summary           `python -m trainer.train CONFIG.yaml` (torchrun too)
  trainer.config (TrainConfig, load_train_config)
  trainer.export (export_hf, load_hf)                  Hugging Face checkpoint, MiMoForCausalLM layout
  trainer.generate (generate_plain, generate_mtp, compare)   `python -m trainer.generate MODEL_DIR`
The job (`kind: train`) is pipelines/train.py.
"""

__all__ = ["model", "data", "step", "train", "config", "export", "generate"]
