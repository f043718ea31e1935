"""run_tests / judge_many: a pool of warm sandboxes, per-test verdicts, output comparison."""
from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import reprlib
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from verifiers.code._zygote import Opaque, decode_value, encode_value
from verifiers.code.compare import Checker, call_result_matches, make_checker
from core.records.test_result import TestResult, make_result
from verifiers.code.sandbox import (
    Sandbox,
    SandboxConfig,
    SandboxDied,
    SandboxError,
    SandboxUnresponsive,
    resolve_isolation,
)
from verifiers.code.spec import TestSpec, parse_tests

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 6.0  # CPU seconds per test (LiveCodeBench's default); wall caps in _zygote.py
DEFAULT_MEMORY_MB = 1024  # per test address space (SandboxFusion's default)
LANGUAGES = ("python",)
_SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}


@dataclass(frozen=True)
class JudgeJob:
    """One solution to judge: the dict form {"code", "tests", ...} is accepted too."""

    code: str
    tests: Any
    language: str = "python"
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    checker: str | Checker | None = None

    @classmethod
    def coerce(cls, job: "JudgeJob | dict[str, Any]") -> "JudgeJob":
        if isinstance(job, JudgeJob):
            return job
        if not isinstance(job, dict) or "code" not in job or "tests" not in job:
            raise ValueError("a job must be a JudgeJob or a dict with 'code' and 'tests'")
        known = {"code", "tests", "language", "timeout_s", "memory_mb", "checker"}
        return cls(**{k: v for k, v in job.items() if k in known})


class SandboxPool:
    """Up to `size` warm sandboxes, started on demand and kept for reuse across jobs."""

    def __init__(self, size: int, cfg: SandboxConfig, isolate: bool, prewarm: bool = True) -> None:
        if size < 1:
            raise ValueError("pool size must be >= 1")
        self.cfg, self.isolate, self.size = cfg, isolate, size
        self._idle: queue.LifoQueue[Sandbox] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._all: set[Sandbox] = set()
        self._closed = False
        if prewarm:
            with ThreadPoolExecutor(size) as ex:
                for sb in ex.map(lambda _: self._start(), range(size)):
                    self._idle.put(sb)

    def _start(self) -> Sandbox:
        sb = Sandbox(self.cfg, self.isolate)
        with self._lock:
            self._all.add(sb)
        return sb

    def acquire(self) -> Sandbox:
        self._slots.acquire()
        if self._closed:
            self._slots.release()
            raise RuntimeError("the judge is closed")
        try:
            sb = self._idle.get_nowait()
        except queue.Empty:
            try:
                return self._start()
            except BaseException:
                self._slots.release()
                raise
        return sb if sb.alive else self.replace(sb)

    def replace(self, sb: Sandbox) -> Sandbox:
        """Throw `sb` away and start a fresh one in its slot (the caller keeps the slot)."""
        self._discard(sb)
        return self._start()

    def release(self, sb: Sandbox | None) -> None:
        if sb is not None:
            if self._closed or not sb.alive or sb.jobs_done >= self.cfg.max_jobs:
                self._discard(sb)
            else:
                self._idle.put(sb)
        self._slots.release()

    def _discard(self, sb: Sandbox) -> None:
        sb.close()
        with self._lock:
            self._all.discard(sb)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            boxes = list(self._all)
            self._all.clear()
        for sb in boxes:
            sb.close()


