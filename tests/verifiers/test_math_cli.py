"""python -m verifiers.math grade IN.jsonl -o OUT.jsonl"""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_cli_grades_rows_and_counts_bad_ones(tmp_path):
    rows = [
        json.dumps({"id": "a", "gold": r"\frac12", "response": r"so \boxed{0.5}"}),
        "this is not json",
        json.dumps({"id": "c", "gold": "5"}),
        json.dumps({"id": "d", "gold": 27.0, "response": "Answer: 27"}),
        json.dumps({"id": "e", "gold": r"\sqrt{8}", "response": r"\boxed{3\sqrt{2}}"}),
    ]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out" / "graded.jsonl"
    src.write_text("\n".join(rows) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers.math", "grade", str(src), "-o", str(dst), "--workers", "1"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["id"] for r in out] == ["a", None, "c", "d", "e"]
    assert [r["correct"] for r in out] == [True, False, False, True, False]
    assert "bad row (line 2)" in out[1]["reason"] and out[1]["status"] == "unparseable"
    assert "missing field(s) response" in out[2]["reason"]
    assert "2 bad rows" in proc.stderr and "graded" in proc.stderr
    assert not [p for p in dst.parent.iterdir() if p.name.startswith(".")]  # no temp file left


def test_cli_missing_input_is_a_clear_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers.math", "grade", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    assert not (tmp_path / "o.jsonl").exists()
