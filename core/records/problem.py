"""The one record schema for RL problems (math and code), documented in docs/ARCHITECTURE.md ("Problem").

A problem row is a plain dict with exactly the keys of `PROBLEM_SCHEMA`. Ingest fills the problem
columns; each cleaning step fills its own verdict columns for the rows it examined (a row dropped by an
earlier step keeps nulls in the later steps' columns). `kept`/`drop_*` say what happened overall.
The schema is explicit (not inferred) so a chunk whose first row has a null never changes a column type.
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa

SCHEMA_VERSION = 2  # 2: source_file, source_row
DOMAINS = ("math", "code")

# Code test forms. "stdio": test_inputs[i] is stdin, test_outputs[i] the expected stdout (APPS/TACO/LCB
# `input_output` without fn_name). "call": fn_name is called with json.loads(test_inputs[i]) as the
# argument list and must return json.loads(test_outputs[i]) (APPS/LCB functional tests). "assert":
# test_code is Python that raises on failure once appended to the solution (HumanEval check(), MBPP asserts).
TEST_FORMATS = ("stdio", "call", "assert")

# Pipeline steps, in the order they run; `drop_step` is one of these.
STEPS = ("ingest", "proof_mc", "gold_answer", "code_tests", "decontaminate", "dedup", "reference_solution")

PROBLEM_FIELDS: list[pa.Field] = [
    pa.field("id", pa.string(), nullable=False),  # "<source>/<source_id or row number>", unique in a run
    pa.field("source", pa.string(), nullable=False),  # name of the input set (config `inputs[].source`)
    pa.field("source_id", pa.string()),  # the id the source itself uses (task_id, unique_id, ...)
    pa.field("source_file", pa.string()),  # input file the row was read from
    pa.field("source_row", pa.int64()),  # its place there: 0-based JSONL line / Parquet row / JSON list index
    pa.field("domain", pa.string(), nullable=False),  # "math" | "code"
    pa.field("statement", pa.string(), nullable=False),
    pa.field("answer", pa.string()),  # math gold answer (as written in the source; numbers as text)
    pa.field("language", pa.string()),  # code: programming language of tests/solution ("python")
    pa.field("test_format", pa.string()),  # code: one of TEST_FORMATS, null = no tests
    pa.field("test_inputs", pa.list_(pa.string())),  # stdio: stdin text; call: JSON array of arguments
    pa.field("test_outputs", pa.list_(pa.string())),  # stdio: expected stdout; call: JSON return value
    pa.field("fn_name", pa.string()),  # call: function (or Solution method) name; assert: entry point
    pa.field("test_code", pa.string()),  # assert: test code run after the solution
    pa.field("starter_code", pa.string()),  # code given to the solver (signature, class stub, prompt)
    pa.field("special_judge", pa.bool_()),  # tests need a checker, not exact output comparison
    pa.field("reference_solution", pa.string()),  # optional complete program/solution
    pa.field("meta", pa.string()),  # JSON object of the remaining source fields (level, url, raw row ...)
    # --- verdicts: overall ---
    pa.field("kept", pa.bool_(), nullable=False),
    pa.field("drop_step", pa.string()),  # one of STEPS, null when kept
    pa.field("drop_reason", pa.string()),  # short code, see REASONS
    pa.field("drop_detail", pa.string()),  # human-readable evidence (matched n-gram, failing test, ...)
    # --- verdicts: per step (null = step did not examine the row) ---
    pa.field("is_proof", pa.bool_()),  # proof_mc
    pa.field("is_multiple_choice", pa.bool_()),  # proof_mc
    pa.field("proof_mc_by", pa.string()),  # proof_mc: "rules" | "llm_judge" (who flagged it)
    pa.field("gold_extracted", pa.string()),  # gold_answer: the answer the grader parsed from the gold
    pa.field("contaminated_by", pa.string()),  # decontaminate: "<benchmark>/<item id>"
    pa.field("contamination_test", pa.string()),  # decontaminate: "ngram" | "masked_exact"
    pa.field("duplicate_of", pa.string()),  # dedup: id of the kept problem this one near-duplicates
    pa.field("reference_passed", pa.int32()),  # reference_solution: tests passed
    pa.field("reference_total", pa.int32()),  # reference_solution: tests run
]

PROBLEM_SCHEMA = pa.schema(PROBLEM_FIELDS, metadata={"reasoning-curator/record": f"problem/{SCHEMA_VERSION}"})
COLUMNS: tuple[str, ...] = tuple(PROBLEM_SCHEMA.names)
VERDICT_COLUMNS: tuple[str, ...] = COLUMNS[COLUMNS.index("kept"):]

# drop_reason codes, by step. The report counts rows per (step, reason) and per source.
REASONS: dict[str, tuple[str, ...]] = {
    "ingest": ("malformed_row", "undecodable", "too_deep", "too_large", "wrong_type", "no_statement", "bad_tests"),
    "proof_mc": ("proof", "multiple_choice"),
    "gold_answer": ("no_gold", "not_single_answer", "free_form_answer", "gold_unparseable", "gold_not_self_equal", "grader_error"),
    "code_tests": ("no_tests", "bad_tests"),
    "decontaminate": ("contaminated",),
    "dedup": ("near_duplicate",),
    "reference_solution": ("reference_fails", "judge_error"),
}


def new_problem(**fields: Any) -> dict[str, Any]:
    """A problem row with every column present; unknown keys are an error (typos would be lost columns)."""
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not problem columns: {sorted(unknown)}")
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row["kept"] = True
    row.update(fields)
    return row


def drop(row: dict[str, Any], step: str, reason: str, detail: str | None = None) -> None:
    """Mark a row dropped by `step` for `reason` (the first drop wins; later steps skip dropped rows)."""
    assert step in STEPS and reason in REASONS[step], (step, reason)
    row["kept"] = False
    row["drop_step"] = step
    row["drop_reason"] = reason
    row["drop_detail"] = detail


def to_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=PROBLEM_SCHEMA)
