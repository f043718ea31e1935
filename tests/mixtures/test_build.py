from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from mixtures.build import build_manifest, main as build_main
from mixtures.spec import MixtureError, load_spec
from tests.mixtures.conftest import base_spec, corpus, write_shard, write_spec

REPO_ROOT = Path(__file__).resolve().parents[2]


def _source(name, shards, ratio, where=None, max_epochs=1.0, resample=(), **kw):
    return {"name": name, "shards": shards, "where": where, "ratio": ratio, "max_epochs": max_epochs,
            "resample": list(resample), **kw}


def _tokens(tokenizer_path: Path, texts: list[str]) -> int:
    """Tokens + one EOD per document, counted with the tokenizer directly."""
    tok = Tokenizer.from_file(str(tokenizer_path))
    return sum(len(tok.encode(t).ids) + 1 for t in texts)


@pytest.fixture
def shards(tmp_path):
    web = corpus(60, seed=1) + corpus(40, seed=2, start=60, domain="news.example.com")
    mathy = corpus(30, seed=3, start=100, math=True) + corpus(10, seed=4, start=130, math=True, quality=False)
    a = write_shard(tmp_path / "docs" / "part-0.parquet", web[:50] + mathy[:20])
    b = write_shard(tmp_path / "docs" / "part-1.parquet", web[50:] + mathy[20:])
    return {"web": web, "math": mathy, "paths": [a, b], "glob": str(tmp_path / "docs" / "*.parquet")}


def _build(tmp_path, tokenizer_path, stages, **kw):
    return build_manifest(load_spec(write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages, **kw)))).model_dump()


def test_manifest_counts_match_independent_tokenization(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s1", "token_budget": 5000, "seq_length": 128, "rope_base": 10000, "sources": [
        _source("web", [shards["glob"]], 0.6, "NOT has_math", max_epochs=3),
        _source("math", [shards["glob"]], 0.4, "has_math AND quality_pass", max_epochs=3),
    ]}]
    m = _build(tmp_path, tokenizer_path, stages)
    stage = m["stages"][0]
    web, math = stage["sources"]
    assert web["documents"] == 100 and math["documents"] == 30
    assert web["tokens"] == _tokens(tokenizer_path, [d["text"] for d in shards["web"]])
    assert math["tokens"] == _tokens(tokenizer_path, [d["text"] for d in shards["math"] if d["quality_pass"]])
    assert [s["path"] for s in web["shards"]] == [str(p) for p in shards["paths"]]
    assert sum(s["tokens"] for s in web["shards"]) == web["tokens"]
    for s in web["shards"]:
        import hashlib
        assert s["sha256"] == hashlib.sha256(Path(s["path"]).read_bytes()).hexdigest()
    assert web["weight"] == 0.6 and web["target_tokens"] == 3000
    assert web["epochs"] == pytest.approx(3000 / web["tokens"], rel=1e-5)
    assert stage["train_samples"] == 5000 // 128 and stage["rope_base"] == 10000
    assert m["tokenizer"]["dtype"] == "uint16" and m["tokenizer"]["eod_id"] == 0
    assert web["seed"] != math["seed"]


def test_same_inputs_give_byte_identical_manifest_and_changes_show(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s1", "token_budget": "max", "seq_length": 64, "sources": [
        _source("web", [shards["glob"]], 0.5, "NOT has_math", resample=[{"where": "domain LIKE 'news%'", "keep": 0.5}]),
        _source("math", [shards["glob"]], 0.5, "has_math"),
    ]}]
    spec = write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages))
    assert build_main([str(spec), "--manifest", str(tmp_path / "a.json")]) == 0
    assert build_main([str(spec), "--manifest", str(tmp_path / "b.json")]) == 0
    first = (tmp_path / "a.json").read_bytes()
    assert first == (tmp_path / "b.json").read_bytes()
    # Rewriting a shard with one document fewer changes its hash and the counts.
    table = pq.read_table(shards["paths"][1])
    pq.write_table(table.slice(1), shards["paths"][1])
    assert build_main([str(spec), "--manifest", str(tmp_path / "c.json")]) == 0
    old, new = json.loads(first), json.loads((tmp_path / "c.json").read_text())
    assert old["stages"][0]["sources"][0]["shards"][1]["sha256"] != new["stages"][0]["sources"][0]["shards"][1]["sha256"]
    assert old["stages"][0]["sources"][0]["shards"][0] == new["stages"][0]["sources"][0]["shards"][0]


