"""Verifiers: a leaf. Grade, judge, reward and difficulty functions; no jobs, executors,
datatrove or dask. Imports only `core`.

- `verifiers.math`: `grade`, `grade_many`, `parse_gold` (rule-based math grader)
- `verifiers.code`: `run_tests`, `judge_many`, `Judge` (sandboxed code judge; `python -m verifiers.code serve`)
- `verifiers.rewards`: `code_reward` (strict / soft test-difficulty reward), `math_reward`
- `verifiers.difficulty`: `Thresholds`, `label`, `decide` (early termination), `cluster_test_levels`,
  `per_test_pass_rates`, `EasyPoolSampler`, `is_informative` / `dynamic_sampling_filter`
"""

__all__ = ["math", "code", "rewards", "difficulty"]
