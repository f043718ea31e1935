"""Export end to end: build → export → read back with megatron-core's IndexedDataset and
BlendedMegatronDataset, Polars, and our own reader."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from mixtures.build import build_manifest
from mixtures.export import export, gather_documents
from mixtures.megatron import read_indexed_dataset
from mixtures.spec import MixtureError, load_spec
from tests.mixtures.conftest import base_spec, corpus, write_shard, write_spec
from tests.mixtures.test_megatron import megatron_core

REPO_ROOT = Path(__file__).resolve().parents[2]


class MegatronTokenizerAdapter:
    """What megatron-core's GPTDataset asks of a tokenizer (eod, pad, vocab size, identity), taken
    from the real HF tokenizer the export used. megatron-core's own HF wrapper needs transformers."""

    def __init__(self, path: Path, eod_token: str):
        tok = Tokenizer.from_file(str(path))
        self.vocab_size = tok.get_vocab_size()
        self.eod = self.pad = tok.token_to_id(eod_token)
        self.unique_identifiers = OrderedDict({"class": "tokenizers.Tokenizer", "path": str(path)})


def _run(tmp_path, tokenizer_path, stages, **kw):
    spec = load_spec(write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages, **kw)))
    manifest = build_manifest(spec).model_dump()
    return manifest, export(manifest)


@pytest.fixture
def two_source_stage(tmp_path):
    web = corpus(70, seed=1) + corpus(30, seed=2, start=70, domain="news.example.com")
    mathy = corpus(40, seed=3, start=100, math=True, n_words=30)
    write_shard(tmp_path / "docs" / "a.parquet", web[:60] + mathy[:25])
    write_shard(tmp_path / "docs" / "b.parquet", web[60:] + mathy[25:])
    glob = str(tmp_path / "docs" / "*.parquet")
    return [{"name": "s1", "token_budget": 20_000, "seq_length": 32, "rope_base": 10000, "sources": [
        {"name": "web", "shards": [glob], "where": "NOT has_math", "ratio": 0.75, "max_epochs": 4,
         "resample": [{"where": "domain = 'news.example.com'", "keep": 0.3}]},
        {"name": "math", "shards": [glob], "where": "has_math", "ratio": 0.25, "max_epochs": 8,
         "resample": [{"where": "n_formulas > 0", "keep": 2.0}]},
    ]}]


def _expected_docs(parquet_path: Path, tok: Tokenizer, eod: int) -> list[list[int]]:
    rows = pl.read_parquet(parquet_path)
    out = []
    for text, copies in zip(rows["text"], rows["mixture_copies"]):
        out += [tok.encode(text).ids + [eod]] * copies
    return out


@pytest.mark.slow
def test_megatron_files_hold_exactly_the_sampled_documents(tmp_path, tokenizer_path, two_source_stage):
    mcd = megatron_core()
    manifest, summary = _run(tmp_path, tokenizer_path, two_source_stage)
    tok = Tokenizer.from_file(str(tokenizer_path))
    eod = tok.token_to_id("<|endoftext|>")
    out = tmp_path / "out"
    for entry in manifest["stages"][0]["sources"]:
        prefix = out / "megatron" / "s1" / entry["name"]
        theirs = mcd.indexed_dataset.IndexedDataset(str(prefix))
        expected = _expected_docs(out / "parquet" / "s1" / f"{entry['name']}.parquet", tok, eod)
        assert len(theirs) == len(expected) == entry["documents"]
        assert int(theirs.sequence_lengths.sum()) == entry["tokens"]
        for i, doc in enumerate(expected):
            assert theirs[i].tolist() == doc
    # The Parquet mixture is the sample: sources, stage, copies; 30% of news and every math doc twice.
    web = pl.read_parquet(out / "parquet" / "s1" / "web.parquet")
    math = pl.read_parquet(out / "parquet" / "s1" / "math.parquet")
    assert web["mixture_stage"].unique().to_list() == ["s1"] and web["mixture_source"].unique().to_list() == ["web"]
    assert (web["domain"] == "news.example.com").sum() == 9 and web.height == 79
    assert math["mixture_copies"].unique().to_list() == [2] and math["has_math"].all()
    assert set(web.columns) >= {"id", "text", "quality_pass", "mixture_tokens", "mixture_shard"}
    assert summary["stages"][0]["sources"][0]["megatron_prefix"] == str(out / "megatron" / "s1" / "web")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The pad token id")
