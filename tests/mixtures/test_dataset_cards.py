"""An exported mixture loads per stage with `datasets.load_dataset(folder, stage)` (first stage
by default), from the output folder and from its parquet/ folder; stages are never merged."""
from __future__ import annotations

import polars as pl

from mixtures.build import build_manifest
from mixtures.export import export
from mixtures.spec import load_spec
from tests.infra.hf import config_names, load
from tests.mixtures.conftest import base_spec, corpus, write_shard, write_spec


def test_mixture_stages_are_configs(tmp_path, tokenizer_path):
    write_shard(tmp_path / "docs" / "a.parquet", corpus(60, seed=1) + corpus(30, seed=2, start=60, math=True))
    glob = str(tmp_path / "docs" / "*.parquet")
    stages = [
        {"name": "s1", "token_budget": "max", "seq_length": 32, "sources": [{"name": "web", "shards": [glob], "where": "NOT has_math", "ratio": 1.0}]},
        {"name": "s2", "token_budget": "max", "seq_length": 32, "sources": [
            {"name": "web", "shards": [glob], "where": "NOT has_math", "ratio": 0.5},
            {"name": "math", "shards": [glob], "where": "has_math", "ratio": 0.5}]},
    ]
    spec = load_spec(write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages)))
    export(build_manifest(spec))
    out = tmp_path / "out"
    for folder in (out, out / "parquet"):
        assert config_names(folder) == ["s1", "s2"]
        for stage in ("s1", "s2"):
            expected = pl.read_parquet(out / "parquet" / stage / "*.parquet")
            got = load(folder, stage, cache=tmp_path / "hf")
            assert set(got["mixture_stage"]) == {stage}
            assert sorted(got["id"]) == sorted(expected["id"].to_list())
            # Provenance survives the mixture: each row still names its input file and record.
            assert all(s == "sample.warc.gz" for s in got["source"])
            assert all(off == 1000 * int(i.removeprefix("doc-")) for i, off in zip(got["id"], got["source_offset"]))
        first = load(folder, cache=tmp_path / "hf")
        assert set(first["mixture_stage"]) == {"s1"}
    assert "math" in (out / "README.md").read_text()
