"""Everything that calls a model: backends, the rollout engine, annotation and synthesis (later issues).

May import `core`, `verifiers` and `filters`; never `mixtures`, `trainer` or `pipelines`.
"""

# Public API: `synth.backends` (load_backend, Request, SamplingParams, Completion, Backend; docs/backends.md);
# `synth.rollout` (RolloutEngine, RolloutProblem, naive_rollout; docs/rollout.md).
__all__ = ["backends", "rollout"]