class Judge:
    """A pool of warm sandboxes plus the judging logic. Thread-safe; close() when done."""

    def __init__(self, workers: int = 1, config: SandboxConfig | None = None, *,
                 allow_unsandboxed: bool = False, prewarm: bool = True) -> None:
        self.config = config or SandboxConfig()
        self.isolated = resolve_isolation(allow_unsandboxed, self.config)
        self.workers = workers
        self._pid = os.getpid()
        self.pool = SandboxPool(workers, self.config, self.isolated, prewarm=prewarm)

    def __enter__(self) -> "Judge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if os.getpid() == self._pid:  # a forked child must not kill its parent's sandboxes
            self.pool.close()

    def run_tests(self, code: str, tests: Any, *, language: str = "python",
                  timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
                  checker: str | Checker | None = None) -> list[TestResult]:
        """Run every test of `tests` against `code`; one TestResult per test, in order."""
        if os.getpid() != self._pid:
            raise RuntimeError("this Judge was created in another process (before a fork); create one here")
        if not isinstance(code, str):
            raise ValueError(f"code must be a string, got {type(code).__name__}")
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; supported: {LANGUAGES}")
        if not 0 < float(timeout_s) <= 600:
            raise ValueError(f"timeout_s must be in (0, 600], got {timeout_s}")
        if not 32 <= int(memory_mb) <= 65536:  # below ~32 MB the interpreter itself does not fit
            raise ValueError(f"memory_mb must be in [32, 65536], got {memory_mb}")
        spec = parse_tests(tests)
        if checker is None and isinstance(tests, dict):
            checker = tests.get("checker")
        check = make_checker(checker)
        limits = {
            "timeout_s": float(timeout_s), "memory_bytes": int(memory_mb) << 20,
            "output_bytes": self.config.output_mb << 20, "stderr_bytes": self.config.stderr_bytes,
            "open_files": self.config.open_files, "processes": self.config.processes,
            "tmpfs_bytes": self.config.tmpfs_mb << 20,
        }
        return _judge_spec(self.pool, code, spec, limits, check)

    def judge_many(self, jobs: Iterable[JudgeJob | dict[str, Any]]) -> list[list[TestResult]]:
        """Judge many solutions on the pool's workers; results in job order. A job that is
        itself invalid gets one `sandbox_error` result whose detail says why."""
        return [r for _, r in sorted(self.iter_judge(jobs), key=lambda x: x[0])]

    def iter_judge(self, jobs: Iterable[JudgeJob | dict[str, Any]]) -> Iterator[tuple[int, list[TestResult]]]:
        """Like judge_many but yields (index, results) as each job finishes."""
        with ThreadPoolExecutor(self.workers) as ex:
            futures = [ex.submit(self._one, job) for job in jobs]
            for i, fut in enumerate(futures):
                yield i, fut.result()

    def _one(self, job: JudgeJob | dict[str, Any]) -> list[TestResult]:
        try:
            j = JudgeJob.coerce(job)
            return self.run_tests(j.code, j.tests, language=j.language, timeout_s=j.timeout_s,
                                  memory_mb=j.memory_mb, checker=j.checker)
        except (ValueError, TypeError) as exc:
            return [make_result("sandbox_error", detail=f"invalid job: {exc}", decided_by="judge")]
        except Exception as exc:  # a judge bug must not abort the other jobs of the batch
            log.exception("judging a job failed")
            return [make_result("sandbox_error", detail=f"judge failed: {type(exc).__name__}: {exc}"[:300], decided_by="judge")]


def _wire_payloads(spec: TestSpec) -> list[dict[str, Any]]:
    """What goes into the sandbox per test. Call arguments travel in the tagged value encoding
    (tuples stay tuples, big ints as hex: no int-digit limit on either side)."""
    if spec.mode != "call":
        return spec.payloads

    def reject(v: Any) -> Any:
        raise ValueError(f"call arguments must be data, got {type(v).__name__}")

    return [{"fn_name": p["fn_name"], "args": encode_value(p["args"], reject)} for p in spec.payloads]


