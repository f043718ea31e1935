"""The `kind: problems` job: config validation (exit 2) and an end-to-end run on a LocalCluster."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.registry import load_config
from pipelines.run import main
from tests.conftest import REPO_ROOT, require_or_skip
from pipelines.problems import Config
from core.records.problem import PROBLEM_SCHEMA


EXISTING = str(REPO_ROOT / "configs" / "problems.yaml")  # any existing file


def _sandbox_ok() -> bool:
    from verifiers.code import sandbox_problem

    return sandbox_problem() is None


def _write(tmp_path: Path, cfg: dict) -> Path:
    path = tmp_path / "problems.yaml"
    path.write_text(yaml.safe_dump({"kind": "problems", **cfg}))
    return path


def test_shipped_config_is_valid(shared_data, tmp_path) -> None:
    # The shipped config reads ../shared/data beside the checkout; the tests' data may live
    # elsewhere (RC_SHARED_DATA), so its paths are pointed there: the config itself is checked.
    text = (REPO_ROOT / "configs" / "problems.yaml").read_text()
    assert "../../shared/data/" in text
    (tmp_path / "problems.yaml").write_text(text.replace("../../shared/data/", f"{shared_data}/"))
    module, config = load_config(tmp_path / "problems.yaml")
    assert isinstance(config, Config) and config.cluster.executor == "dask"
    assert {b.name for b in config.benchmarks} >= {"math500", "aime24", "aime25", "amc23", "gsm8k", "humaneval", "mbpp"}


@pytest.mark.parametrize(
    "cfg, message",
    [
        # relative paths are relative to the config file (core.config's path rule)
        ({"inputs": [{"path": "no/such/file.jsonl"}]}, "key `inputs[0].path`: Value error, no such file: {tmp_path}/no/such/file.jsonl"),
        ({"inputs": []}, "key `inputs`"),
        ({"input": [{"path": "x"}]}, "key `input`: unknown key"),
        ({"inputs": [{"path": EXISTING, "format": "csv"}]}, "key `inputs[0].format`"),
        ({"inputs": [{"path": EXISTING}], "steps": {"dedup": {"threshold": 1.5}}}, "key `steps.dedup.threshold`"),
        ({"inputs": [{"path": EXISTING}], "steps": {"proof_mc": {"llm_judge": "not a path"}}}, "key `steps.proof_mc.llm_judge`"),
        ({"inputs": [{"path": EXISTING}, {"path": EXISTING}]}, "must be unique"),
        ({"inputs": [{"path": EXISTING}], "cluster": {"executor": "ray"}}, "key `cluster.executor`"),
    ],
)
def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture, cfg: dict, message: str) -> None:
    assert main([str(_write(tmp_path, cfg))]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp_path=tmp_path) in err and "Traceback" not in err


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"foo": 1}) + "\n")
    cfg = {"inputs": [{"path": str(odd)}], "output_dir": str(tmp_path / "out"), "cluster": {"executor": "local"}}
    assert main([str(_write(tmp_path, cfg))]) == 2
    assert "unknown problem layout" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing half-written


@pytest.mark.slow
def test_end_to_end_on_local_cluster(tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture) -> None:
    require_or_skip(_sandbox_ok(), "the code judge's sandbox (bubblewrap) is not usable here")
    d = shared_data
    out = tmp_path / "out"
    cfg = {
        "inputs": [
            {"path": str(d / "math/math500_test.jsonl"), "source": "math500", "limit": 60},
            {"path": str(d / "math/gsm8k_test.jsonl"), "source": "gsm8k", "limit": 40},
            {"path": str(d / "code/stdio/taco_statement_samples.jsonl"), "source": "taco", "limit": 40},
            {"path": str(d / "code/sanitized-mbpp.json"), "source": "mbpp_s", "limit": 12},
        ],
        # GSM8K is a benchmark here, MATH-500 is not: the gsm8k rows must all come out contaminated.
        "benchmarks": [{"name": "gsm8k", "path": str(d / "math/gsm8k_test.jsonl")},
                       {"name": "aime24", "path": str(d / "math/aime24.jsonl")}],
        "output_dir": str(out),
        "cluster": {"executor": "dask", "n_workers": 2, "chunk_size": 25, "judge_chunk_size": 4},
    }
    assert main([str(_write(tmp_path, cfg))]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1].split()[:3] == ["ALL", "152", str(json.loads((out / "report.json").read_text())["kept"])]

    kept = pq.read_table(out / "kept.parquet")
    dropped = pq.read_table(out / "dropped.parquet")
    report = json.loads((out / "report.json").read_text())
    assert kept.schema == PROBLEM_SCHEMA and dropped.schema == PROBLEM_SCHEMA
    assert kept.num_rows + dropped.num_rows == report["total"] == 152
    assert kept.num_rows == report["kept"] > 0
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporaries

    drops = dropped.to_pylist()
    gsm = [r for r in drops if r["source"] == "gsm8k"]
    assert len(gsm) == 40 and all(r["drop_reason"] == "contaminated" and r["contaminated_by"].startswith("gsm8k/") for r in gsm)
    assert report["by_source"]["gsm8k"] == {"total": 40, "kept": 0, "dropped": {"decontaminate/contaminated": 40}}
    assert all(r["drop_reason"] and r["drop_step"] and r["drop_detail"] for r in drops)
    # MBPP reference solutions ran in the judge and passed; TACO rows have no reference to run.
    mbpp = [r for r in kept.to_pylist() if r["source"] == "mbpp_s"]
    assert mbpp and all(r["reference_passed"] == r["reference_total"] == 1 for r in mbpp)
    assert sum(report["dropped_by_reason"].values()) == report["dropped"]
    assert report["seconds"]["total"] > 0


@pytest.mark.slow
def test_runs_on_an_existing_scheduler(tmp_path: Path, shared_data: Path) -> None:
    """`cluster.scheduler_address` connects to a running dask cluster instead of starting one."""
    require_or_skip(_sandbox_ok(), "the code judge's sandbox (bubblewrap) is not usable here")
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.worker.daemon": False}):
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            cfg = {
                "inputs": [{"path": str(shared_data / "code/HumanEval.jsonl.gz"), "source": "he", "limit": 6}],
                "output_dir": str(tmp_path / "out"),
                "steps": {"gold_answer": False},
                "cluster": {"scheduler_address": cluster.scheduler_address, "chunk_size": 2},
            }
            assert main([str(_write(tmp_path, cfg))]) == 0
    kept = pq.read_table(tmp_path / "out/kept.parquet").to_pylist()
    # All six canonical HumanEval solutions pass their own tests in the sandbox.
    assert len(kept) == 6 and all(r["reference_passed"] == r["reference_total"] == 1 for r in kept)
