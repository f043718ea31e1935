"""Judging real solutions in the sandbox: every test mode, every status, real judge packages."""
from __future__ import annotations

import json
import math
import os
import posixpath

import pytest

from tests.conftest import require_or_skip
from verifiers.code import Judge, SandboxConfig, run_tests, sandbox_problem
from verifiers.code.compare import make_checker

pytestmark = pytest.mark.sandbox




ADD_STDIO = "a, b = map(int, input().split())\nprint(a + b)\n"


def test_stdio_per_test_results(judge):
    tests = {"inputs": ["1 2\n", "10 20\n", "5 5\n"], "outputs": ["3\n", "30\n", "11\n"]}
    res = judge.run_tests(ADD_STDIO, tests)
    assert [r.status for r in res] == ["passed", "passed", "wrong_answer"]
    assert [r.passed for r in res] == [True, True, False]
    assert all(0 < r.time_s < 5 for r in res)


def test_every_status(judge):
    t = {"inputs": ["1 2\n"], "outputs": ["3\n"]}
    cases = {
        "passed": ADD_STDIO,
        "wrong_answer": "print(4)",
        "timeout": "while True: pass",
        "runtime_error": "raise KeyError('boom')",
        "memory_limit": "x = bytearray(600 << 20)",
        "compile_error": "def f(:\n  pass",
    }
    for want, code in cases.items():
        (r,) = judge.run_tests(code, t, timeout_s=1.0, memory_mb=256)
        assert r.status == want, (want, r)
    (r,) = judge.run_tests("raise KeyError('boom')", t)
    assert "KeyError" in r.stderr and "boom" in r.detail


def test_exit_codes_and_exit_builtin(judge):
    t = {"inputs": [""], "outputs": ["hi\n"]}
    assert judge.run_tests("print('hi'); exit()", t)[0].status == "passed"  # exit() exists despite -S
    assert judge.run_tests("import sys; print('hi'); sys.exit(3)", t)[0].status == "runtime_error"
    assert judge.run_tests("import os; os._exit(0)", t)[0].status == "wrong_answer"  # no output


def test_compile_error_marks_every_test(judge):
    res = judge.run_tests("print(", {"inputs": ["1\n"] * 4, "outputs": ["1\n"] * 4})
    assert [r.status for r in res] == ["compile_error"] * 4
    assert "SyntaxError" in res[0].detail


def test_state_does_not_leak_between_tests(judge):
    # each test forks a fresh process: module state and files from test 1 are gone in test 2
    code = (
        "import os\n"
        "print(os.path.exists('/tmp/marker'))\n"
        "open('/tmp/marker', 'w').write('x')\n"
    )
    res = judge.run_tests(code, {"inputs": ["", ""], "outputs": ["False\n", "False\n"]})
    assert [r.status for r in res] == ["passed", "passed"]


def test_call_based_apps_and_livecodebench_forms(judge):
    code = "def add(a, b):\n    return [a + b, (a, b)]\n"
    res = judge.run_tests(code, {"fn_name": "add", "inputs": [[1, 2], "3\n4"], "outputs": [[[3, [1, 2]]], "[7, [3, 4]]"]})
    assert [r.status for r in res] == ["passed", "passed"]
    (r,) = judge.run_tests(code, {"fn_name": "add", "inputs": [[1, 2]], "outputs": [[4, [1, 2]]]})
    assert r.status == "wrong_answer" and "3" in r.detail
    leet = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1] if nums[0] + nums[1] == target else [1, 2]\n"
    res = judge.run_tests(leet, {"fn_name": "twoSum", "inputs": ["[2, 7, 11]\n9", "[1, 3, 4]\n7"], "outputs": ["[0, 1]", "[1, 2]"]})
    assert [r.status for r in res] == ["passed", "passed"]
    (r,) = judge.run_tests("def other(): pass", {"fn_name": "add", "inputs": [[1, 2]], "outputs": [3]})
    assert r.status == "runtime_error" and "add" in r.detail


