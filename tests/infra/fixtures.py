"""pytest fixtures for the real engines; tests/conftest.py imports them so every test can use them.

* `slurm_cluster` (session): a running single-node Slurm (tools.slurm.SlurmCluster) shared
  by all xdist workers of the run; `SLURM_CONF` is set in os.environ for the session, so
  datatrove's SlurmPipelineExecutor submits to it. Partition: `slurm_cluster.partition`.
* `s3_server` (function): a moto S3 server on 127.0.0.1 (one per worker, emptied before each
  test), with the AWS variables set for the test so boto3, s3fs and datatrove `s3://` paths use it.
* `chromium` (module): a headless Chromium (playwright `Browser`, tests.infra.browser).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from tests.infra.s3 import SHADOWING_VARIABLES, S3Server, running_s3_server
from tools.slurm import SlurmCluster, SlurmUnavailable, shared_cluster


def _run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by all xdist workers of this pytest run (and only by them)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    # Under xdist the controller process outlives every worker: if it dies, nobody needs Slurm.
    owner = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(shared_cluster(_run_dir(tmp_path_factory) / "slurm", owner_pid=owner))
        except SlurmUnavailable as exc:
            require_or_skip(False, f"cannot start a local Slurm cluster: {exc}")
        env = stack.enter_context(pytest.MonkeyPatch.context())
        for key, value in cluster.env.items():
            env.setenv(key, value)
        yield cluster


@pytest.fixture(scope="session")
def _s3_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        require_or_skip(False, f"moto[server] is not installed: {exc}")
    config_dir = tmp_path_factory.mktemp("aws-config")
    with running_s3_server(str(config_dir)) as server:
        yield server


@pytest.fixture
def s3_server(_s3_server_session: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    server = _s3_server_session
    for key in SHADOWING_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    server.reset()
    return server


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """A headless Chromium (playwright `Browser`) for one test module; skips (fails in CI) without one.
    Module scope: playwright's sync API keeps its own event loop open while the browser lives."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        require_or_skip(False, f"playwright is not installed: {exc}")
    from tests.infra.browser import launch

    with sync_playwright() as pw:
        try:
            browser = launch(pw)
        except Exception as exc:  # noqa: BLE001 - any launch failure is a missing prerequisite
            require_or_skip(False, f"cannot start headless Chromium (scripts/system_deps.sh installs Debian's chromium): {str(exc)[:300]}")
        yield browser
        browser.close()
