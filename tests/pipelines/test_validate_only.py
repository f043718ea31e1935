"""`--validate-only` checks what a run would trip on: input globs that match nothing, a `format`
that is not what the files are, columns the config names that the inputs lack. One message,
exit 2, no traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.pipelines.warcs import article_html, write_warc


def _validate(tmp_path: Path, cfg: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return subprocess.run([sys.executable, "-m", "pipelines.run", str(path), "--validate-only"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


@pytest.fixture
def warc_folder(tmp_path) -> Path:
    folder = tmp_path / "warcs"
    folder.mkdir()
    write_warc(folder / "a.warc.gz", [("https://ex.com/1", article_html("One"))])
    return folder


def test_valid_crawl_config_reports_its_input(tmp_path, warc_folder):
    proc = _validate(tmp_path, {"kind": "crawl", "input": {"path": "warcs", "format": "warc"}, "output_dir": "out"})
    assert proc.returncode == 0, proc.stderr
    assert "config is valid (1 warc file(s) under" in proc.stdout


@pytest.mark.parametrize("inp, expected", [
    ({"path": "warcs", "format": "jsonl"}, "no file matches '**/*.jsonl*'"),
    ({"path": "warcs/*.warc.gz", "format": "parquet"}, "looks like warc"),
    ({"path": "docs.jsonl", "format": "jsonl", "text_key": "body"}, "key `input`.text_key: column 'body' is not in"),
])
def test_crawl_input_mismatches_are_config_errors(tmp_path, warc_folder, inp, expected):
    (tmp_path / "docs.jsonl").write_text(json.dumps({"id": "a", "text": "hello"}) + "\n")
    proc = _validate(tmp_path, {"kind": "crawl", "input": inp, "output_dir": "out"})
    assert proc.returncode == 2, proc.stdout
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    if inp["format"] == "jsonl" and inp["path"] == "warcs":
        assert "a.warc.gz" in proc.stderr and "is `format` right?" in proc.stderr


def test_mixture_where_naming_a_missing_column(tmp_path):
    from tests.mixtures.conftest import corpus, write_shard

    write_shard(tmp_path / "docs" / "a.parquet", corpus(5))
    cfg = {"kind": "mixture", "output_dir": "out", "seed": 1, "documents": {"id_column": "id", "text_column": "text"},
           "tokenizer": {"path": "tok.json"},
           "stages": [{"name": "s1", "token_budget": 1000, "seq_length": 16, "sources": [
               {"name": "web", "shards": ["docs/*.parquet"], "ratio": 1.0, "where": "has_math AND reading_level > 3"}]}]}
    proc = _validate(tmp_path, cfg)
    assert proc.returncode == 2, proc.stdout
    assert "stage `s1`, source `web`: `where` names column(s) ['reading_level']" in proc.stderr
    assert "Traceback" not in proc.stderr
