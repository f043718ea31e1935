"""The problem set's output folder: loads with `datasets` (kept by default, dropped as a config)
and Polars, and every kept and dropped row names the input file and line it came from."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import yaml

from pipelines.run import main
from tests.infra.hf import config_names, load


def _problems(path: Path) -> Path:
    rows = [{"problem": f"What is {i} + {i + 1}? Give the number.", "answer": str(2 * i + 1)} for i in range(8)]
    lines = [json.dumps(r) for r in rows]
    lines[3] = lines[2]  # an exact duplicate: dropped by dedup
    lines.insert(5, "{not json")  # line 5: dropped at ingest
    path.write_text("\n".join(lines) + "\n")
    return path


def test_problem_set_loads_as_kept_and_dropped_with_provenance(tmp_path):
    (tmp_path / "in").mkdir()
    src = _problems(tmp_path / "in" / "toy.jsonl")
    cfg = {"kind": "problems", "inputs": [{"path": "in/toy.jsonl", "source": "toy"}], "output_dir": "out",
           "cluster": {"executor": "local"}}
    config = tmp_path / "problems.yaml"
    config.write_text(yaml.safe_dump(cfg))
    assert main([str(config)]) == 0
    out = tmp_path / "out"
    kept, dropped = pl.read_parquet(out / "kept.parquet"), pl.read_parquet(out / "dropped.parquet")
    assert len(kept) + len(dropped) == 9 and len(dropped) >= 2

    assert config_names(out) == ["default", "dropped"]
    default = load(out, cache=tmp_path / "hf")
    assert sorted(default["id"]) == sorted(kept["id"].to_list()) and all(default["kept"])
    other = load(out, "dropped", cache=tmp_path / "hf")
    assert sorted(other["id"]) == sorted(dropped["id"].to_list()) and not any(other["kept"])

    rows = pl.concat([kept, dropped])
    assert set(rows["source_file"]) == {str(src)}
    assert sorted(rows["source_row"]) == list(range(9))
    bad = dropped.filter(pl.col("drop_step") == "ingest")
    assert bad.select("source_row", "drop_reason").rows() == [(5, "malformed_row")]
    card = (out / "README.md").read_text()
    assert "## Configuration that made it" in card and "kept.parquet" in card