def _judge_spec(pool: SandboxPool, code: str, spec: TestSpec, limits: dict[str, Any], check: Checker) -> list[TestResult]:
    n = len(spec)
    results: list[TestResult | None] = [None] * n
    payloads = _wire_payloads(spec)
    start = 0
    sb = None
    try:
        sb = pool.acquire()
        while start < n:
            checker_part = None
            if spec.mode == "assert":  # the test code goes to the checker process only
                job = {"op": "run", "mode": "assert", "code": code, "tests": [{}] * (n - start), "limits": limits}
                checker_part = {"tests": payloads[start:], "limits": limits}
            else:
                job = {"op": "run", "mode": spec.mode, "code": code, "tests": payloads[start:], "limits": limits}
            current = start
            oom_before = sb.cgroups.oom_kills()
            try:
                for frame in sb.run(job, limits["timeout_s"], checker_part):
                    if "i" not in frame:
                        if frame.get("dirty") is True:  # it could not clean up after a test
                            sb = pool.replace(sb)
                            break
                        if frame.get("done") is not True or current < n:
                            raise SandboxError(f"the sandbox finished the job after {current - start} of {n - start} tests")
                        break
                    i = start + _frame_index(frame, n - start)
                    if i != current:
                        raise SandboxError(f"frame for test {i} where test {current} was due")
                    oom = sb.cgroups.oom_kills()
                    results[i] = _classify_safely(frame, spec, i, check, limits, oom > oom_before)
                    oom_before = oom
                    current = i + 1
                    if results[i].status == "compile_error":
                        for k in range(i + 1, n):
                            results[k] = results[i]
                        current = n
                start = current
            except SandboxDied as exc:
                oom = sb.cgroups.oom_kills() > oom_before
                log.warning("sandbox died during test %d: %s %s", current, exc, sb.stderr_text()[-300:])
                # The judge processes are out of the solution's reach; only the memory cgroup's
                # OOM killer (the solution's memory use) is the solution's doing.
                if current < n:
                    results[current] = make_result(
                        "memory_limit" if oom else "sandbox_error",
                        detail="sandbox memory limit hit; the judge process was killed" if oom
                        else "the judge process inside the sandbox died", decided_by="limits" if oom else "judge")
                start = current + 1
                sb = pool.replace(sb)
            except SandboxUnresponsive:
                if current < n:
                    results[current] = make_result("sandbox_error", limits["timeout_s"],
                                                   detail="the sandbox stopped answering; replaced", decided_by="judge")
                start = current + 1
                sb = pool.replace(sb)
            except SandboxError as exc:
                # A frame the host cannot use: that test is the judge's failure, the sandbox is
                # replaced, and the remaining tests run in the new one.
                log.warning("sandbox protocol error: %s", exc)
                if current < n:
                    results[current] = make_result("sandbox_error", detail=str(exc)[:300], decided_by="judge")
                start = current + 1
                sb = pool.replace(sb)
    except SandboxError as exc:  # could not start a sandbox at all
        for k in range(n):
            if results[k] is None:
                results[k] = make_result("sandbox_error", detail=str(exc)[:300], decided_by="judge")
        if sb is not None:
            pool._discard(sb)
        sb = None
    finally:
        pool.release(sb)
    return [r if r is not None else make_result("sandbox_error", detail="no result", decided_by="judge") for r in results]


def _frame_index(frame: dict[str, Any], n: int) -> int:
    i = frame.get("i")
    if type(i) is not int or not 0 <= i < n:
        raise SandboxError(f"frame for an unknown test index {str(i)[:20]!r}")
    return i


def _classify_safely(frame: dict[str, Any], spec: TestSpec, i: int, check: Checker,
                     limits: dict[str, Any], oom_killed: bool) -> TestResult:
    try:
        return _classify(frame, spec, i, check, limits, oom_killed)
    except Exception as exc:  # a frame of the wrong shape, or a bug: this test only
        log.warning("could not classify test %d: %r", i, exc)
        return make_result("sandbox_error", detail=f"unusable result frame: {type(exc).__name__}: {exc}"[:300], decided_by="judge")


