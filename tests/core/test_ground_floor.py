"""The ground floor: the path rule, atomic writes, the markup format, charset decoding, records."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml

from core.charset import decode_html
from core.config import ConfigError, load_model
from core.io import atomic_open, atomic_write_text
from core.markup import mask, render, spans
from pipelines.registry import JOBS, load_config


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_every_job_resolves_relative_paths_against_the_config_file(tmp_path: Path, monkeypatch, kind: str) -> None:
    cfg_dir = tmp_path / "configs"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.jsonl").write_text('{"id": "1", "text": "x", "problem": "1+1?", "answer": "2"}\n')
    (tmp_path / "data" / "a.parquet").write_bytes(b"")  # shards for classify/annotate (only their presence is checked)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "d.bin").write_bytes(b"")
    cfg = {
        "crawl": {"input": {"path": "../data", "format": "jsonl"}, "output_dir": "../out"},
        "problems": {"inputs": [{"path": "../data/in.jsonl"}], "output_dir": "../out"},
        "difficulty": {"input": {"path": "../data/in.jsonl"}, "output_dir": "../out",
                       "model": {"backend": "vllm", "model": "data/tiny-model"}, "level_runs": ["../runs/a.jsonl"]},
        "mixture": {"output_dir": "../out", "documents": {"id_column": "id", "text_column": "text"},
                    "tokenizer": {"path": "../tok/tokenizer.json"},
                    "stages": [{"name": "s", "token_budget": 10, "seq_length": 4,
                                "sources": [{"name": "a", "shards": ["../data/*.parquet"], "ratio": 1.0}]}]},
        "train": {"out_dir": "../out", "data": {"manifest": "../mix/manifest.json"}},
        "classify": {"input": "../data", "output_dir": "../out", "models": {"domain": "../models/d.bin"}},
        "annotate": {"input": "../data", "output": "../out", "model": {"backend": "vllm", "model": "data/tiny-model"}},
        "synth": {"output_dir": "../out", "model": {"backend": "vllm", "model": "data/tiny-model"},
                  "queries": {"inputs": [{"path": "../data/in.jsonl", "source": "q"}]}},
    }[kind]
    cfg_dir.mkdir()
    (cfg_dir / "job.yaml").write_text(yaml.safe_dump({"kind": kind, **cfg}))
    monkeypatch.chdir(Path("/"))  # the working directory plays no part
    _, config = load_config(cfg_dir / "job.yaml")
    out = {"train": "out_dir", "annotate": "output"}.get(kind, "output_dir")
    assert getattr(config, out) == str(tmp_path / "out")
    if kind == "train":
        assert config.data.manifest == str(tmp_path / "mix" / "manifest.json")
    elif kind == "crawl":
        assert config.input.path == str(tmp_path / "data")
    elif kind == "problems":
        assert config.inputs[0].path == str(tmp_path / "data" / "in.jsonl")
    elif kind == "classify":
        assert config.input == str(tmp_path / "data") and config.models["domain"] == str(tmp_path / "models" / "d.bin")
    elif kind == "annotate":
        assert config.input == str(tmp_path / "data")
    elif kind == "synth":
        assert config.queries.inputs[0].path == str(tmp_path / "data" / "in.jsonl")
    elif kind == "difficulty":
        assert config.input.path == str(tmp_path / "data" / "in.jsonl")
        assert config.level_runs == [str(tmp_path / "runs" / "a.jsonl")]
    else:
        assert config.tokenizer.path == str(tmp_path / "tok" / "tokenizer.json")
        assert config.stages[0].sources[0].shards == [str(tmp_path / "data" / "*.parquet")]


def test_urls_absolute_paths_and_hub_names_are_left_alone(tmp_path: Path) -> None:
    from mixtures.spec import MixtureSpec

    spec = {"output_dir": "/abs/out", "documents": {"id_column": "id", "text_column": "text"},
            "tokenizer": {"path": "gpt2"},
            "stages": [{"name": "s", "token_budget": 10, "seq_length": 4,
                        "sources": [{"name": "a", "shards": ["s3://bucket/x/*.parquet"], "ratio": 1.0}]}]}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(spec))
    loaded = load_model(tmp_path / "m.yaml", MixtureSpec, kind="mixture")
    assert loaded.output_dir == "/abs/out" and loaded.tokenizer.path == "gpt2"
    assert loaded.stages[0].sources[0].shards == ["s3://bucket/x/*.parquet"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"kind": "crawl", **spec}))
    with pytest.raises(ConfigError, match="key `kind`: expected `mixture`"):
        load_model(tmp_path / "bad.yaml", MixtureSpec, kind="mixture")


def test_atomic_write_publishes_whole_files_only(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "first\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as f:
            f.write("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]  # no temporary left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


def test_markup_render_spans_and_mask_agree() -> None:
    code = render("B", "x = 1\nprint(x)", "python")
    text = f"Let {render('M', 'x^2')} be. {render('D', 'a+b')}\n{code}\nSo `y` and $5 and $6 cost."
    kinds = [s.kind for s in spans(text)]
    assert kinds == ["M", "D", "B", "M"]  # "$5 and $6" is a span too: the format cannot tell prices apart
    assert "print" not in mask(text) and "x^2" not in mask(text)
    prose = mask(text, code="\n", display="", inline="formula")
    assert prose.startswith("Let formula be.")
    # a fence longer than the code's own fences is closed by the same fence
    nested = render("B", "```\ninner\n```")
    assert [s.kind for s in spans(f"a\n{nested}\nb")] == ["B"] and "inner" not in mask(f"a\n{nested}\nb")


def test_charset_rule() -> None:
    assert decode_html("héllo".encode()) == ("héllo", "utf-8")
    latin = '<meta charset="iso-8859-1"><p>caf\xe9</p>'.encode("latin-1")
    text, how = decode_html(latin)
    assert "café" in text and how == "iso-8859-1"
    text, how = decode_html(b"\xff\xfe\xfa" * 3)
    assert how != "utf-8"
