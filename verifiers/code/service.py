"""Judge service: HTTP on a local port, so rollout workers can hand code to judge machines.

Endpoints (JSON in, JSON out):
  GET  /health      -> {"ok": true, "isolated": bool, "workers": n, "sandboxes": m}
  POST /run_tests   {"code", "tests", "timeout_s"?, "memory_mb"?, "checker"?, "language"?}
                    -> {"results": [TestResult, ...]}
  POST /judge_many  {"jobs": [job, ...]} -> {"results": [[TestResult, ...], ...]}
Bad requests get a 4xx with {"error": reason}: 400 malformed JSON or job, 404/405 unknown route,
408 a request body that stalls (READ_TIMEOUT_S), 413 a body over MAX_REQUEST_BYTES.

Served by uvicorn (a maintained ASGI server) with `workers` HTTP worker processes. In each, the
event loop only reads bodies and answers /health; parsing, judging and output comparison run in
a separate *judge process* per sandbox (a process pool), so neither a long comparison (it holds
the GIL) nor a big request body can stall /health. Judge processes run at a lower CPU priority
(nice +5), so the HTTP side stays responsive when the sandboxes keep every core busy.
"""
from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import socket
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from typing import Any

from core.records.test_result import TestResult

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 64 << 20
READ_TIMEOUT_S = 30.0  # the whole request body must arrive within this
CONFIG_ENV = "RC_JUDGE_SERVICE_CONFIG"  # how `serve` hands its settings to uvicorn's workers
JUDGE_NICE = 5


# --- the judge process (one per sandbox; never runs the event loop) -----------------------------

_JUDGE = None


def _judge_process_init(config: dict[str, Any]) -> None:
    global _JUDGE
    from verifiers.code.judge import Judge
    from verifiers.code.sandbox import SandboxConfig

    try:
        os.nice(JUDGE_NICE)
    except OSError:
        pass
    _JUDGE = Judge(1, SandboxConfig(python_paths=tuple(config.get("python_paths", ()))),
                   allow_unsandboxed=bool(config.get("allow_unsandboxed")))


def _handle(path: str, body: bytes) -> tuple[int, bytes]:
    """Parse, judge and encode one request, in the judge process."""
    from verifiers.code.judge import JudgeJob

    assert _JUDGE is not None
    try:
        try:
            req = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"request body is not JSON: {str(exc)[:200]}") from None
        if not isinstance(req, dict):
            raise ValueError("request body must be a JSON object")
        if path == "/run_tests":
            job = JudgeJob.coerce(req)
            results = _JUDGE.run_tests(job.code, job.tests, language=job.language, timeout_s=job.timeout_s,
                                       memory_mb=job.memory_mb, checker=job.checker)
            out: dict[str, Any] = {"results": [r.to_dict() for r in results]}
        else:
            jobs = req.get("jobs")
            if not isinstance(jobs, list):
                raise ValueError("'jobs' must be a list")
            out = {"results": [[r.to_dict() for r in rs] for rs in _JUDGE.judge_many(jobs)]}
        return 200, json.dumps(out).encode()
    except (ValueError, TypeError) as exc:
        return 400, json.dumps({"error": str(exc)[:500]}).encode()


# --- the ASGI app ---------------------------------------------------------------------------------

