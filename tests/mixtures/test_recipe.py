"""configs/mixture.yaml (the three-stage recipe) run as shipped, on crawl-shaped shards placed where
the crawl writes them (output/crawl/documents/ beside the configs/ folder: paths in a config are
relative to the config file)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mixtures.conftest import corpus, write_shard

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_repo_recipe_runs_on_crawl_output(tmp_path):
    docs = (corpus(120, seed=1, n_words=200) + corpus(20, seed=2, start=120, domain="news.example.com", n_words=200)
            + corpus(20, seed=3, start=140, domain="cs.stanford.edu", n_words=200)
            + corpus(10, seed=4, start=160, domain="jobs.example.com", n_words=200)
            + corpus(40, seed=5, start=170, math=True, n_words=200)
            + corpus(30, seed=6, start=210, code=True, n_words=200))
    crawl = tmp_path / "output" / "crawl" / "documents"
    write_shard(crawl / "00000.parquet", docs[::2])
    write_shard(crawl / "00001.parquet", docs[1::2])
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    config = tmp_path / "configs" / "mixture.yaml"  # the shipped file, in a copy of the repo's layout
    config.parent.mkdir()
    shutil.copy(REPO_ROOT / "configs" / "mixture.yaml", config)
    proc = subprocess.run([sys.executable, "-m", "pipelines.run", str(config)],
                          cwd=REPO_ROOT / "docs", env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "output" / "mixture"
    manifest = json.loads((out / "manifest.json").read_text())
    stages = {s["name"]: s for s in manifest["stages"]}
    assert [s["seq_length"] for s in manifest["stages"]] == [8192, 8192, 32768]
    web1 = {s["name"]: s for s in stages["stage1"]["sources"]}["web"]
    jobs, news, professional, thin = ((r["matched"], r["copies"]) for r in web1["resample"])
    assert jobs == (10, 3) and news == (20, 6)  # ads/job postings and news kept at 30%
    assert professional == (20, 40)  # professional domains (.edu) twice
    assert thin == (0, 0)  # every page has 200 words and no repeated lines
    w2 = {s["name"]: s["weight"] for s in stages["stage2"]["sources"]}
    assert w2["math"] + w2["code"] == pytest.approx(0.7)
    # No synthetic responses yet: stage 3 records the optional source as missing and renormalises.
    assert [m["name"] for m in stages["stage3"]["missing_sources"]] == ["synthetic"]
    assert sum(s["weight"] for s in stages["stage3"]["sources"]) == pytest.approx(1.0)
    for st in manifest["stages"]:
        assert st["overlapping_rows"] == {}  # web, math and code select disjoint rows
        for s in st["sources"]:
            assert s["epochs"] <= s["max_epochs"] + 1e-6
            assert (out / "megatron" / st["name"] / f"{s['name']}.idx").is_file()
            assert (out / "parquet" / st["name"] / f"{s['name']}.parquet").is_file()
    assert manifest["tokenizer"]["dtype"] == "uint16"
    assert (tmp_path / "output" / "tokenizer" / "tokenizer.json").is_file()
    # The manifest holds absolute paths: export works from another directory and reuses the cache.
    cache = sorted(p.name for p in (out / "token_cache").iterdir())
    (out / "megatron" / "stage2" / "code.done").unlink()
    (out / "megatron" / "stage2" / "code.bin").unlink()
    proc = subprocess.run([sys.executable, "-m", "mixtures.export", str(out / "manifest.json")],
                          cwd=REPO_ROOT / "docs", env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "megatron" / "stage2" / "code.bin").is_file()
    assert sorted(p.name for p in (out / "token_cache").iterdir()) == cache
    assert not (REPO_ROOT / "docs" / "output").exists()
