from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_crawl_dir(tmp_path_factory) -> Path:
    """A small sample crawl in 4 WARC files (one per task), from the project's deterministic generator."""
    from tools.sample_crawl import generate_sample_warc

    folder = tmp_path_factory.mktemp("sample-crawl")
    for i in range(4):
        generate_sample_warc(folder / f"part-{i}.warc.gz", n_pages=60, seed=i)
    return folder


@pytest.fixture(scope="session")
def sample_crawl_output(tmp_path_factory, sample_crawl_dir) -> Path:
    """The crawl job's output folder for `sample_crawl_dir`, made once per session (read-only for tests)."""
    import yaml

    from pipelines.run import main as run_main

    folder = tmp_path_factory.mktemp("sample-crawl-output")
    config = folder / "crawl.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "kind": "crawl",
                "input": {"path": str(sample_crawl_dir), "format": "warc"},
                "output_dir": str(folder / "out"),
                "executor": {"tasks": 4, "workers": 2},
                "extract": {"timeout": 30},
            }
        )
    )
    assert run_main([str(config)]) == 0
    return folder / "out"
