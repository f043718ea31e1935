"""The mixture job on a full disk (issue 19): one clear message, exit 74, nothing published; after
space is freed the same command gives what an uninterrupted run gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.disk import assert_one_clear_message, run_cli
from tests.mixtures.conftest import base_spec, corpus, write_shard, write_spec


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.parts[len(folder.parts)] in ("megatron", "parquet", "selection") and p.name != "README.md"}


def _manifest(folder: Path) -> dict:
    m = json.loads((folder / "manifest.json").read_text())
    m.pop("output_dir"), m.pop("spec_sha256")  # both name the output folder
    m["spec"].pop("output_dir")
    return m


@pytest.mark.small_disk_size("64m")
def test_mixture_on_a_full_disk_stops_then_gives_the_uninterrupted_output(tmp_path, small_disk, tokenizer_path):
    write_shard(tmp_path / "docs" / "a.parquet", corpus(120, seed=1) + corpus(40, seed=3, start=120, math=True))
    stages = [{"name": "s1", "token_budget": 30_000, "seq_length": 32, "sources": [
        {"name": "web", "shards": [str(tmp_path / "docs" / "*.parquet")], "where": "NOT has_math", "ratio": 0.75,
         "max_epochs": 8},
        {"name": "math", "shards": [str(tmp_path / "docs" / "*.parquet")], "where": "has_math", "ratio": 0.25,
         "max_epochs": 8}]}]
    (tmp_path / "ref").mkdir()
    reference = write_spec(tmp_path / "ref.yaml", base_spec(tmp_path / "ref", tokenizer_path, stages))
    assert run_cli(reference).returncode == 0
    ref = tmp_path / "ref" / "out"
    size = sum(p.stat().st_size for p in ref.rglob("*") if p.is_file())

    small_disk.resize(f"{size // 2 // 4096 * 4096}")  # half of what the job writes
    config = write_spec(tmp_path / "m.yaml", {**base_spec(tmp_path, tokenizer_path, stages),
                                              "output_dir": str(small_disk.path / "out")})
    proc = run_cli(config)
    assert_one_clear_message(proc, small_disk.path, "mixture")
    assert not (small_disk.path / "out" / "manifest.json").exists()  # nothing published

    small_disk.resize("64m")
    assert run_cli(config).returncode == 0
    out = small_disk.path / "out"
    assert _manifest(out) == _manifest(ref)
    assert _files(out) == _files(ref)
