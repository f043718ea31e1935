"""Judge service: HTTP on a local port, so rollout workers can hand code to judge machines.

Endpoints (JSON in, JSON out):
  GET  /health      -> {"ok": true, "isolated": bool, "workers": n}
  POST /run_tests   {"code", "tests", "timeout_s"?, "memory_mb"?, "checker"?, "language"?}
                    -> {"results": [TestResult, ...]}
  POST /judge_many  {"jobs": [job, ...]} -> {"results": [[TestResult, ...], ...]}
Bad requests get 400 with {"error": reason}. Requests are served on threads; the judge's pool
bounds how many solutions run at once (the rest wait for a free sandbox).

stdlib http.server is enough here: one JSON request per judged solution, no streaming.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from verifiers.code.judge import Judge, JudgeJob
from core.records.test_result import TestResult

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 64 << 20


def make_server(judge: Judge, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server bound to host:port (0 picks a free port: see server.server_address)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("%s " + fmt, self.address_string(), *args)

        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path == "/health":
                self._reply(200, {"ok": True, "isolated": judge.isolated, "workers": judge.workers})
            else:
                self._reply(404, {"error": f"unknown path {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if length < 0:
                self._reply(411, {"error": "Content-Length required"})
                return
            if length > MAX_REQUEST_BYTES:
                self._reply(413, {"error": f"request larger than {MAX_REQUEST_BYTES} bytes"})
                return
            try:
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict):
                    raise ValueError("body must be a JSON object")
                if self.path == "/run_tests":
                    job = JudgeJob.coerce(body)
                    results = judge.run_tests(job.code, job.tests, language=job.language, timeout_s=job.timeout_s,
                                              memory_mb=job.memory_mb, checker=job.checker)
                    self._reply(200, {"results": [r.to_dict() for r in results]})
                elif self.path == "/judge_many":
                    jobs = body.get("jobs")
                    if not isinstance(jobs, list):
                        raise ValueError("'jobs' must be a list")
                    out = judge.judge_many(jobs)
                    self._reply(200, {"results": [[r.to_dict() for r in rs] for rs in out]})
                else:
                    self._reply(404, {"error": f"unknown path {self.path}"})
            except (ValueError, TypeError) as exc:
                self._reply(400, {"error": str(exc)[:500]})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


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
            except ValueError:
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
