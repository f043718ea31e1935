"""Ingest adapters on the real shared files and on the Hugging Face layouts they come from."""
from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filters.problems.ingest import IngestError, detect_format, last_boxed, read_problems
from core.records.problem import COLUMNS, PROBLEM_SCHEMA, to_table


def test_math_files(shared_data: Path) -> None:
    m500 = read_problems(shared_data / "math/math500_test.jsonl", "math500")
    assert len(m500) == 500 and all(r["kept"] and r["domain"] == "math" and r["answer"] for r in m500)
    first = m500[0]
    assert first["id"] == "math500/test/precalculus/807.json"
    assert first["answer"] == r"\left( 3, \frac{\pi}{2} \right)"
    assert json.loads(first["meta"])["level"] == 2

    gsm = read_problems(shared_data / "math/gsm8k_test.jsonl", "gsm8k")
    assert len(gsm) == 1319 and gsm[0]["answer"] == "18"  # the number after ####
    assert all(r["answer"].lstrip("-").replace(".", "").isdigit() for r in gsm)

    amc = read_problems(shared_data / "math/amc23.jsonl", "amc23")
    assert amc[0]["answer"] == "27"  # stored as the float 27.0 upstream
    aime = read_problems(shared_data / "math/aime24.jsonl", "aime24")
    assert len(aime) == 30 and aime[0]["answer"] == "204" and aime[0]["source_id"] == "60"


def test_code_files(shared_data: Path) -> None:
    he = read_problems(shared_data / "code/HumanEval.jsonl.gz", "humaneval")
    assert len(he) == 164 and he[0]["id"] == "humaneval/HumanEval/0"
    h = he[0]
    assert h["test_format"] == "assert" and h["test_code"].rstrip().endswith("check(has_close_elements)")
    assert h["reference_solution"].startswith(h["starter_code"])  # prompt + canonical body = a program

    mbpp = read_problems(shared_data / "code/mbpp.jsonl", "mbpp")
    assert len(mbpp) == 974 and mbpp[0]["fn_name"] == "min_cost"
    assert mbpp[0]["test_code"].count("assert") == 3
    san = read_problems(shared_data / "code/sanitized-mbpp.json", "mbpp_s")
    assert len(san) == 427 and all(r["test_format"] == "assert" for r in san)

    taco = read_problems(shared_data / "code/stdio/taco_statement_samples.jsonl", "taco")
    assert len(taco) == 389 and all(r["test_format"] == "stdio" for r in taco)
    assert sum(len(r["test_inputs"]) for r in taco) == 796  # MANIFEST: 796 sample tests
    assert sum(bool(r["special_judge"]) for r in taco) == 105
    assert not taco[0]["statement"].startswith("QUESTION") and not taco[0]["statement"].endswith("ANSWER:")

    judge = read_problems(shared_data / "code/stdio/judge_problems.json", "judge")
    kept = [r for r in judge if r["kept"]]
    dropped = [r for r in judge if not r["kept"]]
    # One package has no statement upstream: it is kept as a dropped row, not lost.
    assert len(kept) == 4 and len(dropped) == 1 and dropped[0]["drop_reason"] == "no_statement"
    assert dropped[0]["domain"] == "code"
    assert sum(len(r["test_inputs"]) for r in kept) + len(json.loads(dropped[0]["meta"])["raw"]["tests"]) == 27


def _write_parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_hf_apps_layout_parquet(tmp_path: Path) -> None:
    rows = [
        {"problem_id": 7, "question": "Read n and print 2n.", "solutions": json.dumps(["print(2*int(input()))"]),
         "input_output": json.dumps({"inputs": ["3\n", ["4"]], "outputs": ["6\n", ["8"]]}), "starter_code": "", "difficulty": "introductory"},
        {"problem_id": 8, "question": "Implement add(a, b).", "solutions": "[]",
         "input_output": json.dumps({"inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]], "fn_name": "add"}),
         "starter_code": "def add(a, b):", "difficulty": "interview"},
        {"problem_id": 9, "question": "Broken tests.", "solutions": "[]", "input_output": "{not json", "starter_code": "", "difficulty": "x"},
    ]
    out = read_problems(_write_parquet(tmp_path / "train-00000.parquet", rows), "apps")
    stdio, call, bad = out
    assert stdio["test_format"] == "stdio" and stdio["test_inputs"] == ["3\n", "4\n"] and stdio["reference_solution"]
    assert call["test_format"] == "call" and call["fn_name"] == "add"
    assert [json.loads(x) for x in call["test_inputs"]] == [[1, 2], [3, 4]]
    assert not bad["kept"] and bad["drop_reason"] == "bad_tests" and "input_output" in bad["drop_detail"]


def test_hf_livecodebench_compressed_private_tests(tmp_path: Path) -> None:
    private = [{"input": "5\n", "output": "25\n", "testtype": "stdin"}]
    blob = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(private)))).decode()
    evil = base64.b64encode(zlib.compress(pickle.dumps(Path("/etc/passwd")))).decode()
    rows = [
        {"question_title": "sq", "question_id": "abc1", "question_content": "Print n squared.", "platform": "atcoder",
         "public_test_cases": json.dumps([{"input": "2\n", "output": "4\n", "testtype": "stdin"}]),
         "private_test_cases": blob, "metadata": "{}", "starter_code": ""},
        {"question_title": "f", "question_id": "lc2", "question_content": "Return a+b.", "platform": "leetcode",
         "public_test_cases": json.dumps([{"input": "1\n2", "output": "3", "testtype": "functional"}]),
         "private_test_cases": "", "metadata": json.dumps({"func_name": "add"}), "starter_code": "class Solution:"},
        {"question_title": "evil", "question_id": "x", "question_content": "x", "platform": "atcoder",
         "public_test_cases": "[]", "private_test_cases": evil, "metadata": "{}", "starter_code": ""},
    ]
    path = tmp_path / "lcb.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b, c = read_problems(path, "lcb")
    assert a["test_format"] == "stdio" and a["test_inputs"] == ["2\n", "5\n"] and a["test_outputs"][1] == "25\n"
    assert b["test_format"] == "call" and b["fn_name"] == "add" and json.loads(b["test_inputs"][0]) == [1, 2]
    # A pickle that would import code is refused, not executed.
    assert not c["kept"] and c["drop_reason"] == "bad_tests" and "refused" in c["drop_detail"]