def test_downsampling_keeps_exact_fraction_chosen_by_seeded_hash(tmp_path, tokenizer_path, shards):
    def build(seed, keep=0.3):
        stages = [{"name": "s1", "token_budget": 1000, "seq_length": 64, "sources": [
            _source("web", [shards["glob"]], 1.0, "NOT has_math", max_epochs=10,
                    resample=[{"where": "domain = 'news.example.com'", "keep": keep}])]}]
        return _build(tmp_path, tokenizer_path, stages, seed=seed)["stages"][0]["sources"][0]

    src = build(7)
    assert src["resample"] == [{"where": "domain = 'news.example.com'", "keep": 0.3, "matched": 40, "copies": 12}]
    assert src["documents"] == 60 + 12 and src["unique_documents"] == 72
    assert build(7) == src
    # Another seed keeps the same number of news documents, but (almost surely) other ones.
    other = build(8)
    assert other["documents"] == 72 and other["tokens"] != src["tokens"]


def test_upsampling_writes_copies_and_counts_tokens_per_copy(tmp_path, tokenizer_path, shards):
    def build(keep):
        stages = [{"name": "s1", "token_budget": 1000, "seq_length": 64, "sources": [
            _source("math", [shards["glob"]], 1.0, "has_math", max_epochs=10,
                    resample=[{"where": "NOT quality_pass", "keep": keep}])]}]
        return _build(tmp_path, tokenizer_path, stages)["stages"][0]["sources"][0]

    once, twice, half_again = build(1.0), build(2.0), build(1.5)
    failing = _tokens(tokenizer_path, [d["text"] for d in shards["math"] if not d["quality_pass"]])
    assert twice["documents"] == once["documents"] + 10 and twice["unique_documents"] == 40
    assert twice["tokens"] == once["tokens"] + failing
    assert half_again["documents"] == once["documents"] + 5


def test_first_matching_rule_wins(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s1", "token_budget": 1000, "seq_length": 64, "sources": [
        _source("all", [shards["glob"]], 1.0, max_epochs=10, resample=[
            {"where": "has_math", "keep": 0.0},
            {"where": "has_math OR domain = 'news.example.com'", "keep": 0.0}])]}]
    src = _build(tmp_path, tokenizer_path, stages)["stages"][0]["sources"][0]
    assert [r["matched"] for r in src["resample"]] == [40, 40]  # the second rule only sees news rows
    assert src["documents"] == 60


def test_source_that_cannot_cover_its_share_names_source_need_and_have(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s2", "token_budget": 40_000, "seq_length": 64, "sources": [
        _source("web", [shards["glob"]], 0.3, "NOT has_math", max_epochs=100),
        _source("math", [shards["glob"]], 0.7, "has_math", max_epochs=2),
    ]}]
    with pytest.raises(MixtureError) as e:
        _build(tmp_path, tokenizer_path, stages)
    msg = str(e.value)
    have = _tokens(tokenizer_path, [d["text"] for d in shards["math"]])
    assert "stage `s2`, source `math`: needs 28,000 tokens" in msg
    assert f"has {have:,} tokens in 40 documents" in msg
    assert f"at most 2 epoch(s) give {2 * have:,}" in msg
    assert "source `web`" not in msg


def test_max_budget_is_set_by_the_tightest_source(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s1", "token_budget": "max", "seq_length": 64, "sources": [
        _source("web", [shards["glob"]], 0.3, "NOT has_math", max_epochs=1),
        _source("math", [shards["glob"]], 0.7, "has_math", max_epochs=2)]}]
    stage = _build(tmp_path, tokenizer_path, stages)["stages"][0]
    web, math = stage["sources"]
    expected = min(web["tokens"] * 1 / 0.3, math["tokens"] * 2 / 0.7)
    assert stage["token_budget"] == int(expected)
    assert stage["budget_limited_by"] == ("web" if web["tokens"] / 0.3 < math["tokens"] * 2 / 0.7 else "math")
    assert max(web["epochs"] / 1, math["epochs"] / 2) == pytest.approx(1.0, abs=1e-4)


def test_optional_source_without_shards_is_dropped_and_others_renormalised(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s3", "token_budget": 1000, "seq_length": 64, "sources": [
        _source("web", [shards["glob"]], 0.45, "NOT has_math", max_epochs=4),
        _source("math", [shards["glob"]], 0.45, "has_math", max_epochs=4),
        _source("synthetic", [str(tmp_path / "synth" / "*.parquet")], 0.1, optional=True)]}]
    stage = _build(tmp_path, tokenizer_path, stages)["stages"][0]
    assert [s["weight"] for s in stage["sources"]] == [0.5, 0.5]
    assert stage["missing_sources"][0]["name"] == "synthetic" and "no shard matches" in stage["missing_sources"][0]["missing"]
    stages[0]["sources"][2]["optional"] = False
    with pytest.raises(MixtureError, match="source `synthetic`: no shard matches"):
        _build(tmp_path, tokenizer_path, stages)


def test_empty_and_null_texts_are_skipped_and_counted(tmp_path, tokenizer_path):
    rows = corpus(5, seed=1)
    rows[1]["text"], rows[3]["text"] = "", None
    write_shard(tmp_path / "d" / "x.parquet", rows)
    stages = [{"name": "s", "token_budget": 100, "seq_length": 16, "sources": [
        _source("all", [str(tmp_path / "d" / "*.parquet")], 1.0, max_epochs=50)]}]
    src = _build(tmp_path, tokenizer_path, stages)["stages"][0]["sources"][0]
    assert src["matched_rows"] == 5 and src["documents"] == 3
    assert src["skipped"] == {"empty_or_null_text": 2}


