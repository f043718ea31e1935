"""The bundled trainer (a later issue): reads the typed manifest (`core.records.manifest`) and the
exported `.bin/.idx`; never imports `mixtures`. May import `core` only (and `verifiers` for rewards).
"""

__all__: list[str] = []
