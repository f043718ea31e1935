"""CLI: judge a file of solutions, or serve the judge over HTTP.

    python -m verifiers.code run PROBLEMS.jsonl SOLUTIONS.jsonl -o RESULTS.jsonl [--workers 2]
    python -m verifiers.code serve [--host 127.0.0.1] [--port 8000] [--workers 2] [--sandboxes 1]

PROBLEMS.jsonl: one problem a line, {"id", "tests", "timeout_s"?, "memory_mb"?, "checker"?};
HumanEval records (task_id, prompt, test, entry_point) and MBPP records (task_id, test_list)
are accepted as they are. SOLUTIONS.jsonl: {"problem_id" (or "task_id"/"id"), "code"} or
human-eval samples {"task_id", "completion"} (the prompt is prepended); "solution_id" optional.
RESULTS.jsonl gets one line per solution line, in order, written atomically: "results" (one
TestResult per test), "passed" (all tests), "pass_rate"; lines that cannot be judged get
"error" and "error_kind" instead, and are counted by kind in the summary on stderr.
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import sys
from pathlib import Path
from typing import Any

from core.io import atomic_open
from core.progress import bar
from verifiers.code.judge import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Judge
from verifiers.code.sandbox import SandboxConfig, SandboxUnavailable
from verifiers.code.compare import make_checker
from verifiers.code.spec import parse_tests


def _read_jsonl(path: Path, what: str) -> list[tuple[int, Any, str | None]]:
    """(line number, record or None, error) for every non-blank line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not a JSON object")
                out.append((n, rec, None))
            except ValueError as exc:
                out.append((n, None, f"{what} line {n}: invalid JSON ({exc})"))
    return out


def _problem_id(rec: dict[str, Any]) -> Any:
    for key in ("id", "task_id", "problem_id"):
        if key in rec:
            return rec[key]
    return None