def test_assert_styles(judge):
    code = "def sq(x):\n    return x * x\n"
    res = judge.run_tests(code, {"asserts": ["assert sq(2) == 4", "assert sq(3) == 10", "assert sq(m.floor(2.5)) == 4"],
                                 "setup_code": "import math as m"})
    assert [r.status for r in res] == ["passed", "wrong_answer", "passed"]
    check = "def check(candidate):\n    assert candidate(3) == 9\n    assert candidate(-2) == 4\n"
    assert judge.run_tests(code, {"assert_code": check, "entry_point": "sq"})[0].status == "passed"
    bad = "def sq(x):\n    return x + x\n"
    assert judge.run_tests(bad, {"assert_code": check, "entry_point": "sq"})[0].status == "wrong_answer"
    # a broken test is the judge's problem, not a compile error of the solution
    res = judge.run_tests(code, ["assert sq(2) == 4", "assert sq(2) =="])
    assert [r.status for r in res] == ["passed", "sandbox_error"] and "test code" in res[1].detail
    # leaving before the checks run is not a pass
    sneaky = "import sys\ndef sq(x):\n    return 0\nsys.exit(0)\n"
    assert judge.run_tests(sneaky, {"assert_code": check, "entry_point": "sq"})[0].status == "runtime_error"
    quitter = "import os\ndef sq(x):\n    return 0\nos._exit(0)\n"
    assert judge.run_tests(quitter, {"assert_code": check, "entry_point": "sq"})[0].status == "runtime_error"


def test_bad_input_is_rejected_clearly(judge):
    with pytest.raises(ValueError, match="unsupported language"):
        judge.run_tests("x", ["assert True"], language="cpp")
    with pytest.raises(ValueError, match="timeout_s"):
        judge.run_tests("x", ["assert True"], timeout_s=0)
    with pytest.raises(ValueError, match="outputs"):
        judge.run_tests("x", {"inputs": ["1"], "outputs": ["1", "2"]})
    out = judge.judge_many([{"code": "x"}, {"code": "print(1)", "tests": {"inputs": [""], "outputs": ["1"]}}])
    assert out[0][0].status == "sandbox_error" and "invalid job" in out[0][0].detail
    assert out[1][0].status == "passed"  # one bad job does not lose the others


def test_judge_many_keeps_order_and_per_test_results(judge):
    jobs = [{"code": f"print(int(input()) * {k})", "tests": {"inputs": ["1\n", "2\n"], "outputs": [f"{k}\n", "4\n"]}}
            for k in range(8)]
    out = judge.judge_many(jobs)
    assert len(out) == 8
    for k, res in enumerate(out):
        assert [r.passed for r in res] == [True, k == 2]


def test_module_level_run_tests():
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    assert run_tests(ADD_STDIO, {"inputs": ["2 2\n"], "outputs": ["4\n"]})[0].passed


# --- real judge packages (Kattis problemtools, DOMjudge) -------------------------------------

SOLUTIONS = {
    "kattis-different": "import sys\nfor line in sys.stdin:\n    if line.strip():\n        a, b = map(int, line.split())\n        print(abs(a - b))\n",
    "kattis-hello": "print('Hello World!')\n",
    "kattis-oddecho": "n = int(input())\nw = [input() for _ in range(n)]\nprint('\\n'.join(w[::2]))\n",
    "domjudge-fltcmp": (
        "n = int(input())\n"
        "for _ in range(n):\n"
        "    x = float(input())\n"
        "    print('inf' if x == 0 else 1 / x)\n"
    ),
    "domjudge-hello": "print('Hello world!')\n",
}


def _package_tests(p):
    """Inputs/outputs of a package; git symlinks (stored as their target path, e.g.
    '../subtask1/1.in' in Kattis oddecho) are resolved to the test they point at."""
    by_name = {t["name"]: t for t in p["tests"]}

    def resolve(t, key):
        text = t[key]
        if text.startswith("../") and text.rstrip().endswith((".in", ".ans")) and "\n" not in text.strip():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(t["name"]), text.strip()))
            return by_name[target.rsplit(".", 1)[0]][key]
        return text

    tests = {"inputs": [resolve(t, "input") for t in p["tests"]], "outputs": [resolve(t, "output") for t in p["tests"]]}
    if "float_tolerance" in p["validation"]:
        tests["checker"] = "float:" + p["validation"].split("float_tolerance")[1].split()[0]
    return tests


