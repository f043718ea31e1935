"""fastText classifiers (filters/classifiers.py): the train/evaluate CLI, the real-pages quality check
(domain of ../shared/data/web pages, held out), quantised models, bad labels, the datatrove step."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filters.classifiers import DIMENSIONS, Classifier, ClassifierScores, columns_for, main, split_held_out


def test_domain_classifier_reaches_09_macro_f1_on_held_out_real_pages(web_domain_model):
    m = web_domain_model["metrics"]
    print(web_domain_model["stdout"])  # the figure, visible with -s
    assert set(m["per_class"]) == {"math", "code", "other"}
    assert m["per_class"]["math"]["support"] >= 5 and m["per_class"]["code"]["support"] >= 5
    assert m["macro_f1"] >= 0.9, web_domain_model["stdout"]
    out = web_domain_model["stdout"]
    assert "held-out" in out and "accuracy=" in out and "macro-F1=" in out
    for label in ("math", "code", "other"):
        assert f"  {label} " in out  # one per-class F1 line each


def test_shipped_model_is_quantised_and_evaluate_agrees_with_train(web_domain_model, tmp_path, capsys):
    import fasttext

    model = fasttext.load_model(str(web_domain_model["model"]))
    assert model.is_quantized()
    # the rows `train` held out, rebuilt with the same split, scored by `evaluate`
    table = pq.read_table(web_domain_model["labels"]).to_pylist()
    held = split_held_out([r["id"] for r in table], [r["domain"] for r in table], 0.3, 0)
    held_path = tmp_path / "held.parquet"
    pq.write_table(pa.Table.from_pylist([r for r, h in zip(table, held) if h]), held_path)
    metrics = tmp_path / "m.json"
    assert main(["evaluate", str(web_domain_model["model"]), str(held_path), "--dimension", "domain",
                 "--metrics", str(metrics)]) == 0
    assert json.loads(metrics.read_text()) == web_domain_model["metrics"]
    assert "macro-F1=" in capsys.readouterr().out


def test_labels_outside_the_dimension_and_missing_columns_are_refused(tmp_path, capsys):
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"text": ["a page", "another"], "domain": ["math", "sports"]}), bad)
    assert main(["train", str(bad), "--dimension", "domain", "-o", str(tmp_path / "m.bin")]) == 2
    err = capsys.readouterr().err
    assert "row 1" in err and "'sports'" in err
    assert main(["train", str(bad), "--dimension", "educational_value", "-o", str(tmp_path / "m.bin")]) == 2
    assert "no column(s) ['educational_value']" in capsys.readouterr().err
    assert not (tmp_path / "m.bin").exists()


def test_scale_model_scores_expected_value_and_step_fills_columns(web_domain_model, tmp_path):
    """A 0-5 scale trained on real pages (math = 5, other = 0): the step writes the expected score,
    math pages it did not see score above other pages it did not see, and a model of the wrong
    dimension is refused on load."""
    from datatrove.data import Document

    from filters.classifiers import train

    rows = [r for r in pq.read_table(web_domain_model["labels"]).to_pylist() if r["domain"] != "code"]
    seen, unseen = rows[::2], rows[1::2]
    model = tmp_path / "edu.bin"
    train([r["text"] for r in seen], ["5" if r["domain"] == "math" else "0" for r in seen], model)
    step = ClassifierScores({"educational_value": str(model)}, batch_size=7)
    out = list(step.run(iter(Document(text=r["text"], id=r["id"]) for r in unseen)))
    assert [d.id for d in out] == [r["id"] for r in unseen] and columns_for("educational_value") == ["cls_educational_value"]
    score = {d.id: d.metadata["cls_educational_value"] for d in out}
    assert all(0.0 <= s <= 5.0 for s in score.values())
    math = [score[r["id"]] for r in unseen if r["domain"] == "math"]
    other = [score[r["id"]] for r in unseen if r["domain"] == "other"]
    assert sum(math) / len(math) > sum(other) / len(other) + 1.0
    with pytest.raises(ValueError, match="not a domain model"):
        Classifier({"domain": model})


def test_crawl_config_dimensions_match_the_classifier_dimensions():
    import typing

    from pipelines.crawl import Dimension

    assert set(typing.get_args(Dimension)) == set(DIMENSIONS)
    from core.records.document import DOCUMENT_SCHEMA

    for dim in DIMENSIONS:
        assert all(c in DOCUMENT_SCHEMA.names for c in columns_for(dim))
