"""Progress on long work: a bar with rate and ETA on a terminal (crawl stages at document level,
math grading, code judging, tokenisation), nothing but the one-line summary when not on one."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.infra.terminal import run_on_terminal

BAR = re.compile(r"(\d+)%\|")


def bars(output: str, label: str) -> list[str]:
    """Every state of the bar labelled `label` drawn in `output` (tqdm redraws after a carriage return)."""
    return [s for s in re.split(r"[\r\n]", output) if s.lstrip().startswith(f"{label}:") and BAR.search(s)]


def _grade_input(path, n=400):
    rows = [{"id": i, "gold": str(i), "response": f"The answer is \\boxed{{{i if i % 3 else i + 1}}}"} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_math_grade_bar_on_a_terminal_summary_line_otherwise(tmp_path):
    src = _grade_input(tmp_path / "in.jsonl")
    cmd = [sys.executable, "-m", "verifiers.math", "grade", str(src), "-o", str(tmp_path / "out.jsonl"), "--workers", "1"]
    rc, out = run_on_terminal(cmd, cwd=REPO_ROOT, timeout=120)
    assert rc == 0, out
    assert bars(out, "grade") and any("/400" in s for s in bars(out, "grade")), out
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and not BAR.search(proc.stderr)
    summary = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(summary) == 1 and re.match(r"graded 400 rows: 266 correct; .* pairs/s\) → ", summary[0]), summary
    assert_umask_mode(tmp_path / "out.jsonl")


def assert_umask_mode(path):
    """Result files get the usual permissions (umask), not mkstemp's 0600."""
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


@pytest.mark.sandbox
def test_code_run_bar_on_a_terminal(tmp_path):
    from verifiers.code import sandbox_problem
    from tests.conftest import require_or_skip

    problem = sandbox_problem()
    require_or_skip(problem is None, f"bubblewrap unusable: {problem}")
    problems = tmp_path / "problems.jsonl"
    problems.write_text(json.dumps({"id": "add", "tests": {"inputs": ["1 2\n", "2 2\n"], "outputs": ["3\n", "4\n"]}}) + "\n")
    solutions = tmp_path / "solutions.jsonl"
    good, bad = "a, b = map(int, input().split())\nprint(a + b)\n", "print(0)\n"
    solutions.write_text("".join(json.dumps({"problem_id": "add", "code": good if i % 2 else bad}) + "\n" for i in range(6)))
    rc, out = run_on_terminal(
        [sys.executable, "-m", "verifiers.code", "run", str(problems), str(solutions), "-o", str(tmp_path / "r.jsonl"), "--workers", "2"],
        cwd=REPO_ROOT, timeout=120,
    )
    assert rc == 0, out
    judged = bars(out, "judge")
    assert judged and any("/6" in s for s in judged), out
    assert any("3 passed every test" in s for s in judged), judged[-3:]
    assert_umask_mode(tmp_path / "r.jsonl")


def test_tokenisation_bar_and_the_real_vocabulary_size(tmp_path):
    from tests.mixtures.conftest import base_spec, corpus, write_shard, write_spec

    write_shard(tmp_path / "shards" / "a.parquet", corpus(1500, seed=3))
    spec = base_spec(tmp_path, tmp_path / "tok" / "tokenizer.json", [
        {"name": "s1", "token_budget": "max", "seq_length": 256, "sources": [{"name": "web", "shards": [str(tmp_path / "shards" / "*.parquet")], "ratio": 1.0}]},
    ])
    spec["tokenizer"]["train"] = {"shards": [str(tmp_path / "shards" / "*.parquet")], "vocab_size": 32000}
    path = write_spec(tmp_path / "mix.yaml", spec)
    rc, out = run_on_terminal([sys.executable, "-m", "mixtures.build", str(path)], cwd=REPO_ROOT, timeout=180)
    assert rc == 0, out
    assert bars(out, "tokenise a.parquet") and any("/1500" in s for s in bars(out, "tokenise a.parquet")), out[-2000:]
    from tokenizers import Tokenizer

    real = Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json")).get_vocab_size(with_added_tokens=True)
    assert real < 32000
    assert f"trained tokenizer has {real} tokens, fewer than the 32000 asked for" in out


def test_problems_job_bar_counts_rows(tmp_path):
    (tmp_path / "in").mkdir()
    rows = [{"problem": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(300)]
    (tmp_path / "in" / "toy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = {"kind": "problems", "inputs": [{"path": "in/toy.jsonl", "source": "toy"}], "output_dir": "out",
           "cluster": {"executor": "local", "chunk_size": 50}}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(cfg))
    rc, out = run_on_terminal([sys.executable, "-m", "pipelines.run", str(tmp_path / "p.yaml")], cwd=REPO_ROOT, timeout=180)
    assert rc == 0, out
    screen = bars(out, "screen")
    assert screen and any("/300" in s for s in screen), out[-2000:]
