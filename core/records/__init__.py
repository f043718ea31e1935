"""Every record schema of the project, in one place (documented in docs/ARCHITECTURE.md).

One module per record, each with its `SCHEMA_VERSION` (pyarrow schemas also carry it in their
metadata under `reasoning-curator/record`):

- `core.records.document`: `DOCUMENT_SCHEMA`, `REJECTED_SCHEMA` (crawl shards; pyarrow)
- `core.records.problem`: `PROBLEM_SCHEMA`, `new_problem`, `drop`, `to_table` (RL problems; pyarrow)
- `core.records.grade`: `Grade`, `GRADE_ARROW_TYPE` (math grader verdict)
- `core.records.test_result`: `TestResult`, `TEST_RESULT(S)_ARROW_TYPE` (code judge verdict per test)
- `core.records.rollout`: `Rollout` (pydantic), `ROLLOUT_SCHEMA` (model responses with rewards)
- `core.records.manifest`: `Manifest` (pydantic; the mixture manifest the trainer reads)
- `core.records.synthetic`: `SYNTHETIC_SCHEMA`, `SYNTHETIC_REJECTED_SCHEMA`, `new_record` (synth job output: the crawl's columns + provenance; pyarrow)

Nothing is imported here: a grading worker importing `core.records.grade` must not pay for pyarrow.
"""

__all__ = ["document", "problem", "grade", "test_result", "rollout", "manifest", "synthetic"]