_FRAME_TYPES = {"timed_out": (bool,), "exit": (int, type(None)), "signal": (int, type(None)),
                "time_s": (int, float), "stdout": (str,), "stderr": (str,), "result": (str,)}


def _check_frame(frame: dict[str, Any]) -> None:
    for key, types in _FRAME_TYPES.items():
        if type(frame.get(key)) not in types:
            raise ValueError(f"malformed frame: {key} is {type(frame.get(key)).__name__}")
    if frame["exit"] is None and frame["signal"] is None:
        raise ValueError("malformed frame: neither an exit code nor a signal")


def _json_object(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text or len(text) > 1 << 26:
        return {}
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return obj if isinstance(obj, dict) else {}


def _json_like(value: Any) -> Any:
    """A decoded call-mode return value in the form APPS/LiveCodeBench expect (JSON data):
    tuples become lists, dict keys strings, sets a tagged sorted list."""
    t = type(value)
    if t is list or t is tuple:
        return [_json_like(v) for v in value]
    if t is dict:
        return {k if type(k) is str else str(k): _json_like(v) for k, v in value.items()}
    if t is set or t is frozenset:
        return {"__set__": sorted((_json_like(v) for v in value), key=repr)}
    return value


def _classify(frame: dict[str, Any], spec: TestSpec, i: int, check: Checker,
              limits: dict[str, Any], oom_killed: bool) -> TestResult:
    """Turn the raw outcome of test i into a verdict (all comparison happens here or in the
    trusted checker process). `decided_by` says whose evidence decided it: host (compared
    here), checker (the trusted test-code process), limits (the zygote's clock, the kernel),
    solution (a failure the solution's own process reported: it may pick which failure it is
    reported as, never a pass), judge (sandbox_error)."""
    _check_frame(frame)
    t = float(frame["time_s"])
    stderr = str(frame.get("stderr", "")).encode("latin-1", "replace").decode("utf-8", "replace")
    sig, code = frame.get("signal"), frame.get("exit")
    res = _json_object(frame.get("result"))  # written by the solution's process: untrusted
    kind = res.get("kind")

    def r(status: str, detail: str, by: str) -> TestResult:
        return make_result(status, t, stderr, detail, decided_by=by)  # type: ignore[arg-type]

    if frame.get("timed_out"):
        return r("timeout", f"time limit of {limits['timeout_s']:g}s CPU exceeded (or its wall-clock cap)", "limits")
    if sig == signal.SIGXCPU:
        return r("timeout", "CPU time limit exceeded", "limits")
    if oom_killed:
        return r("memory_limit", f"memory limit of {limits['memory_bytes'] >> 20} MB exceeded (OOM kill)", "limits")
    gone = ""
    if spec.mode == "assert":
        v = _json_object(frame.get("verdict"))
        vk = v.get("kind")
        msg = str(v.get("msg", ""))[:300]
        if vk == "ok":
            return r("passed", "", "checker")
        if vk == "assertion":
            return r("wrong_answer", f"AssertionError: {msg}".rstrip(": "), "checker")
        if vk == "bad_test":
            return r("sandbox_error", f"the test code cannot run: {v.get('type')}: {msg}", "judge")
        if vk == "too_large":
            return r("runtime_error", msg, "checker")
        if vk == "memory":
            return r("memory_limit", "the test ran out of memory on the values the solution returned", "checker")
        if vk == "exception":
            return r("runtime_error", f"{v.get('type')}: {msg}"[:300], "checker")
        if vk != "gone":
            return r("sandbox_error", "the checker process gave no verdict", "judge")
        gone = msg or "the solution exited before the tests finished"
    if kind == "compile" or code == 4:
        return r("compile_error", f"{res.get('type', 'SyntaxError')}: {res.get('msg', '')}", "solution")
    if kind == "memory" or code == 3:
        return r("memory_limit", f"memory limit of {limits['memory_bytes'] >> 20} MB exceeded", "solution")
    if sig == signal.SIGXFSZ:
        return r("runtime_error", f"killed: output/file size limit of {limits['output_bytes'] >> 20} MB exceeded", "limits")
    if sig is not None:
        return r("runtime_error", f"killed by {_SIGNAL_NAMES.get(sig, sig)}", "limits")
    if code != 0:
        if kind == "exception":
            if "[Errno 27]" in str(res.get("msg", "")):  # EFBIG: RLIMIT_FSIZE (the test is its namespace's init, so no SIGXFSZ)
                return r("runtime_error", f"output/file size limit of {limits['output_bytes'] >> 20} MB exceeded", "solution")
            return r("runtime_error", f"{res.get('type')}: {res.get('msg', '')}"[:300], "solution")
        return r("runtime_error", f"exit code {code}", "solution")
    if spec.mode == "assert":
        return r("runtime_error", gone, "checker")
    if spec.mode == "stdio":
        if frame.get("stdout_truncated"):
            return r("runtime_error", f"output larger than {limits['output_bytes'] >> 20} MB", "limits")
        out = str(frame.get("stdout", "")).encode("latin-1", "replace").decode("utf-8", "replace")
        try:
            ok = bool(check(spec.payloads[i]["stdin"], spec.expected[i], out))
        except Exception as exc:  # a broken checker is the judge's problem, not the solution's
            return r("sandbox_error", f"checker raised {type(exc).__name__}: {exc}", "judge")
        return r("passed", "", "host") if ok else r("wrong_answer", "output differs from the expected output", "host")
    if frame.get("result_truncated"):
        return r("runtime_error", f"return value larger than {limits['output_bytes'] >> 20} MB encoded", "limits")
    if kind != "return":
        return r("runtime_error", "exited before returning a value", "solution")
    try:
        value = _json_like(decode_value(json.loads(res["value"])))
    except (ValueError, TypeError, KeyError, RecursionError, MemoryError):
        return r("runtime_error", "return value could not be read", "host")
    if call_result_matches(spec.expected[i], value):
        return r("passed", "", "host")
    return r("wrong_answer", f"returned {_short(value)}", "host")


def _short(value: Any) -> str:
    if isinstance(value, Opaque):
        return repr(value)
    try:
        return reprlib.repr(value)[:100]
    except Exception:
        return "an unprintable value"


# --- module-level convenience API -------------------------------------------------------------

_default_lock = threading.Lock()
_default_judge: Judge | None = None


def _forget_default_judge() -> None:
    global _default_judge, _default_lock
    _default_judge = None  # after fork: the parent's sandboxes belong to the parent
    _default_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_default_judge)


