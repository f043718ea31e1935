"""Scores as columns: the classify job over existing shards, the crawl step, and mixtures selecting
on the new columns (`where:` over cls_*), with the domain model trained on real pages."""
from __future__ import annotations

import importlib.util
import random

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from core.records.document import DOCUMENT_SCHEMA
from filters.classifiers import Classifier
from pipelines.run import main as run_main
from tests.mixtures.conftest import base_spec, document, tokenizer_path, write_shard, write_spec  # noqa: F401

pytestmark = pytest.mark.xdist_group("crawl")


@pytest.fixture(scope="module")
def scored(web_domain_model, tmp_path_factory):
    """Two crawl-schema shards of real pages, then `kind: classify` over them."""
    tmp = tmp_path_factory.mktemp("classify")
    pages = pq.read_table(web_domain_model["labels"]).to_pylist()
    pick = [p for p in pages if p["domain"] != "other"] + [p for p in pages if p["domain"] == "other"][:40]
    rng = random.Random(0)
    rows = [document(i, rng, text=p["text"], source=f"crawl-input-{i % 3}.warc.gz") for i, p in enumerate(pick)]
    write_shard(tmp / "docs" / "a.parquet", rows[: len(rows) // 2])
    write_shard(tmp / "docs" / "b.parquet", rows[len(rows) // 2:])
    config = tmp / "classify.yaml"
    config.write_text(yaml.safe_dump({"kind": "classify", "input": "docs", "output_dir": "out",
                                      "models": {"domain": str(web_domain_model["model"])},
                                      "executor": {"tasks": 2, "workers": 1}}))
    assert run_main([str(config)]) == 0
    out = pl.read_parquet(sorted((tmp / "out" / "documents").glob("*.parquet")))
    return {"rows": rows, "out": out, "tmp": tmp, "model": web_domain_model["model"]}


def test_classify_job_fills_the_columns_and_keeps_every_other_one(scored):
    out, rows = scored["out"].sort("id"), sorted(scored["rows"], key=lambda r: r["id"])
    assert out.height == len(rows)
    expected = Classifier({"domain": scored["model"]}).predict("domain", [r["text"] for r in rows])
    assert out["cls_domain"].to_list() == expected
    assert out["cls_domain_prob"].is_between(0, 1).all() and out["cls_domain_prob"].null_count() == 0
    assert out["cls_educational_value"].null_count() == out.height  # no model for it
    for col in ("id", "text", "source", "url", "quality_pass", "n_words"):
        assert out[col].to_list() == [r[col] for r in rows], col
    schema = pq.read_schema(next((scored["tmp"] / "out" / "documents").glob("*.parquet")))
    assert schema.names == DOCUMENT_SCHEMA.names


def test_mixture_where_selects_on_classifier_columns(scored, tmp_path, tokenizer_path):  # noqa: F811
    from mixtures.build import build_manifest
    from mixtures.spec import load_spec

    out = scored["out"]
    shards = str(scored["tmp"] / "out" / "documents" / "*.parquet")
    where_math = "cls_domain = 'math' AND cls_domain_prob >= 0.5"
    where_rest = "cls_domain <> 'math' OR cls_domain_prob < 0.5"
    stages = [{"name": "s1", "token_budget": "max", "seq_length": 128, "rope_base": 10000, "sources": [
        {"name": "math", "shards": [shards], "where": where_math, "ratio": 0.5, "max_epochs": 1.0},
        {"name": "rest", "shards": [shards], "where": where_rest, "ratio": 0.5, "max_epochs": 1.0},
    ]}]
    manifest = build_manifest(load_spec(write_spec(tmp_path / "m.yaml", base_spec(tmp_path, tokenizer_path, stages)))).model_dump()
    got = {s["name"]: s["documents"] for s in manifest["stages"][0]["sources"]}
    n_math = out.filter((pl.col("cls_domain") == "math") & (pl.col("cls_domain_prob") >= 0.5)).height
    assert n_math > 0
    assert got == {"math": n_math, "rest": out.height - n_math}


def test_crawl_scores_documents_when_models_are_given(web_domain_model, shared_data, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("llmwebkit-bench-code_1", "llmwebkit-bench-math_1", "llmwebkit-bench-math_katex_latex_1"):
        src = shared_data / "web" / "math" / "pages" / f"{name}.html"
        (pages / src.name).write_bytes(src.read_bytes())
    n = 3
    base = {"kind": "crawl", "input": {"path": str(pages), "format": "html"}, "executor": {"tasks": 1},
            "dedup": {"url": False, "minhash": False}, "quality": {"mode": "tag"}, "extract": {"timeout": 30}}
    off = tmp_path / "off.yaml"
    off.write_text(yaml.safe_dump({**base, "output_dir": str(tmp_path / "off")}))
    on = tmp_path / "on.yaml"
    on.write_text(yaml.safe_dump({**base, "output_dir": str(tmp_path / "on"),
                                  "classify": {"models": {"domain": str(web_domain_model["model"])}}}))
    assert run_main([str(off)]) == 0 and run_main([str(on)]) == 0
    docs_off = pl.read_parquet(str(tmp_path / "off" / "documents" / "*.parquet")).sort("id")
    docs_on = pl.read_parquet(str(tmp_path / "on" / "documents" / "*.parquet")).sort("id")
    assert docs_off["cls_domain"].null_count() == docs_off.height  # off by default
    assert docs_on.height == docs_off.height == n
    assert docs_on["cls_domain"].to_list() == Classifier({"domain": web_domain_model["model"]}).predict(
        "domain", docs_on["text"].to_list())
    assert docs_on.drop("cls_domain", "cls_domain_prob").equals(docs_off.drop("cls_domain", "cls_domain_prob"))


def test_missing_model_in_crawl_config_is_one_clear_error(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.html").write_text("<html><body><p>hi</p></body></html>")
    cfg.write_text(yaml.safe_dump({"kind": "crawl", "input": {"path": "in", "format": "html"},
                                   "classify": {"models": {"domain": "models/nope.bin"}}}))
    assert run_main([str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "classify.models" in err and "nope.bin" in err


def test_shipped_loop_configs_validate(tmp_path, web_domain_model):
    """configs/classify.yaml and configs/annotate.yaml as shipped, with their inputs where they point."""
    import shutil

    from pipelines.registry import load_config
    from tests.conftest import REPO_ROOT

    (tmp_path / "configs").mkdir()
    for name in ("classify.yaml", "annotate.yaml", "crawl.yaml"):
        shutil.copy(REPO_ROOT / "configs" / name, tmp_path / "configs" / name)
    write_shard(tmp_path / "output" / "crawl" / "documents" / "a.parquet", [document(0, random.Random(0))])
    (tmp_path / "data" / "sample-crawl").mkdir(parents=True)  # crawl.yaml's input
    (tmp_path / "output" / "models").mkdir(parents=True)
    for dim in ("domain", "content_type", "reasoning_depth", "knowledge_density", "educational_value"):
        shutil.copy(web_domain_model["model"], tmp_path / "output" / "models" / f"{dim}.bin")
    module, cfg = load_config(tmp_path / "configs" / "classify.yaml")
    assert module.__name__ == "pipelines.classify"
    assert cfg.models["educational_value"] == str(tmp_path / "output" / "models" / "educational_value.bin")
    _, crawl_cfg = load_config(tmp_path / "configs" / "crawl.yaml")
    assert crawl_cfg.classify.models == {}
    if importlib.util.find_spec("synth.backends") is not None:
        module, cfg = load_config(tmp_path / "configs" / "annotate.yaml")
        assert cfg.input == str(tmp_path / "output" / "crawl" / "documents") and cfg.sample == 2000