def test_hf_verl_and_math_layouts(tmp_path: Path) -> None:
    verl = [
        {"data_source": "numina", "prompt": [{"role": "system", "content": "Think."}, {"role": "user", "content": "What is 1+1?"}],
         "ability": "math", "reward_model": {"style": "rule", "ground_truth": "2"}, "extra_info": {"index": 4}},
    ]
    (m,) = read_problems(_write_parquet(tmp_path / "verl.parquet", verl), "verl")
    assert m["domain"] == "math" and m["statement"] == "What is 1+1?" and m["answer"] == "2" and m["source_id"] == "4"

    hendrycks = tmp_path / "math.jsonl"  # Hendrycks MATH: no answer column, the answer is the last \boxed{}
    hendrycks.write_text(json.dumps({"problem": "Compute $x$.", "solution": r"So $x=\boxed{\frac{1}{2}}$.", "level": "Level 1"}) + "\n")
    (h,) = read_problems(hendrycks, "math")
    assert h["answer"] == r"\frac{1}{2}"
    assert last_boxed(r"\boxed{a} then \boxed{\frac{1}{\sqrt{2}}}") == r"\frac{1}{\sqrt{2}}"
    assert last_boxed(r"\boxed{unclosed") is None


def test_bad_rows_are_kept_as_dropped(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"problem": "What is 2+2?", "answer": "4"}) + "\n"
        + "{this is not json\n"
        + json.dumps([1, 2]) + "\n"
        + json.dumps({"problem": "", "answer": "1"}) + "\n"
        + json.dumps({"problem": "What is 3+3?", "answer": 6}) + "\n"
    )
    rows = read_problems(path, "mixed")
    assert [r["kept"] for r in rows] == [True, False, False, False, True]
    assert [r["drop_reason"] for r in rows] == [None, "malformed_row", "malformed_row", "no_statement", None]
    assert "line 2" in rows[1]["drop_detail"] and "{this is not json" in rows[1]["drop_detail"]
    assert json.loads(rows[1]["meta"])["raw"] == "{this is not json\n"  # the bad line itself is kept
    assert rows[4]["answer"] == "6"
    assert len({r["id"] for r in rows}) == 5
    # Every row, dropped or not, fits the schema.
    assert to_table(rows).schema == PROBLEM_SCHEMA


def test_unknown_layout_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps({"foo": 1, "bar": 2}) + "\n")
    with pytest.raises(IngestError, match="unknown problem layout.*bar"):
        read_problems(path, "odd")
    with pytest.raises(IngestError, match="no such file"):
        read_problems(tmp_path / "absent.jsonl", "x")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(IngestError, match="unsupported file type"):
        read_problems(tmp_path / "x.csv", "x")


def test_own_schema_round_trip(tmp_path: Path, shared_data: Path) -> None:
    rows = read_problems(shared_data / "code/stdio/taco_statement_samples.jsonl", "taco", limit=5)
    rows[0]["kept"] = False  # verdicts are recomputed on re-ingest
    path = tmp_path / "kept.parquet"
    pq.write_table(to_table(rows), path)
    again = read_problems(path, "again")
    assert detect_format(dict.fromkeys(COLUMNS)) == "problems"
    assert [r["id"] for r in again] == [r["id"] for r in rows]
    assert all(r["kept"] for r in again)
    assert again[1]["test_inputs"] == rows[1]["test_inputs"] and again[1]["source"] == "again"


def test_hf_parquet_exports_match_the_json_files(tmp_path: Path, shared_data: Path) -> None:
    """The HF hub serves these sets as Parquet with the same columns; ingest gives the same rows."""
    for name in ("code/sanitized-mbpp.json", "math/math500_test.jsonl", "code/HumanEval.jsonl.gz"):
        from filters.problems.ingest import iter_records

        records = [rec for _, rec in iter_records(shared_data / name)][:40]
        parquet = _write_parquet(tmp_path / (Path(name).name.split(".")[0] + ".parquet"), records)
        from_json = read_problems(shared_data / name, "s", limit=40)
        from_parquet = read_problems(parquet, "s")
        # Same rows; only the provenance (which file) differs.
        assert {r["source_file"] for r in from_json} == {str(shared_data / name)}
        assert {r["source_file"] for r in from_parquet} == {str(parquet)}
        strip = lambda rows: [{k: v for k, v in r.items() if k != "source_file"} for r in rows]  # noqa: E731
        assert strip(from_parquet) == strip(from_json), name