def create_app(config: dict[str, Any] | None = None):
    """The Starlette app; `config`: sandboxes (judge processes per HTTP worker), python_paths,
    allow_unsandboxed, read_timeout_s, max_request_bytes, workers (for /health)."""
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from verifiers.code.sandbox import resolve_isolation

    cfg = dict(config or json.loads(os.environ.get(CONFIG_ENV, "{}")))
    sandboxes = int(cfg.get("sandboxes", 1))
    read_timeout = float(cfg.get("read_timeout_s", READ_TIMEOUT_S))
    max_bytes = int(cfg.get("max_request_bytes", MAX_REQUEST_BYTES))
    state: dict[str, Any] = {}

    def new_pool() -> ProcessPoolExecutor:
        # spawn, not fork: this process runs an event loop and threads
        return ProcessPoolExecutor(sandboxes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_judge_process_init, initargs=(cfg,))

    @asynccontextmanager
    async def lifespan(app: Any):
        state["isolated"] = resolve_isolation(bool(cfg.get("allow_unsandboxed")))
        state["pool"] = new_pool()
        try:
            yield
        finally:
            state["pool"].shutdown(wait=True, cancel_futures=True)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "isolated": state.get("isolated"), "workers": cfg.get("workers", 1),
                             "sandboxes": sandboxes})

    async def judge_route(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return JSONResponse({"error": "bad Content-Length"}, status_code=400)
            if int(length) > max_bytes:
                return JSONResponse({"error": f"request larger than {max_bytes} bytes"}, status_code=413)
        chunks, size = [], 0
        try:
            async with asyncio.timeout(read_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > max_bytes:
                        return JSONResponse({"error": f"request larger than {max_bytes} bytes"}, status_code=413)
                    chunks.append(chunk)
        except TimeoutError:
            return JSONResponse({"error": f"request body not received within {read_timeout:g}s"}, status_code=408)
        except ClientDisconnect:
            return Response(status_code=400)
        loop = asyncio.get_running_loop()
        try:
            status, payload = await loop.run_in_executor(state["pool"], _handle, request.url.path, b"".join(chunks))
        except BrokenProcessPool:  # a judge process died: start new ones, report this request
            log.error("a judge process died; restarting the pool")
            state["pool"] = new_pool()
            return JSONResponse({"error": "judge process failed; retry"}, status_code=503)
        return Response(payload, status_code=status, media_type="application/json")

    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        Route("/run_tests", judge_route, methods=["POST"]),
        Route("/judge_many", judge_route, methods=["POST"]),
    ], lifespan=lifespan)


def app_factory():
    """For uvicorn's worker processes (`factory=True`): the app from CONFIG_ENV."""
    return create_app()


def serve(host: str = "127.0.0.1", port: int = 8000, *, workers: int = 2, sandboxes: int = 1,
          python_paths: tuple[str, ...] = (), allow_unsandboxed: bool = False,
          read_timeout_s: float = READ_TIMEOUT_S, max_request_bytes: int = MAX_REQUEST_BYTES,
          ready: Any = None) -> None:
    """Run the service until interrupted. Binds first (port 0 picks a free port), then calls
    `ready(host, port)`; uvicorn's `workers` processes share the bound socket."""
    import uvicorn

    from verifiers.code.sandbox import resolve_isolation

    resolve_isolation(allow_unsandboxed)  # refuse (SandboxUnavailable) before binding anything
    os.environ[CONFIG_ENV] = json.dumps({
        "sandboxes": sandboxes, "python_paths": list(python_paths), "allow_unsandboxed": allow_unsandboxed,
        "read_timeout_s": read_timeout_s, "max_request_bytes": max_request_bytes, "workers": workers,
    })
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    if ready is not None:
        ready(host, sock.getsockname()[1])
    uvicorn.run("verifiers.code.service:app_factory", factory=True, fd=sock.fileno(), workers=workers,
                log_level="warning", timeout_keep_alive=5, timeout_graceful_shutdown=10,
                backlog=2048, access_log=False)


# --- client ----------------------------------------------------------------------------------------

class JudgeClient:
    """Client for a judge service: the same calls as the local API, over HTTP."""

    def __init__(self, url: str, timeout_s: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read()).get("error", "")
            except (ValueError, AttributeError):
                reason = ""
            raise ValueError(f"judge service answered {exc.code}: {reason}") from None

    def health(self) -> dict[str, Any]:
        return self._call("/health")

    def run_tests(self, code: str, tests: Any, **opts: Any) -> list[TestResult]:
        out = self._call("/run_tests", {"code": code, "tests": tests, **opts})
        return [TestResult.from_dict(d) for d in out["results"]]

    def judge_many(self, jobs: list[dict[str, Any]]) -> list[list[TestResult]]:
        out = self._call("/judge_many", {"jobs": jobs})
        return [[TestResult.from_dict(d) for d in rs] for rs in out["results"]]


