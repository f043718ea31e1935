"""Full disk (issue 19): every job stops with one clear message naming the path and the cause, exit
code 74, no process left behind, nothing published half-done; after space is freed the same command
gives the output an uninterrupted run gives. The output disk is a small tmpfs the test mounts."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.infra.disk import assert_one_clear_message, run_cli

pytestmark = pytest.mark.xdist_group("crawl")


def frame(folder: Path) -> pl.DataFrame:
    files = sorted(folder.glob("*.parquet"))
    return pl.read_parquet(files).drop("source").sort("id") if files else pl.DataFrame()


@pytest.mark.slow
@pytest.mark.small_disk_size("1m")
def test_crawl_on_a_full_disk_stops_then_resumes_to_the_same_output(tmp_path, small_disk, sample_crawl_dir, sample_crawl_output):
    out = small_disk.path / "out"
    config = tmp_path / "crawl.yaml"  # the session's sample crawl, same settings, output on the small disk
    config.write_text(yaml.safe_dump({"kind": "crawl", "input": {"path": str(sample_crawl_dir), "format": "warc"},
                                      "output_dir": str(out), "executor": {"tasks": 4, "workers": 2},
                                      "extract": {"timeout": 30}}))
    proc = run_cli(config)
    assert_one_clear_message(proc, small_disk.path, "crawl")
    assert not (out / "documents").exists()  # nothing published: the outputs appear at the end, as a set

    small_disk.resize("64m")  # free space
    proc = run_cli(config, "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming" in proc.stderr or "already complete" in proc.stderr
    for sub in ("documents", "rejected/quality", "rejected/minhash_dedup", "rejected/url_dedup"):
        # `source` names the input file with its folder: the same files, read from the same folder.
        assert frame(out / sub).equals(frame(sample_crawl_output / sub)), sub
    # The summary of the resumed run counts what is on disk, not the tasks it ran itself.
    summary = json.loads(proc.stdout)
    on_disk = len(frame(out / "documents"))
    assert summary["documents_kept"] == on_disk and on_disk > 0
    assert summary["records_read"] == 240  # 4 WARC files of 60 records


def _problem_lines(n: int, words: int) -> str:
    import random

    rng = random.Random(n)  # words that do not compress: the outputs' size follows the input's
    rows = [{"problem": f"Problem {i}: what is {i} plus {i + 1}? " + " ".join(f"{rng.getrandbits(40):x}" for _ in range(words)),
             "answer": str(2 * i + 1)} for i in range(n)]
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.mark.small_disk_size("256k")
def test_problems_on_a_full_disk_keep_the_previous_outputs_as_a_set(tmp_path, small_disk):
    out = small_disk.path / "out"
    src = tmp_path / "toy.jsonl"
    config = tmp_path / "problems.yaml"
    config.write_text(yaml.safe_dump({"kind": "problems", "inputs": [{"path": str(src), "source": "toy"}],
                                      "output_dir": str(out), "cluster": {"executor": "local"},
                                      "steps": {"gold_answer": False, "dedup": False}}))
    src.write_text(_problem_lines(5, 3))
    assert run_cli(config).returncode == 0
    before = {name: (out / name).read_bytes() for name in ("kept.parquet", "dropped.parquet", "report.json", "README.md")}

    src.write_text(_problem_lines(200, 500))  # new input whose outputs do not fit on the disk
    proc = run_cli(config)
    assert_one_clear_message(proc, small_disk.path, "problems")
    # The previous run's outputs, all of them, and nothing else: no new kept.parquet beside an old report.
    assert {name: (out / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["out"]

    small_disk.resize("64m")
    assert run_cli(config).returncode == 0
    reference = tmp_path / "reference.yaml"  # the same job, uninterrupted, on an ample disk
    reference.write_text(config.read_text().replace(str(out), str(tmp_path / "ref")))
    assert run_cli(reference).returncode == 0
    for name in ("kept.parquet", "dropped.parquet"):
        assert pl.read_parquet(out / name).equals(pl.read_parquet(tmp_path / "ref" / name)), name
    report, ref = (json.loads(p.read_text()) for p in (out / "report.json", tmp_path / "ref" / "report.json"))
    assert {k: v for k, v in report.items() if k != "seconds"} == {k: v for k, v in ref.items() if k != "seconds"}
    assert report["total"] == 200


@pytest.mark.small_disk_size("1m")
def test_read_only_output_is_one_clear_message(tmp_path, small_disk):
    src = tmp_path / "toy.jsonl"
    src.write_text(_problem_lines(3, 2))
    config = tmp_path / "problems.yaml"
    config.write_text(yaml.safe_dump({"kind": "problems", "inputs": [{"path": str(src), "source": "toy"}],
                                      "output_dir": str(small_disk.path / "out"), "cluster": {"executor": "local"}}))
    small_disk.resize("1m,ro")
    proc = run_cli(config)
    assert proc.returncode == 74 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"problems job stopped: Read-only file system (EROFS) at {small_disk.path}/out"), last
