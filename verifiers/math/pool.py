"""Hard timeouts: grading that may reach sympy runs in worker processes the parent can kill.

`signal.alarm` only works in a main thread and cannot stop C-level loops, so instead each worker
reports every finished item; when the item a worker is on runs past the deadline the parent
SIGKILLs that worker, records a "timeout" Grade and starts a fresh worker for the rest.

Pairs that `grade_fast` can answer (plain numbers, letters, words) never leave the caller's
process: that work is pure Python bounded by the input size, and skipping the pipe is most of
our speed advantage.
"""
from __future__ import annotations

import atexit
import collections
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from pathlib import Path

from verifiers.math.extract import extract_answer
from verifiers.math.grader import Grade, NeedsSympy, grade_fast
from verifiers.math.parse import Answer
from verifiers.math.parse import parse_gold as _parse_gold_inprocess

DEFAULT_CHUNK = 8
# A worker costs ~0.5-1 s of CPU to start (sympy + Math-Verify imports) and a sympy item ~15 ms:
# add one only when the sympy queue can repay that.
WORK_PER_EXTRA_WORKER = 64


_PKG_ROOT = str(Path(__file__).resolve().parents[2])  # so the worker imports this same checkout
STARTUP_TIMEOUT_S = 120.0
# Address-space cap per worker (MiB); a worker idles at ~350 MiB. 0 disables the cap.
WORKER_MEMORY_MB = int(os.environ.get("RC_MATH_WORKER_MEMORY_MB", "2048"))


class _Worker:
    """One `python -m verifiers.math._worker` process and its two pipes."""

    def __init__(self):
        p2c_r, p2c_w = os.pipe()
        c2p_r, c2p_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PKG_ROOT, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "verifiers.math._worker", str(p2c_r), str(c2p_w), str(WORKER_MEMORY_MB)],
                pass_fds=(p2c_r, c2p_w),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            os.close(p2c_r)
            os.close(c2p_w)
        self.conn = Connection(c2p_r, writable=False)  # results come back here (waitable)
        self._out = Connection(p2c_w, readable=False)
        self.items: collections.deque = collections.deque()  # (idx, gold, response) not yet answered
        self.since = 0.0  # when the item at the head of `items` started
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(STARTUP_TIMEOUT_S) or self.conn.recv() != "ready":
            self.kill()
            raise RuntimeError("math grading worker did not start")
        self.ready = True

    def send(self, chunk: list) -> None:
        self.wait_ready()
        self.items.extend(chunk)
        self.since = time.monotonic()
        self._out.send(chunk)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.conn.close()
        self._out.close()

    def close(self) -> None:
        try:
            self._out.send(None)
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.conn.close()
        self._out.close()


class WorkerPool:
    """N killable grading processes with a per-item hard timeout."""

    def __init__(self, workers: int = 1, timeout_s: float = 5.0):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        if not timeout_s > 0:
            raise ValueError("timeout_s must be > 0")
        self.timeout_s = float(timeout_s)
        self._workers = [_Worker() for _ in range(workers)]

    @property
    def size(self) -> int:
        return len(self._workers)

    def add_worker(self) -> None:
        self._workers.append(_Worker())

    def run(
        self,
        items: list[tuple[int, str, str]],
        on_result: Callable[[int, Grade], None],
        chunk: int = DEFAULT_CHUNK,
    ) -> None:
        """Grade (idx, gold, response) items; calls on_result(idx, grade) for each, in completion order."""
        queue = collections.deque(items)
        busy: dict = {}  # conn -> worker

        def feed(w: _Worker) -> None:
            if queue:
                w.send([queue.popleft() for _ in range(min(chunk, len(queue)))])
                busy[w.conn] = w

        for w in self._workers:
            feed(w)
        while busy:
            now = time.monotonic()
            next_deadline = min(w.since for w in busy.values()) + self.timeout_s
            ready = wait(list(busy), timeout=max(0.0, next_deadline - now))
            for conn in ready:
                w = busy[conn]
                try:
                    while conn.poll():
                        idx, verdict = conn.recv()
                        w.items.popleft()
                        w.since = time.monotonic()
                        on_result(idx, verdict)
                except (EOFError, OSError):
                    idx = self._replace(w, busy, queue)
                    if idx is not None:
                        on_result(idx, Grade(False, "unparseable", None, "grading process died (out of memory?)"))
                    continue
                if not w.items:
                    del busy[conn]
                    feed(w)
            now = time.monotonic()
            for w in [w for w in busy.values() if w.items and now - w.since > self.timeout_s]:
                idx = self._replace(w, busy, queue)
                on_result(idx, Grade(False, "timeout", None, f"grading took longer than {self.timeout_s:g} s"))

    def _replace(self, w: _Worker, busy: dict, queue: collections.deque) -> int | None:
        """Kill `w`, requeue its unanswered items except the one it was on (returned), start a fresh worker."""
        busy.pop(w.conn, None)
        pending = list(w.items)
        w.kill()
        fresh = _Worker()
        self._workers[self._workers.index(w)] = fresh
        queue.extendleft(reversed(pending[1:]))
        if queue:
            fresh.send([queue.popleft() for _ in range(min(DEFAULT_CHUNK, len(queue)))])
            busy[fresh.conn] = fresh
        return pending[0][0] if pending else None

    def close(self) -> None:
        for w in self._workers:
            w.close()
        self._workers = []

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------- public helpers
_single_lock = threading.Lock()
_single: dict[str, tuple[int, WorkerPool]] = {}  # "pool" -> (owner pid, the worker behind grade())


