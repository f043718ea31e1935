from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mixtures.spec import MixtureSpec, load_spec, parse_token_budget
from pipelines.registry import ConfigError, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def _spec(**stage_overrides) -> dict:
    stage = {
        "name": "s1",
        "token_budget": "2M",
        "seq_length": 8192,
        "sources": [
            {"name": "web", "shards": ["x/*.parquet"], "where": "quality_pass", "ratio": 0.6, "max_epochs": 4},
            {"name": "math", "shards": ["x/*.parquet"], "where": "has_math", "ratio": 0.4,
             "resample": [{"where": "domain LIKE '%news%'", "keep": 0.3}]},
        ],
    }
    stage.update(stage_overrides)
    return {"output_dir": "out", "documents": {"id_column": "id", "text_column": "text"},
            "tokenizer": {"path": "tok.json"}, "stages": [stage]}


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"kind": "mixture", **data}))
    return p


@pytest.mark.parametrize("text,expected", [
    ("17.8T", 17_800_000_000_000), ("4B", 4_000_000_000), ("500K", 500_000), ("2m", 2_000_000),
    (123456, 123456), ("max", "max"), ("MAX", "max"),
])
def test_token_budget_suffixes(text, expected):
    assert parse_token_budget(text) == expected


@pytest.mark.parametrize("bad", ["lots", "-5", "0", True, "4Q", 0.2])
def test_token_budget_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        parse_token_budget(bad)


def test_valid_spec_loads(tmp_path):
    spec = load_spec(_write(tmp_path, _spec()))
    assert spec.stages[0].token_budget == 2_000_000
    assert spec.stages[0].sources[1].resample[0].keep == 0.3
    assert spec.stages[0].sources[1].max_epochs == 1.0  # default: no repetition


def test_ratios_must_sum_to_one(tmp_path):
    data = _spec()
    data["stages"][0]["sources"][1]["ratio"] = 0.5
    with pytest.raises(ConfigError, match=r"stages\[0\].*sum to 1.*1\.1"):
        load_spec(_write(tmp_path, data))


def test_bad_expression_is_named(tmp_path):
    data = _spec()
    data["stages"][0]["sources"][0]["where"] = "quality_pass AND"
    with pytest.raises(ConfigError) as e:
        load_spec(_write(tmp_path, data))
    assert "stages[0].sources[0].where" in str(e.value)
    assert "not a valid Polars SQL expression" in str(e.value)


def test_unknown_keys_and_bad_values_all_reported(tmp_path):
    data = _spec(seq_length=0)
    data["stages"][0]["sources"][0]["weight"] = 0.6
    data["stages"][0]["sources"][1]["resample"][0]["keep"] = -1
    with pytest.raises(ConfigError) as e:
        load_spec(_write(tmp_path, data))
    msg = str(e.value)
    assert "stages[0].seq_length" in msg
    assert "stages[0].sources[0].weight`: unknown key" in msg
    assert "stages[0].sources[1].resample[0].keep" in msg


def test_duplicate_names_rejected(tmp_path):
    data = _spec()
    data["stages"][0]["sources"][1]["name"] = "web"
    with pytest.raises(ConfigError, match="repeated: \\['web'\\]"):
        load_spec(_write(tmp_path, data))
    data = _spec()
    data["stages"].append(dict(data["stages"][0]))
    with pytest.raises(ConfigError, match="stage names must be unique"):
        load_spec(_write(tmp_path, data))


def test_names_must_be_file_safe(tmp_path):
    with pytest.raises(ConfigError, match="stages\\[0\\].name"):
        load_spec(_write(tmp_path, _spec(name="../evil")))


def test_wrong_kind_rejected(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"kind": "crawl", **_spec()}))
    with pytest.raises(ConfigError, match="expected `mixture`"):
        load_spec(p)


def test_repo_recipe_config_validates_through_dispatcher():
    """configs/mixture.yaml is the three-stage recipe; it must validate as `kind: mixture`."""
    module, config = load_config(REPO_ROOT / "configs" / "mixture.yaml")
    assert module.__name__ == "pipelines.mixture"
    assert isinstance(config, MixtureSpec)
    stages = {s.name: s for s in config.stages}
    assert [s.seq_length for s in config.stages] == [8192, 8192, 32768]
    assert config.stages[2].rope_base == 640_000
    # stage 2 raises math + code to ~70%; stage 3 adds ~10% synthetic reasoning, stage 1 has none
    math_code = lambda st: sum(s.ratio for s in st.sources if "math" in s.name or "code" in s.name)  # noqa: E731
    assert math_code(config.stages[1]) == pytest.approx(0.7)
    synth = [s for s in config.stages[2].sources if "synthetic" in s.name]
    assert synth and sum(s.ratio for s in synth) == pytest.approx(0.1)
    assert not [s for s in config.stages[0].sources if "synthetic" in s.name]
    assert any(r.keep < 1 for s in stages[config.stages[0].name].sources for r in s.resample)  # downsampling
    assert any(r.keep > 1 for s in stages[config.stages[0].name].sources for r in s.resample)  # upsampling
    assert all("output/crawl/documents/" in p for s in config.stages[0].sources for p in s.shards)
