"""Shared test helpers.

`shared_data` points at ../shared/data (real external data, never copied into the repo).
`require_or_skip` skips a test with a reason, except under CI=true where a missing
prerequisite is a failure: CI always has the data, bubblewrap, Slurm and the S3 server.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RC_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip when `condition` is false; fail instead when running in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require_or_skip(SHARED_DATA.is_dir(), f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


# Real engines (tests/infra): `slurm_cluster` (a single-node Slurm shared by the run),
# `s3_server` (moto's S3 server on 127.0.0.1) and `chromium` (headless, through playwright).
# Imported last: they use require_or_skip above.
from tests.infra.fixtures import _s3_server_session, chromium, s3_server, slurm_cluster  # noqa: E402,F401
# Model backends (tests/infra/llm.py): the tiny model, vLLM/transformers engines, two OpenAI servers.
from tests.infra.llm import (  # noqa: E402,F401
    tiny_model, transformers_backend, transformers_server, vllm_backend, vllm_server,
)

# `small_disk`: a tmpfs mounted as a small output disk (root only; tests.infra.disk).
from tests.infra.disk import small_disk  # noqa: E402,F401


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` group again. pytest-xdist 3.8 marks an `xdist_group` test by appending
    `@group` to `item._nodeid`, which pytest 9 no longer reads (the id lives in `item._id`), so every
    group member went to any worker (each then started its own vLLM engines). Same suffix, set where
    pytest 9 reads it; a no-op once xdist does it itself."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(scope="session")
def web_domain_model(shared_data, tmp_path_factory):
    """Real pages labelled math / code / other (tools.web_domains), extracted once, and a domain model
    trained on them by the CLI with 30% of each class held out. Returns a dict: labels, model, metrics
    (held-out, from --metrics), stdout (what `train` printed)."""
    import contextlib
    import io
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from filters.classifiers import main
    from tools.web_domains import web_domain_rows

    tmp = tmp_path_factory.mktemp("web_domain")
    labels = tmp / "web_labels.parquet"
    pq.write_table(pa.Table.from_pylist(web_domain_rows(shared_data / "web")), labels)
    model, metrics = tmp / "domain.bin", tmp / "metrics.json"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["train", str(labels), "--dimension", "domain", "-o", str(model), "--held-out", "0.3",
                   "--metrics", str(metrics)])
    assert rc == 0, out.getvalue()
    return {"labels": labels, "model": model, "metrics": json.loads(metrics.read_text()), "stdout": out.getvalue()}
