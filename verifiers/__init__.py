"""Verifiers: a leaf. Grade, judge and (later) reward and difficulty functions; no jobs, executors,
datatrove or dask. Imports only `core`.

- `verifiers.math`: `grade`, `grade_many`, `parse_gold` (rule-based math grader)
- `verifiers.code`: `run_tests`, `judge_many`, `Judge` (sandboxed code judge; `python -m verifiers.code serve`)
"""

__all__ = ["math", "code"]
