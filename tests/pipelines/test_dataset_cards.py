"""The crawl's output folder loads as intended with `datasets.load_dataset(folder)` and Polars:
kept documents by default, every rejection stage as a named config, nothing from `_work/`."""
from __future__ import annotations

import polars as pl
import pytest
import yaml

from tests.infra.hf import config_names, load

pytestmark = pytest.mark.xdist_group("crawl")


def test_crawl_output_loads_with_datasets_and_polars(sample_crawl_output, tmp_path):
    out = sample_crawl_output
    kept = pl.read_parquet(out / "documents" / "*.parquet")
    stages = sorted(p.name for p in (out / "rejected").iterdir())
    assert stages, "the sample crawl rejects documents"
    assert config_names(out) == ["default", "rejected", *(f"rejected_{s}" for s in stages)]

    default = load(out, cache=tmp_path / "hf")
    assert len(default) == len(kept) and sorted(default["id"]) == sorted(kept["id"].to_list())
    assert set(default.column_names) == set(kept.columns)

    everything_rejected = load(out, "rejected", cache=tmp_path / "hf")
    for stage in stages:
        frame = pl.read_parquet(out / "rejected" / stage / "*.parquet")
        part = load(out, f"rejected_{stage}", cache=tmp_path / "hf")
        assert sorted(part["id"]) == sorted(frame["id"].to_list())
        assert set(part["rejection_stage"]) == {stage}
    assert len(everything_rejected) == sum(len(pl.read_parquet(out / "rejected" / s / "*.parquet")) for s in stages)
    # Kept and rejected never mix, and nothing from _work/ (intermediates, markers) is loaded.
    assert not set(default["id"]) & set(everything_rejected["id"])

    card = (out / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert all("_work" not in str(c["data_files"]) for c in header["configs"])
    # The card states the counts and the config that made the output.
    assert f"| `default` | `documents/*.parquet` | {len(kept):,} |" in card
    assert "## Configuration that made it" in card and "output_dir:" in card and "## Schema" in card
