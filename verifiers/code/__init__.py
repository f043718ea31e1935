"""Sandboxed code judge: run untrusted solutions against tests, one verdict per test.

    from verifiers.code import run_tests, judge_many
    run_tests(code, {"inputs": ["1 2\\n"], "outputs": ["3\\n"]})        # stdin/stdout
    run_tests(code, {"inputs": [[1, 2]], "outputs": [3], "fn_name": "add"})  # call-based
    run_tests(code, {"assert_code": check_src, "entry_point": "add"})     # HumanEval
    run_tests(code, {"asserts": ["assert add(1, 2) == 3"]})               # MBPP
    judge_many([{"code": ..., "tests": ...}, ...], workers=2)

Isolation is bubblewrap (see docs/code_judge.md); without it the judge refuses to run unless
allow_unsandboxed=True. Service mode: `python -m verifiers.code serve`; client: JudgeClient.
"""
from verifiers.code.compare import Checker, make_checker, tokens_equal
from verifiers.code.judge import Judge, JudgeJob, judge_many, run_tests
from core.records.test_result import STATUSES, TEST_RESULT_ARROW_TYPE, TEST_RESULTS_ARROW_TYPE, Status, TestResult
from verifiers.code.sandbox import SandboxConfig, SandboxUnavailable, sandbox_problem
from verifiers.code.spec import humaneval_job, mbpp_job, parse_tests

__all__ = [
    "run_tests", "judge_many", "Judge", "JudgeJob", "TestResult", "Status", "STATUSES",
    "TEST_RESULT_ARROW_TYPE", "TEST_RESULTS_ARROW_TYPE", "SandboxConfig", "SandboxUnavailable",
    "sandbox_problem", "Checker", "make_checker", "tokens_equal", "parse_tests", "humaneval_job", "mbpp_job",
]