def test_judge_packages_reference_solutions(judge, shared_data):
    packages = json.loads((shared_data / "code/stdio/judge_problems.json").read_text())
    assert {p["id"] for p in packages} == set(SOLUTIONS)
    for p in packages:
        res = judge.run_tests(SOLUTIONS[p["id"]], _package_tests(p))
        assert len(res) == len(p["tests"])
        assert all(r.passed for r in res), (p["id"], [r for r in res if not r.passed])


def test_float_tolerance_package_rejects_imprecise_answers(judge, shared_data):
    (p,) = [p for p in json.loads((shared_data / "code/stdio/judge_problems.json").read_text()) if p["id"] == "domjudge-fltcmp"]
    tests = _package_tests(p)
    assert tests["checker"] == "float:1E-6"
    sloppy = SOLUTIONS["domjudge-fltcmp"].replace("1 / x", "1 / x + 1e-3")
    close = SOLUTIONS["domjudge-fltcmp"].replace("1 / x", "1 / x + 1e-9")
    assert not any(r.passed for r in judge.run_tests(sloppy, tests)[1:3])
    assert all(r.passed for r in judge.run_tests(close, tests))
    # without the tolerance, 0.5 does not match the package's 0.50000000001
    assert not all(r.passed for r in judge.run_tests(SOLUTIONS["domjudge-fltcmp"], tests, checker="exact"))


def test_wrong_solutions_fail_on_judge_packages(judge, shared_data):
    packages = {p["id"]: p for p in json.loads((shared_data / "code/stdio/judge_problems.json").read_text())}
    res = judge.run_tests("import sys\nfor line in sys.stdin:\n    a, b = map(int, line.split())\n    print(b - a)\n",
                          _package_tests(packages["kattis-different"]))
    assert not all(r.passed for r in res)
    res = judge.run_tests("n = int(input())\nw = [input() for _ in range(n)]\nprint('\\n'.join(w[1::2]))\n",
                          _package_tests(packages["kattis-oddecho"]))
    assert not any(r.passed for r in res)


# --- TACO problems (Codeforces statements with sample tests) -----------------------------------

def _taco(shared_data, task_id):
    for line in (shared_data / "code/stdio/taco_statement_samples.jsonl").open():
        rec = json.loads(line)
        if rec["task_id"] == task_id:
            return rec
    raise KeyError(task_id)


def test_taco_exact_answer_problem(judge, shared_data):
    rec = _taco(shared_data, 0)  # benches: C(n,5)^2 * 5!
    assert rec["special_judge"] is False
    tests = {"inputs": [t["input"] for t in rec["tests"]] + ["6\n", "100\n"],
             "outputs": [t["output"] for t in rec["tests"]] + [f"{math.comb(6, 5) ** 2 * 120}\n", f"{math.comb(100, 5) ** 2 * 120}\n"]}
    good = "import math\nn = int(input())\nprint(math.comb(n, 5) ** 2 * 120)\n"
    assert all(r.passed for r in judge.run_tests(good, tests))
    bad = "import math\nn = int(input())\nprint(math.comb(n, 5) * 120)\n"
    assert [r.passed for r in judge.run_tests(bad, tests)] == [True, False, False]


GOOD_PERMUTATION = """
import math
def solve(n):
    p = [0] * n
    r = n - 1
    while r >= 0:
        s = math.isqrt(r)
        s = s * s if s * s >= r else (s + 1) ** 2
        for i in range(s - r, r + 1):
            p[i] = s - i
        r = s - r - 1
    return p
t = int(input())
for _ in range(t):
    print(*solve(int(input())))
"""