def _problem_job(rec: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Problem record -> job settings (tests, limits); HumanEval/MBPP records adapted."""
    if "tests" in rec:
        tests = rec["tests"]
    elif "test" in rec and "entry_point" in rec:
        tests = {"assert_code": rec["test"], "entry_point": rec["entry_point"], "prelude": rec.get("prompt") or ""}
    elif "test_list" in rec:
        setup = rec.get("test_setup_code") or "\n".join(rec.get("test_imports") or [])
        tests = {"asserts": rec["test_list"], "setup_code": setup}
    else:
        raise ValueError("problem has no 'tests' (nor HumanEval 'test' or MBPP 'test_list')")
    parse_tests(tests)  # validate once, up front
    make_checker(rec.get("checker", args.checker))
    return {
        "tests": tests,
        "prompt": rec.get("prompt", "") if "entry_point" in rec else "",
        "timeout_s": float(rec.get("timeout_s", args.timeout_s)),
        "memory_mb": int(rec.get("memory_mb", args.memory_mb)),
        "checker": rec.get("checker", args.checker),
    }


def cmd_run(args: argparse.Namespace) -> int:
    problems: dict[Any, dict[str, Any]] = {}
    bad_problems: dict[Any, str] = {}
    for n, rec, err in _read_jsonl(args.problems, "problems"):
        if err:
            print(err, file=sys.stderr)
            continue
        pid = _problem_id(rec)
        try:
            if pid is None:
                raise ValueError("no 'id'")
            problems[pid] = _problem_job(rec, args)
        except (ValueError, TypeError) as exc:
            bad_problems[pid] = f"invalid problem {pid!r} (line {n}): {exc}"
    rows: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    job_rows: list[int] = []
    for n, rec, err in _read_jsonl(args.solutions, "solutions"):
        row: dict[str, Any] = {"line": n}
        rows.append(row)
        if err:
            row.update(error=err, error_kind="invalid_json")
            continue
        pid = next((rec[k] for k in ("problem_id", "task_id", "id") if k in rec), None)
        row.update(problem_id=pid, solution_id=rec.get("solution_id", n))
        if pid in bad_problems:
            row.update(error=bad_problems[pid], error_kind="invalid_problem")
        elif pid not in problems:
            row.update(error=f"unknown problem id {pid!r}", error_kind="unknown_problem")
        elif not isinstance(rec.get("code", rec.get("completion")), str):
            row.update(error="solution has no string 'code' (or 'completion')", error_kind="no_code")
        else:
            p = problems[pid]
            code = rec["code"] if "code" in rec else p["prompt"] + rec["completion"]
            jobs.append({"code": code, **{k: p[k] for k in ("tests", "timeout_s", "memory_mb", "checker")}})
            job_rows.append(len(rows) - 1)
    cfg = SandboxConfig(python_paths=tuple(args.python_path))
    try:
        judge = Judge(args.workers, cfg, allow_unsandboxed=args.unsafe_no_sandbox)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    statuses: collections.Counter[str] = collections.Counter()
    passed = 0
    with judge, bar(len(jobs), "judge", "solution") as shown:
        for i, results in judge.iter_judge(jobs):
            row = rows[job_rows[i]]
            row["n_tests"] = len(results)
            row["passed"] = all(r.passed for r in results)
            row["pass_rate"] = sum(r.passed for r in results) / len(results)
            row["results"] = [r.to_dict() for r in results]
            statuses.update(r.status for r in results)
            passed += row["passed"]
            shown.set_postfix_str(f"{passed:,} passed every test", refresh=False)
            shown.update()
    _write_atomic(args.output, rows)
    errors = collections.Counter(r["error_kind"] for r in rows if "error_kind" in r)
    print(json.dumps({
        "solutions": len(rows), "judged": len(jobs), "all_tests_passed": sum(1 for r in rows if r.get("passed")),
        "test_statuses": dict(statuses), "not_judged": dict(errors), "isolated": judge.isolated,
        "output": str(args.output),
    }, indent=1), file=sys.stderr)
    return 0


def _write_atomic(path: Path, rows: list[dict[str, Any]]) -> None:
    with atomic_open(path) as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def cmd_serve(args: argparse.Namespace) -> int:
    from verifiers.code.service import serve

    def ready(host: str, port: int) -> None:
        print(f"serving on http://{host}:{port} (workers={args.workers}, sandboxes per worker={args.sandboxes})",
              flush=True)

    try:
        serve(args.host, args.port, workers=args.workers, sandboxes=args.sandboxes,
              python_paths=tuple(args.python_path), allow_unsandboxed=args.unsafe_no_sandbox,
              read_timeout_s=args.read_timeout_s, ready=ready)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m verifiers.code", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workers", type=int, default=2, help="run: sandboxes; serve: HTTP worker processes")
    common.add_argument("--python-path", action="append", default=[],
                        help="extra directory solutions may import from (bound read-only)")
    common.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run WITHOUT isolation when bubblewrap cannot run (dangerous)")
    run = sub.add_parser("run", parents=[common], help="judge SOLUTIONS.jsonl against PROBLEMS.jsonl")
    run.add_argument("problems", type=Path)
    run.add_argument("solutions", type=Path)
    run.add_argument("-o", "--output", type=Path, required=True)
    run.add_argument("--timeout-s", type=float, default=DEFAULT_TIMEOUT_S, help="per test, unless the problem says")
    run.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help="per test, unless the problem says")
    run.add_argument("--checker", default=None, help="tokens (default), exact, lines or float:<tol>")
    serve = sub.add_parser("serve", parents=[common], help="serve the judge over HTTP (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed)")
    serve.add_argument("--sandboxes", type=int, default=1, help="judge processes (one sandbox each) per HTTP worker")
    serve.add_argument("--read-timeout-s", type=float, default=30.0, help="a request body must arrive within this")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.workers < 1:
        ap.error("--workers must be >= 1")
    for p in getattr(args, "problems", None), getattr(args, "solutions", None):
        if p is not None and not p.is_file():
            ap.error(f"no such file: {p}")
    return cmd_run(args) if args.cmd == "run" else cmd_serve(args)


if __name__ == "__main__":
    sys.exit(main())