def _shared_pool(timeout_s: float) -> WorkerPool:
    """The one worker behind grade()/parse_gold() in this process (any timeout; callers hold the lock)."""
    if not timeout_s > 0:
        raise ValueError("timeout_s must be > 0")
    got = _single.get("pool")
    if got is None or got[0] != os.getpid():  # a forked child must not use its parent's workers
        _single["pool"] = (os.getpid(), WorkerPool(1, timeout_s))
    pool = _single["pool"][1]
    pool.timeout_s = float(timeout_s)
    return pool


@atexit.register
def _close_shared() -> None:
    for pid, pool in list(_single.values()):
        if pid == os.getpid():
            try:
                pool.close()
            except Exception:  # noqa: BLE001 - best effort at interpreter exit
                pass
    _single.clear()


def grade(gold: str, response: str, *, timeout_s: float = 5.0) -> Grade:
    """Grade one response against a gold answer, never taking much longer than `timeout_s`.

    Raises TypeError when gold or response is not a str.
    """
    try:
        return grade_fast(gold, response)
    except NeedsSympy:
        pass
    return _with_extracted(_run_shared((0, gold, response), timeout_s), response)


def _run_shared(item: tuple, timeout_s: float):
    """Run one item on the shared worker; a worker that died between calls is replaced once."""
    out: list = []
    with _single_lock:
        for attempt in (1, 2):
            try:
                _shared_pool(timeout_s).run([item], lambda _i, r: out.append(r))
                return out[0]
            except (BrokenPipeError, EOFError, OSError):
                _single.pop("pool", None)
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def _with_extracted(verdict: Grade, response: str) -> Grade:
    """A killed worker could not say what it extracted; extraction is cheap, redo it here."""
    if verdict.status != "timeout" or verdict.extracted is not None:
        return verdict
    ext = extract_answer(response)
    return Grade(False, "timeout", ext.text if ext else None, verdict.reason)


def parse_gold(gold: str, *, timeout_s: float = 5.0):
    """The parsed gold answer (`verifiers.math.parse.Answer`), or None when it is not one parseable answer.

    Plain numbers, letters and words are read here; anything that needs sympy is parsed in the
    killable worker, so a hostile gold costs at most `timeout_s` (and then counts as unparseable).
    """
    if not isinstance(gold, str):
        return None
    quick = _parse_gold_inprocess(gold, allow_sympy=False)
    if quick is None or quick.kind != "needs_sympy":
        return quick
    got = _run_shared((0, gold, None), timeout_s)
    return got if isinstance(got, Answer) else None  # a timeout Grade means "not parseable in time"


def grade_many(
    pairs: Iterable[tuple[str, str]],
    workers: int | None = None,
    *,
    timeout_s: float = 5.0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Grade]:
    """Grade many (gold, response) pairs; results are in input order.

    A pair that is not two strings gets status "unparseable" with a "bad input" reason;
    the batch never stops for one item.
    """
    pairs = list(pairs)
    n = len(pairs)
    workers = workers or max(1, (os.cpu_count() or 2))
    results: list[Grade | None] = [None] * n
    slow: list[tuple[int, str, str]] = []
    done = 0
    step = max(1, n // 100)
    pool: WorkerPool | None = None
    try:
        for i, pair in enumerate(pairs):
            try:
                gold, response = pair
                results[i] = grade_fast(gold, response)
                done += 1
            except NeedsSympy:
                slow.append((i, gold, response))
                # Start workers as the sympy work shows up, so they boot while this loop goes on.
                if pool is None:
                    pool = WorkerPool(1, timeout_s)
                elif pool.size < workers and len(slow) > WORK_PER_EXTRA_WORKER * pool.size:
                    pool.add_worker()
            except (TypeError, ValueError) as exc:
                results[i] = Grade(False, "unparseable", None, f"bad input: {exc}")
                done += 1
            if progress and done % step == 0:
                progress(done, n)
        if pool is not None:

            def on_result(idx: int, verdict: Grade) -> None:
                nonlocal done
                results[idx] = _with_extracted(verdict, pairs[idx][1])
                done += 1
                if progress and done % step == 0:
                    progress(done, n)

            pool.run(slow, on_result)
    finally:
        if pool is not None:
            pool.close()
    if progress:
        progress(n, n)
    return results  # type: ignore[return-value]
