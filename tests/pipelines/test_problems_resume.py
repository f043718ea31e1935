"""The problems job after a kill: SIGKILL at any point, then the same command gives the same
output without redoing finished chunks; Ctrl-C ends it with one line and no process left."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("problems_resume")]
N_ROWS, CHUNK = 2000, 100


def _config(folder: Path, executor: str) -> Path:
    (folder / "in").mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    with open(folder / "in" / "toy.jsonl", "w") as f:
        for i in range(N_ROWS):
            a, b = rng.randint(1, 10**6), rng.randint(1, 10**6)
            f.write(json.dumps({"problem": f"Problem {i}: what is {a} divided by {b}, as a fraction in lowest terms?",
                                "answer": f"\\frac{{{a}}}{{{b}}}"}) + "\n")
    cfg = {"kind": "problems", "inputs": [{"path": "in/toy.jsonl", "source": "toy"}], "output_dir": "out",
           "cluster": {"executor": executor, "n_workers": 2, "chunk_size": CHUNK}}
    path = folder / "problems.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _start(config: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines.run", str(config)], cwd=REPO_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for_chunks(folder: Path, proc: subprocess.Popen, n: int, timeout: float = 240) -> int:
    chunks = folder / "out" / "_run" / "chunks"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        done = len(list(chunks.glob("*.pkl"))) if chunks.is_dir() else 0
        if done >= n:
            return done
        time.sleep(0.1)
    raise AssertionError(f"no {n} finished chunks in time; stderr: {proc.stderr.read()[-2000:] if proc.poll() is not None else ''}")


def _outputs(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (pl.read_parquet(folder / "out" / "kept.parquet").sort("id"),
            pl.read_parquet(folder / "out" / "dropped.parquet").sort("id"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("reference")
    proc = subprocess.run([sys.executable, "-m", "pipelines.run", str(_config(folder, "local"))], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return _outputs(folder)


def test_sigkill_then_rerun_gives_the_same_rows_without_redoing_chunks(tmp_path, reference):
    config = _config(tmp_path, "local")
    proc = _start(config)
    done = _wait_for_chunks(tmp_path, proc, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (tmp_path / "out" / "kept.parquet").exists()
    done = len(list((tmp_path / "out" / "_run" / "chunks").glob("*.pkl")))
    rerun = subprocess.run([sys.executable, "-m", "pipelines.run", str(config)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    total = -(-N_ROWS // CHUNK)
    assert f"screen_chunk: {done} of {total} chunks already done" in rerun.stderr and f"computing {total - done}" in rerun.stderr
    kept, dropped = _outputs(tmp_path)
    assert kept.drop("source_file").equals(reference[0].drop("source_file"))
    assert dropped.drop("source_file").equals(reference[1].drop("source_file"))
    assert kept["id"].n_unique() == len(kept) and len(kept) + len(dropped) == N_ROWS
    assert not (tmp_path / "out" / "_run" / "chunks").exists()  # removed once the outputs are written


def test_ctrl_c_ends_the_dask_run_with_one_line(tmp_path):
    config = _config(tmp_path, "dask")
    proc = _start(config)
    _wait_for_chunks(tmp_path, proc, 2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip() and not re.match(r"\d{4}-\d\d-\d\d .* INFO ", line)]
    assert lines == ["interrupted; run the same command again to resume"], err[-3000:]
    deadline = time.monotonic() + 20  # exited workers may stay zombies for a moment, until init reaps them
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break  # no process left in the job's process group
        time.sleep(0.2)
    else:
        raise AssertionError(subprocess.run(["ps", "-o", "pid,stat,etime,cmd", "-g", str(proc.pid)], capture_output=True, text=True).stdout)