def test_blend_read_by_megatron_core_gives_the_target_proportions_within_caps(tmp_path, tokenizer_path, two_source_stage, monkeypatch):
    mcd = megatron_core()
    from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.utils import get_blend_from_list

    manifest, summary = _run(tmp_path, tokenizer_path, two_source_stage)
    stage = manifest["stages"][0]
    # The exported folder works from anywhere: moved, then read from the blend file's own folder.
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "out", moved)
    stage_dir = moved / "megatron" / "s1"
    monkeypatch.chdir(stage_dir)
    blend = json.loads((stage_dir / "blend.json").read_text())
    assert blend["path_prefix"] is None and blend["data_path"][1::2] == ["web", "math"]
    per_split = json.loads(Path(blend["per_split_data_args_path"]).read_text())
    blend_per_split = [get_blend_from_list(per_split[k]) for k in ("train", "valid", "test")]
    config = GPTDatasetConfig(
        random_seed=1234, sequence_length=stage["seq_length"], blend_per_split=blend_per_split,
        tokenizer=MegatronTokenizerAdapter(tokenizer_path, "<|endoftext|>"), path_to_cache=None,
        reset_position_ids=False, reset_attention_mask=False, eod_mask_loss=False, mmap_bin_files=True)
    train, valid, test = BlendedMegatronDatasetBuilder(
        GPTDataset, [stage["train_samples"], None, None], lambda: True, config).build()
    assert valid is None and test is None
    weights = [s["weight"] for s in stage["sources"]]
    # Megatron takes ceil(weight · samples) per source, so the blend can be a sample or two longer.
    assert len(train) == sum(math.ceil(w * stage["train_samples"]) for w in weights)
    counts = np.bincount(np.asarray(train.dataset_index), minlength=2)
    # Megatron interleaves by largest error first: the running ratio is exact to within one sample.
    for count, weight in zip(counts, weights):
        assert abs(count - weight * len(train)) <= 1
    # What Megatron draws from each source stays within the epoch cap the manifest enforced
    # (plus Megatron's 0.5% surplus), and every sample is seq_length + 1 tokens of that source.
    for ds, entry in zip(train.datasets, stage["sources"]):
        drawn = len(ds) * stage["seq_length"]
        assert drawn <= entry["max_epochs"] * entry["tokens"] * 1.006 + stage["seq_length"]
        bin_tokens = read_indexed_dataset(stage_dir / entry["name"]).tokens
        sample = ds[0]["tokens"].numpy()
        assert len(sample) == stage["seq_length"]
        assert set(sample.tolist()) <= set(np.asarray(bin_tokens).tolist())
    assert blend["megatron_args"][-2:] == ["--rotary-base", "10000"]
    assert mcd is not None


def test_int32_tokens_for_a_large_vocabulary(tmp_path):
    mcd = megatron_core()
    # A word-level tokenizer with 70,000 entries: ids above 65,535 need int32.
    words = [f"w{i}" for i in range(70_000)]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)} | {"[UNK]": 70_000, "<eod>": 70_001},
                                     unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "big.json"))
    rng = np.random.default_rng(0)
    texts = [" ".join(words[j] for j in rng.integers(0, 70_000, size=20)) for _ in range(30)]
    rows = corpus(30, seed=1)
    for row, text in zip(rows, texts):
        row["text"] = text
    write_shard(tmp_path / "d" / "x.parquet", rows)
    stages = [{"name": "s", "token_budget": 300, "seq_length": 8, "sources": [
        {"name": "all", "shards": [str(tmp_path / "d" / "*.parquet")], "ratio": 1.0}]}]
    spec = base_spec(tmp_path, tmp_path / "big.json", stages)
    spec["tokenizer"]["eod_token"] = "<eod>"
    manifest, _ = _run_spec(tmp_path, spec)
    assert manifest["tokenizer"]["dtype"] == "int32"
    ds = mcd.indexed_dataset.IndexedDataset(str(tmp_path / "out" / "megatron" / "s" / "all"))
    assert ds[0].dtype == np.int32
    assert ds[4].tolist() == tok.encode(texts[4]).ids + [70_001]
    assert max(int(ds[i].max()) for i in range(len(ds))) > 65_535


def _run_spec(tmp_path, spec):
    manifest = build_manifest(load_spec(write_spec(tmp_path / "m.yaml", spec))).model_dump()
    return manifest, export(manifest)


def test_rerun_skips_finished_sources_and_changed_inputs_are_refused(tmp_path, tokenizer_path, two_source_stage):
    manifest, _ = _run(tmp_path, tokenizer_path, two_source_stage)
    web_bin = tmp_path / "out" / "megatron" / "s1" / "web.bin"
    before = web_bin.stat().st_mtime_ns
    export(manifest)
    assert web_bin.stat().st_mtime_ns == before  # skipped: its .done marker matches
    (tmp_path / "out" / "megatron" / "s1" / "web.done").unlink()
    os.utime(web_bin, ns=(0, 0))
    export(manifest)
    assert web_bin.stat().st_mtime_ns != 0  # rewritten
    web_bin.unlink()  # an output gone behind the marker's back is written again
    export(manifest)
    assert len(read_indexed_dataset(web_bin.with_suffix(""))) == manifest["stages"][0]["sources"][0]["documents"]
    # A shard rewritten after the build: export refuses rather than write a different mixture.
    table = pq.read_table(tmp_path / "docs" / "b.parquet")
    pq.write_table(table.slice(0, table.num_rows - 1), tmp_path / "docs" / "b.parquet")
    for p in (tmp_path / "out" / "megatron" / "s1").glob("*.done"):
        p.unlink()
    with pytest.raises(MixtureError, match=r"inputs changed since the manifest was built .*b.parquet"):
        export(manifest)