def _permutation_checker(inp, expected, actual):
    """Special judge for TACO task 5: any permutation with p_i + i a perfect square."""
    ns = [int(x) for x in inp.split()[1:]]
    lines = actual.strip().splitlines()
    if len(lines) != len(ns):
        return False
    for n, line in zip(ns, lines):
        p = [int(x) for x in line.split()]
        if p == [-1]:
            return False  # a solution always exists for this problem
        if sorted(p) != list(range(n)) or any(math.isqrt(v + i) ** 2 != v + i for i, v in enumerate(p)):
            return False
    return True


def test_taco_special_judge_problem_uses_the_checker_hook(judge, shared_data):
    rec = _taco(shared_data, 5)
    assert rec["special_judge"] is True
    tests = {"inputs": [t["input"] for t in rec["tests"]] + ["1\n9\n"], "outputs": [t["output"] for t in rec["tests"]] + [""]}
    # the reference output itself is accepted by the checker
    assert _permutation_checker(tests["inputs"][0], "", tests["outputs"][0])
    res = judge.run_tests(GOOD_PERMUTATION, tests, checker=_permutation_checker)
    assert [r.status for r in res] == ["passed", "passed"]
    # n=9 has two valid answers; the other one differs token-wise yet is accepted
    other = GOOD_PERMUTATION.replace("print(*solve(int(input())))", "n = int(input()); print(*solve(n)) if n != 9 else print('1 0 7 6 5 4 3 2 8')")
    assert not make_checker("tokens")("", "0 8 7 6 5 4 3 2 1", "1 0 7 6 5 4 3 2 8")
    assert judge.run_tests(other, tests, checker=_permutation_checker)[1].passed
    assert not judge.run_tests(other, {"inputs": ["1\n9\n"], "outputs": ["0 8 7 6 5 4 3 2 1\n"]})[0].passed
    wrong = "t = int(input())\nfor _ in range(t):\n    n = int(input())\n    print(*range(n))\n"
    assert [r.status for r in judge.run_tests(wrong, tests, checker=_permutation_checker)] == ["wrong_answer"] * 2


def test_extra_python_paths_are_importable_and_nothing_else_is_visible(tmp_path):
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    np = pytest.importorskip("numpy")
    site_dir = str(__import__("pathlib").Path(np.__file__).parents[1])
    if os.path.realpath(site_dir).startswith("/tmp/"):  # refused: hidden by each test's own /tmp (next test)
        pytest.skip(f"numpy's site-packages {site_dir} is under /tmp (this checkout lives there)")
    code = "import os, numpy as np\nprint(int(np.arange(int(input())).sum()), os.path.exists(os.path.join(os.path.dirname(np.__file__), '..', '..', '..', '..', 'pyvenv.cfg')))\n"
    tests = {"inputs": ["10\n"], "outputs": ["45 False\n"]}
    with Judge(workers=1, config=SandboxConfig(python_paths=(site_dir,))) as j:
        assert j.run_tests(code, tests)[0].status == "passed"
    with Judge(workers=1) as j:  # by default only the standard library is importable
        (r,) = j.run_tests(code, tests)
        assert r.status == "runtime_error" and "numpy" in r.detail


def test_python_paths_under_tmp_are_refused():
    """Every test gets its own empty /tmp and /dev/shm, which would hide an import dir there."""
    import tempfile

    with tempfile.TemporaryDirectory(dir="/tmp") as under_tmp:
        with pytest.raises(ValueError, match="under /tmp or /dev/shm"):
            SandboxConfig(python_paths=(under_tmp,))


def test_default_judge_works_in_forked_workers():
    """Pipelines fork worker processes; each must get its own sandboxes, and the parent's
    default judge must survive its children exiting."""
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    import multiprocessing

    tests = {"inputs": ["2 3\n"], "outputs": ["5\n"]}
    assert run_tests(ADD_STDIO, tests)[0].passed  # parent's default judge is now warm
    with multiprocessing.get_context("fork").Pool(2) as pool:
        statuses = pool.starmap(_judge_in_child, [(ADD_STDIO, tests), ("print(0)", tests)])
    assert statuses == ["passed", "wrong_answer"]
    assert run_tests(ADD_STDIO, tests)[0].passed  # still usable after the children exited


def _judge_in_child(code, tests):
    return run_tests(code, tests)[0].status