def test_column_missing_from_shard_is_a_clear_error(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": 100, "seq_length": 16, "sources": [
        _source("web", [shards["glob"]], 1.0, "reasoning_depth > 3")]}]
    with pytest.raises(MixtureError, match=r"source `web`: shard .*part-0.parquet lacks column\(s\) \['reasoning_depth'\]"):
        _build(tmp_path, tokenizer_path, stages)


def test_non_boolean_where_and_corrupt_shard_are_clear_errors(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": 100, "seq_length": 16, "sources": [
        _source("web", [shards["glob"]], 1.0, "n_words + 1")]}]
    with pytest.raises(MixtureError, match="must be a true/false condition"):
        _build(tmp_path, tokenizer_path, stages)
    (tmp_path / "docs" / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    stages[0]["sources"][0]["where"] = None
    with pytest.raises(MixtureError, match="broken.parquet: not a readable Parquet file"):
        _build(tmp_path, tokenizer_path, stages)


def test_tokenizer_problems_are_clear(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": 100, "seq_length": 16, "sources": [_source("w", [shards["glob"]], 1.0)]}]
    spec = base_spec(tmp_path, tokenizer_path, stages)
    spec["tokenizer"] = {"path": str(tmp_path / "missing" / "tokenizer.json")}
    with pytest.raises(MixtureError, match="tokenizer .*tokenizer.json: file not found"):
        build_manifest(load_spec(write_spec(tmp_path / "m.yaml", spec)))
    spec["tokenizer"] = {"path": str(tokenizer_path), "eod_token": "<eos-not-there>"}
    with pytest.raises(MixtureError, match="eod_token '<eos-not-there>' is not in its vocabulary"):
        build_manifest(load_spec(write_spec(tmp_path / "m.yaml", spec)))


def test_tokenizer_is_trained_when_missing(tmp_path, shards):
    stages = [{"name": "s", "token_budget": 100, "seq_length": 16, "sources": [_source("w", [shards["glob"]], 1.0, max_epochs=9)]}]
    spec = base_spec(tmp_path, tmp_path / "tok" / "tokenizer.json", stages)
    spec["tokenizer"]["train"] = {"shards": [shards["glob"]], "vocab_size": 350}
    m = build_manifest(load_spec(write_spec(tmp_path / "m.yaml", spec))).model_dump()
    tok = Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json"))
    assert m["tokenizer"]["vocab_size"] == tok.get_vocab_size() <= 350
    assert m["tokenizer"]["eod_id"] == tok.token_to_id("<|endoftext|>")


def test_cli_reports_errors_without_traceback(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": "10B", "seq_length": 16, "sources": [_source("w", [shards["glob"]], 1.0)]}]
    spec = write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages))
    proc = subprocess.run([sys.executable, "-m", "mixtures.build", str(spec)], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 2
    assert "source `w`: needs 10,000,000,000 tokens" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_budget_shorter_than_one_sequence_is_a_recorded_warning(tmp_path, tokenizer_path, shards):
    stages = [{"name": "long", "token_budget": 1000, "seq_length": 4096, "sources": [
        _source("web", [shards["glob"]], 1.0, "NOT has_math")]}]
    stage = _build(tmp_path, tokenizer_path, stages)["stages"][0]
    assert stage["train_samples"] == 0
    assert stage["warnings"] == ["a budget of 1,000 tokens is less than one 4,096-token sequence: train_samples is 0"]


def test_empty_source_under_max_budget_is_the_one_reported(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": "max", "seq_length": 16, "sources": [
        _source("web", [shards["glob"]], 0.5, "NOT has_math"),
        _source("none", [shards["glob"]], 0.5, "has_math AND NOT has_math")]}]
    with pytest.raises(MixtureError) as e:
        _build(tmp_path, tokenizer_path, stages)
    assert "source `none`: has 0 tokens in 0 documents (0 rows match its `where`" in str(e.value)
    assert "source `web`" not in str(e.value)


def test_rows_taken_by_two_sources_are_reported(tmp_path, tokenizer_path, shards):
    stages = [{"name": "s", "token_budget": 1000, "seq_length": 16, "sources": [
        _source("everything", [shards["glob"]], 0.5, max_epochs=9),
        _source("math", [shards["glob"]], 0.3, "has_math", max_epochs=9),
        _source("news", [shards["glob"]], 0.2, "domain = 'news.example.com'", max_epochs=9)]}]
    stage = _build(tmp_path, tokenizer_path, stages)["stages"][0]
    assert stage["overlapping_rows"] == {"everything&math": 40, "everything&news": 40}
    assert "sources everything and math both select 40 rows (each exports its own copy)" in stage["warnings"]