def test_gather_documents_repeats_and_appends_eod():
    tokens = np.array([10, 11, 12, 20, 30, 31], dtype=np.uint16)
    offsets = np.array([0, 3, 4, 4, 6])  # row 2 is empty
    out, lens = gather_documents(tokens, offsets, np.array([0, 3]), np.array([2, 1]), eod_id=0)
    assert out.tolist() == [10, 11, 12, 0, 10, 11, 12, 0, 30, 31, 0] and lens.tolist() == [4, 4, 3]
    out, lens = gather_documents(tokens, offsets, np.array([1]), np.array([3]), eod_id=None)
    assert out.tolist() == [20, 20, 20] and lens.tolist() == [1, 1, 1]


@pytest.mark.slow
def test_pipelines_run_builds_and_exports(tmp_path, tokenizer_path, two_source_stage):
    spec = write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, two_source_stage))
    proc = subprocess.run([sys.executable, "-m", "pipelines.run", str(spec), "--json"], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "web" in proc.stderr and "weight 0.750" in proc.stderr  # the human summary
    out = tmp_path / "out"
    assert json.loads(proc.stdout)["manifest"] == str(out / "manifest.json")  # --json stays parseable
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["name"] for s in manifest["stages"][0]["sources"]] == ["web", "math"]
    exported = json.loads((out / "export.json").read_text())
    assert exported["stages"][0]["blend"] == str(out / "megatron" / "s1" / "blend.json")
    data_args = (out / "megatron" / "s1" / "data_args.txt").read_text().split()
    assert data_args == ["0.75", "web", "0.25", "math"]  # relative to data_args.txt's folder: the folder can move
    for name in ("web", "math"):
        assert (out / "megatron" / "s1" / f"{name}.idx").is_file()


@pytest.mark.s3
def test_shards_on_s3(tmp_path, tokenizer_path, s3_server):
    client = s3_server.client()
    client.create_bucket(Bucket="crawl")
    local = write_shard(tmp_path / "x.parquet", corpus(20, seed=5) + corpus(5, seed=6, start=20, math=True))
    client.upload_file(str(local), "crawl", "documents/part-0.parquet")
    stages = [{"name": "s", "token_budget": 500, "seq_length": 16, "sources": [
        {"name": "all", "shards": ["s3://crawl/documents/*.parquet"], "where": "NOT has_math", "ratio": 1.0,
         "max_epochs": 10}]}]
    manifest, _ = _run(tmp_path, tokenizer_path, stages)
    src = manifest["stages"][0]["sources"][0]
    assert [s["path"] for s in src["shards"]] == ["s3://crawl/documents/part-0.parquet"]
    import hashlib
    assert src["shards"][0]["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
    assert src["documents"] == 20
    assert len(read_indexed_dataset(tmp_path / "out" / "megatron" / "s" / "all")) == 20


def test_export_cli(tmp_path, tokenizer_path, two_source_stage):
    from mixtures.export import main as export_main

    spec = load_spec(write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, two_source_stage)))
    (tmp_path / "manifest.json").write_text(build_manifest(spec).to_json())
    assert export_main([str(tmp_path / "manifest.json")]) == 0
    assert (tmp_path / "out" / "export.json").is_file()
    (tmp_path / "bad.json").write_text('{"stages": []}')
    assert export_main([str(tmp_path / "bad.json")]) == 2
    assert export_main([str(tmp_path / "absent.json")]) == 2


def test_blend_paths_under_a_training_cluster_prefix(tmp_path, tokenizer_path, two_source_stage):
    _, summary = _run(tmp_path, tokenizer_path, two_source_stage,
                      export={"megatron": True, "parquet": False, "megatron_path_prefix": "/lustre/mix/"})
    stage_dir = tmp_path / "out" / "megatron" / "s1"
    blend = json.loads((stage_dir / "blend.json").read_text())
    assert blend["data_path"][1::2] == ["/lustre/mix/megatron/s1/web", "/lustre/mix/megatron/s1/math"]
    assert blend["per_split_data_args_path"] == "/lustre/mix/megatron/s1/per_split_data_args.json"
    assert blend["megatron_args"][blend["megatron_args"].index("--per-split-data-args-path") + 1] == blend["per_split_data_args_path"]
    assert (stage_dir / "data_args.txt").read_text().split()[1::2] == blend["data_path"][1::2]
    assert str(tmp_path) not in (stage_dir / "per_split_data_args.json").read_text()
