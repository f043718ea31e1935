"""Correctness on real data: HumanEval canonical solutions, MBPP reference solutions, and
deliberately broken versions of both (a wrapper that perturbs every return value)."""
from __future__ import annotations

import ast
import collections
import gzip
import json
import re
import warnings

import pytest

from verifiers.code import humaneval_job, mbpp_job

pytestmark = pytest.mark.sandbox

# Appended to a correct solution: same name, wrong answers (bool flipped, number + 1, ...).
PERTURB = '''
def _rc_perturb(r):
    if isinstance(r, bool): return not r
    if isinstance(r, (int, float)): return r + 1
    if isinstance(r, str): return r + "x"
    if isinstance(r, list): return r + [None]
    if isinstance(r, tuple): return r + (None,)
    if isinstance(r, (set, frozenset)): return set(r) | {None}
    if isinstance(r, dict): return dict(r, _rc=None)
    if r is None: return 0
    return None
_rc_orig = NAME
def NAME(*args, **kwargs):
    return _rc_perturb(_rc_orig(*args, **kwargs))
'''


def broken(code: str, name: str) -> str:
    return code + "\n" + PERTURB.replace("NAME", name)


def mbpp_entry(rec) -> str:
    """The reference solution's function that the first assert calls."""
    with warnings.catch_warnings():  # some references have invalid escape sequences
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(rec["code"])
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    return next(n for n in names if re.search(rf"\b{n}\s*\(", rec["test_list"][0]))




@pytest.fixture(scope="module")
def humaneval(shared_data):
    with gzip.open(shared_data / "code/HumanEval.jsonl.gz", "rt") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def mbpp(shared_data):
    return [json.loads(line) for line in (shared_data / "code/mbpp.jsonl").open()]


# MBPP publishes no time limit, and one reference solution is slower than LiveCodeBench's 6 s
# default on this machine: MBPP 123 (amicable numbers to 9999) takes ~7 s of CPU on an idle
# 2.4 GHz core. These tests check the judge's verdicts on reference solutions, not their speed.
MBPP_TIMEOUT_S = 20.0


def _jobs(pairs, timeout_s: float | None = None):
    extra = {} if timeout_s is None else {"timeout_s": timeout_s}
    return [{"code": code, "tests": tests, **extra} for code, tests in pairs]


def _rejudge_timeouts(judge, jobs, res):
    """Judge once more the jobs whose only failures are timeouts. A reference solution near the
    CPU limit (MBPP 123 sums amicable numbers to 9999) can hit the wall-clock cap on a machine
    loaded by the rest of the suite; a wrong answer or an error is never retried."""
    redo = [i for i, x in enumerate(res) if any(not t.passed for t in x)
            and all(t.passed or t.status == "timeout" for t in x)]
    for i, again in zip(redo, judge.judge_many([jobs[i] for i in redo]) if redo else []):
        res[i] = again
    return res


def test_humaneval_canonical_solutions_all_pass(judge, humaneval):
    assert len(humaneval) == 164
    res = judge.judge_many(_jobs(humaneval_job(r) for r in humaneval))
    failed = {r["task_id"]: x[0] for r, x in zip(humaneval, res) if not x[0].passed}
    assert failed == {}
    assert {x[0].decided_by for x in res} == {"checker"}  # decided outside the solution's process


# "Universal" solutions: no attempt at the task, only at the judge. NAME is the function the
# tests call. None may pass a single problem.
ALWAYS_EQUAL = """
class _E:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __sub__(self, other): return 0
    __rsub__ = __abs__ = __sub__
    __hash__ = object.__hash__
def NAME(*args, **kwargs):
    return _E()
"""
UNIVERSAL = {
    "os._exit(0)": "import os\nos._exit(0)\n",
    "SystemExit": "raise SystemExit(0)\n",
    "exit inside the call": "def NAME(*args, **kwargs):\n    import os\n    os._exit(0)\n",
    "__eq__ always True": ALWAYS_EQUAL,
    "patched builtins and checker": (
        "import builtins\nclass _A(Exception): pass\nbuiltins.AssertionError = _A\n"
        "builtins.abs = lambda x: 0\nbuiltins.all = lambda x: True\n"
        "def check(candidate): pass\n" + ALWAYS_EQUAL
    ),
}


@pytest.mark.parametrize("name", sorted(UNIVERSAL))
def test_universal_solutions_fail_humaneval_and_mbpp(judge, humaneval, mbpp, name):
    he = judge.judge_many([{"code": UNIVERSAL[name].replace("NAME", r["entry_point"]),
                            "tests": humaneval_job(r)[1]} for r in humaneval])
    assert [r["task_id"] for r, x in zip(humaneval, he) if x[0].passed] == []
    recs = mbpp[:150]
    mb = judge.judge_many([{"code": UNIVERSAL[name].replace("NAME", mbpp_entry(r)), "tests": mbpp_job(r)[1]} for r in recs])
    assert [r["task_id"] for r, x in zip(recs, mb) if all(t.passed for t in x)] == []
    assert sum(t.passed for x in mb for t in x) == 0


def test_humaneval_broken_solutions_all_fail(judge, humaneval):
    jobs = [{"code": broken(c, r["entry_point"]), "tests": t} for r in humaneval for c, t in [humaneval_job(r)]]
    res = judge.judge_many(jobs)
    assert collections.Counter(x[0].status for x in res) == {"wrong_answer": 164}
    # a body that raises is a runtime error, not a wrong answer
    res = judge.judge_many(_jobs(humaneval_job(r, "    raise NotImplementedError\n") for r in humaneval[:20]))
    assert {x[0].status for x in res} == {"runtime_error"}


@pytest.mark.slow
def test_mbpp_reference_solutions_pass(judge, mbpp):
    """All 974 MBPP reference solutions pass their 3 asserts each (2,922 tests), per test."""
    jobs = _jobs((mbpp_job(r) for r in mbpp), MBPP_TIMEOUT_S)
    res = _rejudge_timeouts(judge, jobs, judge.judge_many(jobs))
    assert sum(len(x) for x in res) == 2922
    failing = {r["task_id"]: [t.detail for t in x if not t.passed] for r, x in zip(mbpp, res) if not all(t.passed for t in x)}
    assert failing == {}


@pytest.mark.slow
def test_sanitized_mbpp_reference_solutions_pass(judge, shared_data):
    recs = json.loads((shared_data / "code/sanitized-mbpp.json").read_text())
    jobs = _jobs((mbpp_job(r) for r in recs), MBPP_TIMEOUT_S)  # test_imports become the setup code
    res = _rejudge_timeouts(judge, jobs, judge.judge_many(jobs))
    failing = {r["task_id"]: [t.detail for t in x if not t.passed] for r, x in zip(recs, res) if not all(t.passed for t in x)}
    assert len(recs) == 427 and failing == {}


def test_mbpp_broken_solutions_fail(judge, mbpp):
    recs = mbpp[:150]
    jobs = [{"code": broken(c, mbpp_entry(r)), "tests": t} for r in recs for c, t in [mbpp_job(r)]]
    res = judge.judge_many(jobs)
    statuses = collections.Counter(t.status for x in res for t in x)
    assert not [r["task_id"] for r, x in zip(recs, res) if all(t.passed for t in x)]  # no problem fully passes
    assert statuses["passed"] <= 0.01 * sum(statuses.values())  # a few asserts are too loose to notice
    assert statuses["wrong_answer"] >= 0.95 * sum(statuses.values())