# --- load test (bench/code_judge.py --load, tests/verifiers/test_code_service.py) ----------------

LOAD_JOBS = (  # (path, body, expected HTTP status): correct, wrong, assert-style, malformed
    ("/run_tests", {"code": "a, b = map(int, input().split())\nprint(a + b)\n",
                    "tests": {"inputs": ["1 2\n", "5 5\n"], "outputs": ["3\n", "11\n"]}}, 200),
    ("/run_tests", {"code": "def sq(x):\n    return x * x\n", "tests": ["assert sq(3) == 9", "assert sq(4) == 15"]}, 200),
    ("/judge_many", {"jobs": [{"code": "def f(a):\n    return a[::-1]\n",
                               "tests": {"fn_name": "f", "inputs": [[[1, 2, 3]]], "outputs": [[3, 2, 1]]}}]}, 200),
    ("/run_tests", b'{"code": "print(1)", "tests": ', 400),
    ("/run_tests", {"code": "print(1)", "tests": {"inputs": ["1"], "outputs": []}}, 400),
)


def _request(host: str, port: int, method: str, path: str, body: bytes | None, timeout: float) -> int:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", "Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _probe_health(host: str, port: int, seconds: float, interval: float, out: Any) -> None:
    import time

    lat, failed, end = [], 0, time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        try:
            ok = _request(host, port, "GET", "/health", None, 10.0) == 200
        except OSError:
            ok = False
        lat.append(time.perf_counter() - t)
        failed += not ok
        time.sleep(interval)
    out.put((lat, failed))


def load_test(url: str, clients: int = 50, seconds: float = 30.0, health_interval_s: float = 0.05) -> dict[str, Any]:
    """`clients` threads send judge requests (LOAD_JOBS, malformed ones included) for `seconds`;
    a separate process (so that client threads do not skew it) times GET /health. A request
    fails when it raises or gets an unexpected status. Stops by itself."""
    import threading
    import time
    from urllib.parse import urlparse

    u = urlparse(url)
    host, port = u.hostname or "127.0.0.1", u.port or 80
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    prober = ctx.Process(target=_probe_health, args=(host, port, seconds, health_interval_s, q), daemon=True)
    bodies = [(p, b if isinstance(b, bytes) else json.dumps(b).encode(), s) for p, b, s in LOAD_JOBS]
    counts = {"requests": 0, "failed": 0}
    errors: list[str] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(k: int) -> None:
        n = k
        while time.monotonic() < end:
            path, body, want = bodies[n % len(bodies)]
            n += 1
            try:
                got = _request(host, port, "POST", path, body, 120.0)
                bad = got != want
                why = f"{path}: HTTP {got}, wanted {want}"
            except OSError as exc:
                bad, why = True, f"{path}: {type(exc).__name__}: {exc}"
            with lock:
                counts["requests"] += 1
                if bad:
                    counts["failed"] += 1
                    if len(errors) < 10:
                        errors.append(why)

    prober.start()
    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat, health_failed = q.get(timeout=60)
    prober.join(timeout=10)
    lat.sort()
    return {
        "clients": clients, "seconds": round(elapsed, 2), "requests": counts["requests"], "failed": counts["failed"],
        "requests_per_s": round(counts["requests"] / elapsed, 1), "errors": errors,
        "health_checks": len(lat), "health_failed": health_failed,
        "health_max_ms": round(1000 * lat[-1], 1) if lat else None,
        "health_p99_ms": round(1000 * lat[int(0.99 * (len(lat) - 1))], 1) if lat else None,
    }
