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
