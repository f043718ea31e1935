"""The crawl's progress on a terminal: a bar per stage at document level (input bytes with the
document rate for the first stage, documents for the others), then the stage's summary line."""
from __future__ import annotations

import re
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.infra.terminal import run_on_terminal
from tests.test_progress import bars


@pytest.mark.xdist_group("crawl")
def test_crawl_draws_document_level_bars_on_a_terminal(tmp_path, sample_crawl_dir):
    config = tmp_path / "crawl.yaml"
    config.write_text(yaml.safe_dump({
        "kind": "crawl", "input": {"path": f"{sample_crawl_dir}/part-[01].warc.gz", "format": "warc"}, "output_dir": str(tmp_path / "out"),
        "executor": {"tasks": 2, "workers": 2}, "extract": {"timeout": 30}, "dedup": {"minhash": False},
    }))
    rc, out = run_on_terminal([sys.executable, "-m", "pipelines.run", str(config)], cwd=REPO_ROOT)
    assert rc == 0, out[-3000:]
    # The first stage counts input bytes (ETA on one big WARC per task) and documents with their rate.
    process = bars(out, "process")
    assert process, out[-3000:]
    assert any(re.search(r"B/s.*\d+ docs, [\d.]+ docs/s, tasks \d/2", s) for s in process), process[-3:]
    # An intermediate state is drawn: a document count between none and all. (Not the byte
    # percentage: the reader buffers a whole small WARC file at once, and since the crawl got fast
    # (issue 20) the bytes of a 60-page part jump from 0% to 100% between two polls.)
    counts = [int(m.group(1)) for s in process if (m := re.search(r"(\d+) docs,", s))]
    assert any(0 < n < max(counts) for n in counts), process[-3:]
    # Stages that read an intermediate folder count documents against what that folder holds.
    url_filter = bars(out, "url_filter")
    assert url_filter and all(re.search(r"/\d+ \[", s) for s in url_filter), url_filter[-3:]
    # …and each stage still ends with its one summary line.
    assert re.search(r"\d+ in → \d+ out in [\d.]+s", out)
