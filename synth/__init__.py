"""Everything that calls a model: backends, annotation, synthesis, the rollout engine (later issues).

May import `core`, `verifiers` and `filters`; never `mixtures`, `trainer` or `pipelines`.
"""

# Public API: `synth.backends` (load_backend, Request, SamplingParams, Completion, Backend; docs/backends.md).
__all__ = ["backends"]
