"""Sandboxed code judge: run untrusted solutions against tests, one verdict per test.

    from verifiers.code import run_tests, judge_many
    run_tests(code, {"inputs": ["1 2\\n"], "outputs": ["3\\n"]})        # stdin/stdout
    run_tests(code, {"inputs": [[1, 2]], "outputs": [3], "fn_name": "add"})  # call-based
    run_tests(code, {"assert_code": check_src, "entry_point": "add"})     # HumanEval
    run_tests(code, {"asserts": ["assert add(1, 2) == 3"]})               # MBPP
    judge_many([{"code": ..., "tests": ...}, ...], workers=2)

Public API (everything else is internal): run_tests, judge_many, Judge (a long-lived pool),
JudgeJob, TestResult (+ STATUSES and its Arrow types), Checker (the type of a custom output
checker), SandboxConfig, SandboxUnavailable, sandbox_problem, and the dataset adapters
humaneval_job / mbpp_job. Service: `python -m verifiers.code serve`, client
`verifiers.code.service.JudgeClient`. Isolation and threat model: docs/code_judge.md.
"""
from core.records.test_result import STATUSES, TEST_RESULT_ARROW_TYPE, TEST_RESULTS_ARROW_TYPE, TestResult
from verifiers.code.compare import Checker
from verifiers.code.judge import Judge, JudgeJob, judge_many, run_tests
from verifiers.code.sandbox import SandboxConfig, SandboxUnavailable, sandbox_problem
from verifiers.code.spec import humaneval_job, mbpp_job

__all__ = [
    "run_tests", "judge_many", "Judge", "JudgeJob", "TestResult", "STATUSES", "TEST_RESULT_ARROW_TYPE",
    "TEST_RESULTS_ARROW_TYPE", "Checker", "SandboxConfig", "SandboxUnavailable", "sandbox_problem",
    "humaneval_job", "mbpp_job",
]
