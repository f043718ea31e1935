"""Everything that calls a model: backends, annotation, synthesis, the rollout engine (later issues).

May import `core`, `verifiers` and `filters`; never `mixtures`, `trainer` or `pipelines`.
"""

__all__: list[str] = []
