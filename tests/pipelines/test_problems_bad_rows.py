"""Bad rows are rows (issue 19): every per-row failure of the problems job drops that row with a
reason and its line, and the rest of the file is kept. Nothing is coerced."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import yaml

from filters.problems.ingest import IngestLimits, read_problems
from pipelines.run import main


def _apps_row(i: int, **over) -> dict:
    io = {"inputs": [f"{i}\n"], "outputs": [f"{i}\n"]}
    return {"problem_id": i, "question": f"Print the number {i} read from standard input.",
            "input_output": json.dumps(io), "solutions": json.dumps(["print(input())"]), **over}


def test_hostile_rows_are_dropped_with_reason_and_line(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000  # 5,000 levels: RecursionError in json.loads
    lines = [
        json.dumps(_apps_row(0)).encode(),                                                        # line 1: good
        json.dumps(_apps_row(1, input_output=json.dumps({"inputs": ["1"], "outputs": ["1"]})[:-1] + ', "x": ' + deep + "}")).encode(),  # 2: deep JSON in a field
        json.dumps(_apps_row(2)).encode().replace(b"number 2", b"number \xff2"),                  # 3: not UTF-8
        json.dumps(_apps_row(3, question=12345)).encode(),                                         # 4: int statement
        json.dumps(_apps_row(4, question={"text": "What?"})).encode(),                             # 5: dict statement
        json.dumps({**_apps_row(5), "problem_id": ["t5"]}).encode(),                               # 6: list id
        json.dumps(_apps_row(6, question="Print it. " + "x" * 5000)).encode(),                     # 7: over the cap
        b"[" * 3000 + b"]" * 3000,                                                                 # 8: deep line
        json.dumps(_apps_row(8, extra=[[[[[[[[[[1]]]]]]]]]])).encode(),                            # 9: deeper than the cap
        json.dumps(_apps_row(9)).encode(),                                                         # 10: good
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "apps.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    cfg = {"kind": "problems", "inputs": [{"path": "in/apps.jsonl", "source": "apps", "format": "apps"}],
           "output_dir": "out", "cluster": {"executor": "local"},
           "ingest": {"max_statement_chars": 4000, "max_nesting": 8},
           "steps": {"reference_solution": False, "dedup": False}}
    config = tmp_path / "problems.yaml"
    config.write_text(yaml.safe_dump(cfg))
    assert main([str(config)]) == 0

    kept = pl.read_parquet(tmp_path / "out" / "kept.parquet")
    dropped = pl.read_parquet(tmp_path / "out" / "dropped.parquet").sort("source_row")
    assert sorted(kept["id"]) == ["apps/0", "apps/9"]
    got = {r["source_row"] + 1: (r["drop_step"], r["drop_reason"], r["drop_detail"]) for r in dropped.iter_rows(named=True)}
    want = {2: "too_deep", 3: "undecodable", 4: "wrong_type", 5: "wrong_type", 6: "wrong_type", 7: "too_large",
            8: "too_deep", 9: "too_deep"}
    assert {line: reason for line, (_, reason, _) in got.items()} == want
    for line, (step, _, detail) in got.items():
        assert step == "ingest" and detail.startswith(f"apps.jsonl line {line}:"), detail
    assert "`question` is an integer, expected a string" in got[4][2]
    assert "`problem_id` is a list" in got[6][2]
    assert "4,000" in got[7][2] and "ingest.max_statement_chars" in got[7][2]
    # The dropped row keeps the raw input: the undecodable byte as U+FFFD, an oversized one truncated.
    assert "number \ufffd2" in json.loads(dropped.filter(pl.col("source_row") == 2)["meta"][0])["raw"]
    assert len(dropped.filter(pl.col("source_row") == 6)["meta"][0]) < 20_000


def test_undecodable_byte_in_a_json_list_drops_only_its_row(tmp_path: Path) -> None:
    rows = [{"problem": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(3)]
    text = json.dumps(rows, indent=1).encode().replace(b"What is 1", b"What is \xc31")
    path = tmp_path / "m.json"
    path.write_bytes(text)
    out = read_problems(path, source="m")
    assert [r["kept"] for r in out] == [True, False, True]
    line = text[: text.index(b"\xc3")].count(b"\n") + 1
    assert out[1]["drop_reason"] == "undecodable" and out[1]["drop_detail"].startswith(f"m.json row 1: line {line}:")


def test_default_caps_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "problems.md").read_text()
    for name, field in IngestLimits.model_fields.items():
        assert f"`{name}`" in doc and f"{field.default:,}".replace(",", "_") in doc.replace(",", "_"), name
