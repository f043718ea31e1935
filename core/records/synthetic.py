"""Synthetic record: one model response made by the synth job (docs/ARCHITECTURE.md, "Synthetic document").

A synthetic document has every column of the crawl's documents (`core.records.document.DOCUMENT_FIELDS`,
so a mixture spec selects synthetic shards like crawl shards) plus `synth_*` provenance columns: the
strategy, the source document / problem / query it came from, the model, the prompt template and its
hash, the sampling settings and, for solved problems, the verifier's verdict. Rejected responses keep
the same columns plus where and why they were rejected.
"""
from __future__ import annotations

import pyarrow as pa

from core.records.document import DOCUMENT_FIELDS

SCHEMA_VERSION = 1

STRATEGIES = ("analysis", "solve", "query")
# Where a response can be rejected, and why (the `rejection_stage` → `rejection_reason` values).
REASONS = {
    "generate": ("empty", "truncated"),
    "verify": ("wrong_answer", "no_answer", "ungradable", "tests_failed", "verifier_error"),
    "decontaminate": ("contaminated",),
    "dedup": ("near_duplicate",),
}

SYNTH_FIELDS: list[pa.Field] = [
    pa.field("synth_strategy", pa.string()),  # analysis | solve | query
    pa.field("synth_source_id", pa.string()),  # the document id, problem id or query id it answers
    pa.field("synth_source_set", pa.string()),  # crawl input / problem set (the id's prefix) / query file name
    pa.field("synth_category", pa.string()),  # analysis: cls_domain; solve: math | code; query: the query's category
    pa.field("synth_model", pa.string()),
    pa.field("synth_prompt_template", pa.string()),  # template file name
    pa.field("synth_prompt_sha256", pa.string()),  # of the template file's text
    pa.field("synth_sampling", pa.string()),  # JSON: n, temperature, top_p, top_k, max_tokens, seed
    pa.field("synth_sample_index", pa.int32()),
    pa.field("synth_prompt", pa.string()),  # the user message sent (template filled in)
    pa.field("synth_reasoning", pa.string()),  # inside the reasoning span (<think>…</think>), null when none
    pa.field("synth_answer", pa.string()),  # the response after the reasoning span
    pa.field("synth_finish_reason", pa.string()),  # stop | length
    pa.field("synth_n_tokens", pa.int32()),  # generated tokens (null where the server does not say)
    pa.field("synth_verifier", pa.string()),  # solve: math_grader | code_judge; null otherwise
    pa.field("synth_verdict", pa.string()),  # solve: the grader's reason / tests passed; null otherwise
]

SYNTHETIC_FIELDS: list[pa.Field] = [*DOCUMENT_FIELDS, *SYNTH_FIELDS]
SYNTHETIC_SCHEMA = pa.schema(SYNTHETIC_FIELDS, metadata={"reasoning-curator/record": f"synthetic/{SCHEMA_VERSION}"})
SYNTHETIC_REJECTED_SCHEMA = pa.schema(
    [
        *SYNTHETIC_FIELDS,
        pa.field("rejection_stage", pa.string()),
        pa.field("rejection_reason", pa.string()),
        pa.field("rejection_detail", pa.string()),
    ],
    metadata={"reasoning-curator/record": f"synthetic-rejected/{SCHEMA_VERSION}"},
)

__all__ = ["SCHEMA_VERSION", "STRATEGIES", "REASONS", "SYNTH_FIELDS", "SYNTHETIC_SCHEMA", "SYNTHETIC_REJECTED_SCHEMA",
           "new_record"]


def new_record(**fields) -> dict:
    """A row with every column present; unknown keys are an error."""
    unknown = set(fields) - set(SYNTHETIC_REJECTED_SCHEMA.names)
    if unknown:
        raise KeyError(f"not synthetic-record columns: {sorted(unknown)}")
    row = dict.fromkeys(SYNTHETIC_SCHEMA.names)
    row.update(fields)
    return row
