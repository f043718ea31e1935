"""Everything that calls a model: backends, the rollout engine, annotation and synthesis (later issues).

- `synth.annotate`: LLM labels for the document classifiers (`AnnotateConfig`, `annotate`,
  `parse_answer`; prompts in `synth/prompts/annotate/`; docs/classifiers.md)
- `synth.synthesize`: reasoning-data synthesis, MiMo's three strategies (`document_items`,
  `problem_items`, `query_items`, `generate_chunk`, `verify`, `to_records`, `screen`, `FormatSettings`;
  prompts in `synth/prompts/synth/`; the job is `pipelines.synth`; docs/synth.md)

May import `core`, `verifiers` and `filters`; never `mixtures`, `trainer` or `pipelines`.
"""

# Public API: `synth.backends` (load_backend, Request, SamplingParams, Completion, Backend; docs/backends.md);
# `synth.rollout` (RolloutEngine, RolloutProblem, naive_rollout; docs/rollout.md);
# `synth.annotate` (AnnotateConfig, annotate, parse_answer; docs/classifiers.md);
# `synth.synthesize` (docs/synth.md).
__all__ = ["backends", "rollout", "annotate", "synthesize"]