def default_judge() -> Judge:
    """A shared Judge per process (pool grows up to 4 sandboxes on demand), closed at exit."""
    global _default_judge
    with _default_lock:
        if _default_judge is None:
            _default_judge = Judge(workers=4, prewarm=False)
            atexit.register(_default_judge.close)
        return _default_judge


def run_tests(code: str, tests: Any, *, language: str = "python", timeout_s: float = DEFAULT_TIMEOUT_S,
              memory_mb: int = DEFAULT_MEMORY_MB, checker: str | Checker | None = None,
              judge: Judge | None = None) -> list[TestResult]:
    """Judge `code` on `tests` in a sandbox; one TestResult per test (see verifiers.code.spec)."""
    return (judge or default_judge()).run_tests(code, tests, language=language, timeout_s=timeout_s,
                                                memory_mb=memory_mb, checker=checker)


def judge_many(jobs: Iterable[JudgeJob | dict[str, Any]], workers: int = 2, *,
               config: SandboxConfig | None = None, allow_unsandboxed: bool = False) -> list[list[TestResult]]:
    """Judge many jobs with a pool of `workers` warm sandboxes; results in job order."""
    with Judge(workers, config, allow_unsandboxed=allow_unsandboxed) as judge:
        return judge.judge_many(jobs)
