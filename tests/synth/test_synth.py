"""The synth job (pipelines/synth.py, synth/synthesize.py): the three strategies end to end on real
engines with the tiny arithmetic model (tests/infra/llm.py), rejection sampling checked against the
math grader, provenance, screens, resume (after a chunk is lost, and after a SIGKILL mid-run against a
real vLLM server), clear errors for a server that is down or a model it does not serve, and a mixture
built from the output with the shipped `synthetic` source.

The tiny model answers 1-2 digit sums (nearly always right) and 3-digit products (nearly always
wrong); the assertions are about behaviour (kept ⇔ the grader accepts, counts per input), never about
exact outputs, so a retrained model keeps them true."""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from core.config import ConfigError, validate_model
from synth.synthesize import FormatSettings, fill
from tests.conftest import REPO_ROOT, require_or_skip
from tests.infra.llm import Counting, GatedProxy
from tools.tiny_model.curriculum import held_out


# --------------------------------------------------------------------------------------- unit


def test_format_keeps_drops_or_inlines_the_reasoning_and_never_expands_placeholders_twice():
    prompt = r"Solve $\frac{1}{2}$ {response}"  # braces of LaTeX and a literal placeholder in the data stay
    keep = FormatSettings().text(prompt, "2+2", "4")
    assert keep == prompt + "\n\n<think>\n2+2\n</think>\n\n4"
    assert FormatSettings(think="drop").text(prompt, "2+2", "4") == prompt + "\n\n4"
    assert FormatSettings(think="plain", template="Q: {prompt}\nA: {response}").text("x", "r", "a") == "Q: x\nA: r\n\na"
    assert FormatSettings(think_open="[", think_close="]").text("x", None, "a") == "x\n\na"  # no reasoning span
    assert fill("{a}{b}{c}", {"a": "{b}", "b": "B"}) == "{b}B{c}"


def _config(tmp_path: Path, **overrides) -> dict:
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"id": "a", "query": "1+1"}) + "\n")
    cfg = {"model": {"backend": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"},
           "output_dir": str(tmp_path / "out"), "queries": {"inputs": [{"path": str(queries)}]}}
    cfg.update(overrides)
    return cfg


def test_config_errors_name_the_key(tmp_path):
    from pipelines.synth import Config

    bad_prompt = tmp_path / "p.txt"
    bad_prompt.write_text("no placeholder here")
    cases = [
        ({"queries": None}, "no strategy enabled"),
        ({"queries": {"inputs": [{"path": str(tmp_path / "q.jsonl")}], "prompt": str(bad_prompt)}}, "{query}"),
        ({"analysis": {"inputs": [{"path": str(tmp_path)}]}}, "no document shards"),
        ({"solve": {"inputs": [{"path": str(tmp_path / "missing.parquet")}]}}, "no such file"),
    ]
    for overrides, message in cases:
        with pytest.raises(ConfigError, match="synth.yaml") as err:
            validate_model(Config, _config(tmp_path, **overrides), "synth.yaml")
        assert message in str(err.value)
    (tmp_path / "d.parquet").write_bytes(b"")
    with pytest.raises(ConfigError, match="where"):
        validate_model(Config, _config(tmp_path, analysis={"inputs": [{"path": str(tmp_path / "d.parquet")}],
                                                            "where": "cls_reasoning_depth >>> 3"}), "synth.yaml")


@pytest.mark.sandbox
def test_code_solutions_are_judged_on_the_problem_tests():
    from synth.synthesize import verify, VerifySettings
    from verifiers.code import sandbox_problem

    problem = sandbox_problem()
    require_or_skip(problem is None, f"bubblewrap unusable: {problem}")
    item = {"category": "code", "language": "python",
            "gold": {"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]}}
    right = "Read both.\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"
    wrong = "```python\na, b = map(int, input().split())\nprint(a * b)\n```"
    assert verify(item, right, VerifySettings()) == (True, "code_judge", None, "passed 2/2 tests")
    accepted, verifier, reason, verdict = verify(item, wrong, VerifySettings())
    assert (accepted, verifier, reason) == (False, "code_judge", "tests_failed") and verdict.startswith("passed 0/2")


# ------------------------------------------------------------------------------- real engines

def _inputs(tmp_path: Path) -> dict:
    """Crawl-shaped documents with reasoning-depth scores, a problem set (the problems job's schema)
    with easy sums, hard products, one wrong gold and one code problem, and a query file."""
    from core.records.document import DOCUMENT_SCHEMA
    from core.records.problem import new_problem, to_table

    docs = [("3+4", 4.0), ("12+30", 3.5), ("5+5", 1.0), ("7+8", None), ("20+21", 4.2)]
    rows = [{n: None for n in DOCUMENT_SCHEMA.names} | {"id": f"doc{i}", "text": t, "cls_reasoning_depth": d,
                                                         "cls_domain": "math", "language": "en"}
            for i, (t, d) in enumerate(docs)]
    (tmp_path / "crawl").mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), tmp_path / "crawl" / "00000.parquet")
    items = held_out(1, "+", 3, seed=5) + held_out(2, "+", 3, seed=5) + held_out(3, "*", 3, seed=5)
    problems = [new_problem(id=f"tiny/{it.id}", source="tiny", source_id=it.id, domain="math", statement=it.question,
                            answer=it.answer) for it in items]
    problems.append(new_problem(id="wronggold/0", source="wronggold", source_id="0", domain="math", statement="4+4",
                                answer="9"))
    problems.append(new_problem(id="code/0", source="code", source_id="0", domain="code", statement="1+2",
                                test_format="stdio", test_inputs=[""], test_outputs=["3\n"], language="python"))
    pq.write_table(to_table(problems), tmp_path / "kept.parquet")
    queries = [{"id": "q0", "query": "6+7", "category": "creative_writing"}, {"id": "q1", "query": "19+21"},
               {"query": "  "}]
    (tmp_path / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    # A benchmark item that the output for query "19+21" copies (3-grams, see `decontaminate` below).
    (tmp_path / "bench.jsonl").write_text(json.dumps({"problem": "Question: 19+21 Answer", "answer": "40"}) + "\n")
    for name, placeholder in [("doc", "text"), ("math", "statement"), ("code", "statement"), ("query", "query")]:
        (tmp_path / f"{name}.txt").write_text("{" + placeholder + "}")
    return {"problems": problems}


def _job_config(tmp_path: Path, model: dict) -> dict:
    return {
        "model": model,
        "output_dir": str(tmp_path / "out"),
        "format": {"template": "Question: {prompt}\nAnswer: {response}"},
        "chunk": 4,
        "analysis": {"inputs": [{"path": str(tmp_path / "crawl")}], "where": "cls_reasoning_depth >= 3",
                     "prompt": str(tmp_path / "doc.txt"), "samples": 2, "sampling": {"temperature": 0, "max_tokens": 24}},
        "solve": {"inputs": [{"path": str(tmp_path / "kept.parquet")}], "prompt_math": str(tmp_path / "math.txt"),
                  "prompt_code": str(tmp_path / "code.txt"), "samples": 3,
                  "sampling": {"temperature": 0.8, "max_tokens": 24, "seed": 1}, "verify": {"timeout_s": 5}},
        "queries": {"inputs": [{"path": str(tmp_path / "queries.jsonl"), "source": "general"}],
                    "prompt": str(tmp_path / "query.txt"), "samples": 2, "sampling": {"temperature": 0.8, "max_tokens": 24}},
        "benchmarks": [{"name": "bench", "path": str(tmp_path / "bench.jsonl")}],
        "decontaminate": {"ngram": 3, "min_ngram_words": 0},
    }


def _read(out: Path) -> tuple[list[dict], list[dict]]:
    kept = [r | {"rejection_stage": None, "rejection_reason": None} for r in pq.read_table(out / "documents").to_pylist()]
    rejected = [r for f in sorted((out / "rejected").glob("*/*.parquet")) for r in pq.read_table(f).to_pylist()]
    return kept, rejected


@pytest.mark.xdist_group("llm")
def test_three_strategies_end_to_end_on_vllm(vllm_backend, tiny_model, tmp_path):
    from core.records.synthetic import SYNTHETIC_SCHEMA
    from pipelines.synth import Config, run
    from tests.infra.llm import VLLM_ENGINE_ARGS
    from verifiers.math import grade

    problems = _inputs(tmp_path)["problems"]
    cfg = validate_model(Config, _job_config(tmp_path, {"backend": "vllm", "model": tiny_model,
                                                        "engine_args": VLLM_ENGINE_ARGS}), "synth.yaml")
    counting = Counting(vllm_backend)
    log = io.StringIO()
    summary = run(cfg, backend=counting, stream=log)
    out = tmp_path / "out"
    kept, rejected = _read(out)
    rows = kept + rejected
    assert pq.read_schema(next((out / "documents").glob("*.parquet"))).remove_metadata() == SYNTHETIC_SCHEMA.remove_metadata()
    assert len({r["id"] for r in rows}) == len(rows)

    # Every input got `samples` responses, each either kept or rejected with its reason.
    expected = {("analysis", d): 2 for d in ("doc0", "doc1", "doc4")}  # cls_reasoning_depth >= 3 (null is not)
    expected |= {("solve", p["id"]): 3 for p in problems}
    expected |= {("query", "general/q0"): 2, ("query", "general/q1"): 2}
    got: dict = {}
    for r in rows:
        got[(r["synth_strategy"], r["synth_source_id"])] = got.get((r["synth_strategy"], r["synth_source_id"]), 0) + 1
    assert got == expected
    assert counting.requests == 3 + len(problems) + 2  # one request per input, n = samples
    assert summary["strategies"]["query"]["skipped_inputs"] == {"no_query": 1}

    # Strategy (ii): a solution is kept only when the grader accepts it against the gold.
    gold = {p["id"]: p["answer"] for p in problems}
    solve = [r for r in rows if r["synth_strategy"] == "solve"]
    math = [r for r in solve if r["synth_category"] == "math" and r["rejection_stage"] != "generate"]
    for r in math:
        correct = grade(gold[r["synth_source_id"]], r["synth_answer"]).correct
        assert (r["rejection_stage"] != "verify") == correct, r
        assert r["synth_verifier"] == "math_grader" and r["synth_verdict"]
    assert any(r["rejection_stage"] is None for r in math)  # the sums are solved
    assert any(r["rejection_reason"] == "wrong_answer" for r in math)  # the products are not
    wrong_gold = [r for r in math if r["synth_source_id"] == "wronggold/0"]
    assert all(r["rejection_stage"] == "verify" for r in wrong_gold if r["synth_answer"].strip() == "8")
    code = [r for r in solve if r["synth_category"] == "code"]
    assert len(code) == 3 and all(r["rejection_stage"] in ("verify", "generate") for r in code)
    # Kept rate per source, as reported, is what the files say.
    for source, stats in summary["solve_kept_rate"].items():
        mine = [r for r in solve if r["synth_source_set"] == source]
        accepted = [r for r in mine if r["rejection_stage"] not in ("generate", "verify")]
        assert stats["responses"] == len(mine) and stats["accepted"] == len(accepted)
        assert stats["kept_rate"] == pytest.approx(len(accepted) / len(mine), abs=1e-4)
    assert set(summary["solve_kept_rate"]) == {"tiny", "wronggold", "code"}
    assert json.loads((out / "report.json").read_text())["solve_kept_rate"] == summary["solve_kept_rate"]

    # Screens: greedy analyses are copies of each other (near-duplicates), the query copying the
    # benchmark item is contaminated, and no kept row fails a screen.
    assert sum(r["rejection_reason"] == "near_duplicate" and r["synth_strategy"] == "analysis" for r in rejected) == 3
    contaminated = [r for r in rejected if r["rejection_reason"] == "contaminated"]
    assert {r["synth_source_id"] for r in contaminated} == {"general/q1"}
    assert all("bench/" in r["rejection_detail"] for r in contaminated)

    # Provenance and the crawl's columns.
    for r in kept:
        assert r["synth_model"] == tiny_model and json.loads(r["synth_sampling"])["n"] in (2, 3)
        template = tmp_path / r["synth_prompt_template"]
        assert r["synth_prompt_sha256"] == hashlib.sha256(template.read_bytes()).hexdigest()
        assert r["text"].startswith(f"Question: {r['synth_prompt']}\nAnswer: ")
        assert r["source"] and r["source_offset"] is not None
    analysis = [r for r in kept if r["synth_strategy"] == "analysis"]
    assert {r["cls_reasoning_depth"] >= 3 for r in analysis} == {True} and analysis[0]["language"] == "en"
    assert "responses/s" in log.getvalue() and summary["throughput"]["tokens_per_s"] > 0
    assert summary["throughput"]["responses"] == len(rows)

    # Resume: nothing is asked again; a lost chunk is redone, and only it; no row twice.
    again = Counting(vllm_backend)
    run(cfg, backend=again, stream=log)
    assert again.requests == 0 and _read(out)[0] == kept
    chunks = sorted((out / "_work" / "chunks").glob("*.pkl"))
    assert len(chunks) == 1 + 3 + 1  # analysis 3 inputs, solve 11, queries 2; 4 per chunk
    sizes = {c: len({r["item"] for r in pickle.loads(c.read_bytes())}) for c in chunks}
    victim = max(sizes, key=sizes.get)
    victim.unlink()
    again = Counting(vllm_backend)
    resumed = run(cfg, backend=again, stream=log)
    assert again.requests == sizes[victim] and resumed["chunks_resumed"] == len(chunks) - 1
    rows2 = sum(_read(out), [])
    assert sorted(r["id"] for r in rows2) == sorted(r["id"] for r in rows)

    # The mixture's stage-3 `synthetic` source, as shipped, selects these shards.
    _mixture_from_synth_output(tmp_path, out, len(kept))


def _mixture_from_synth_output(tmp_path: Path, out: Path, kept: int) -> None:
    from mixtures.build import build_manifest
    from mixtures.spec import load_spec
    from mixtures.tokens import train_tokenizer

    shipped = yaml.safe_load((REPO_ROOT / "configs" / "mixture.yaml").read_text())
    stage3 = next(s for s in shipped["stages"] if s["name"] == "stage3")
    source = next(s for s in stage3["sources"] if s["name"] == "synthetic")
    assert source["shards"] == ["../output/synth/documents/*.parquet"]  # where configs/synth.yaml writes
    texts = [r["text"] for r in pq.read_table(out / "documents").to_pylist()]
    tokenizer = tmp_path / "tokenizer.json"
    train_tokenizer(texts * 5, 300, tokenizer, ["<|endoftext|>"])
    spec = {"kind": "mixture", "output_dir": str(tmp_path / "mixture"), "seed": 1,
            "documents": {"id_column": "id", "text_column": "text"},
            "tokenizer": {"path": str(tokenizer), "eod_token": "<|endoftext|>"},
            "stages": [{"name": "stage3", "token_budget": "max", "seq_length": 64, "rope_base": 640000,
                        "sources": [{**source, "shards": [str(out / "documents" / "*.parquet")], "ratio": 1.0}]}]}
    path = tmp_path / "mixture.yaml"
    path.write_text(yaml.safe_dump(spec))
    manifest = build_manifest(load_spec(path))
    [entry] = manifest.stages[0].sources
    assert entry.name == "synthetic" and entry.matched_rows == kept and entry.tokens > 0


# ------------------------------------------------------------------------- an OpenAI server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_cli(config: dict, path: Path, capsys) -> tuple[int, str]:
    from pipelines.run import main

    path.write_text(yaml.safe_dump({"kind": "synth", **config}))
    rc = main([str(path)])
    return rc, capsys.readouterr().err


def test_server_down_and_unknown_model_are_one_clear_line(vllm_server, tmp_path, capsys):
    url = f"http://127.0.0.1:{_free_port()}/v1"
    rc, err = _run_cli(_config(tmp_path, model={"backend": "openai", "model": "tiny", "base_url": url, "max_retries": 0}),
                       tmp_path / "down.yaml", capsys)
    assert rc == 69 and f"cannot reach the OpenAI-compatible server at {url}" in err and "Traceback" not in err
    assert "synth job stopped" in err and "resume" in err
    model = {"backend": "openai", "model": "no-such-model", "base_url": vllm_server.url, "max_retries": 0}
    rc, err = _run_cli(_config(tmp_path, model=model, output_dir=str(tmp_path / "out2")), tmp_path / "bad.yaml", capsys)
    assert rc == 69 and "'no-such-model' is not served" in err and vllm_server.model in err and "Traceback" not in err


def test_killed_run_against_a_server_resumes_without_redoing_or_duplicating(vllm_server, tmp_path):
    """SIGKILL the job (a real process talking to the real vLLM server) once some chunks are
    checkpointed; the rerun asks only for the rest and writes each response once."""
    from pipelines.synth import Config, run
    from synth.backends import load_backend

    n, forward = 40, 6
    questions = [it.question for it in held_out(2, "+", n, seed=11)]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps({"id": f"q{i}", "query": q}) + "\n" for i, q in enumerate(questions)))
    (tmp_path / "query.txt").write_text("{query}")
    # The job talks to the real server through a proxy that answers its first `forward` distinct
    # completion requests (the backend's one-token probe, then one per query: vLLM honours n) and
    # holds the next one, so the kill lands mid-run however fast the machine is. Chunks run one
    # after another, so once a request is held every answered query's chunk is on disk.
    with GatedProxy(vllm_server.url, forward) as proxy:
        config = {"kind": "synth", "output_dir": str(tmp_path / "out"), "chunk": 1,
                  "model": {"backend": "openai", "model": vllm_server.model, "base_url": proxy.url, "max_concurrency": 4},
                  "queries": {"inputs": [{"path": str(tmp_path / "q.jsonl")}], "prompt": str(tmp_path / "query.txt"),
                              "samples": 2, "sampling": {"temperature": 0.8, "max_tokens": 16}}}
        path = tmp_path / "synth.yaml"
        path.write_text(yaml.safe_dump(config))
        chunks = tmp_path / "out" / "_work" / "chunks"
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.run", str(path)], cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None and not proxy.held:
                time.sleep(0.05)
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            answered = sum(json.loads(b)["messages"][-1]["content"] in questions for b in proxy.bodies)
            assert proxy.held and answered >= 3, f"{proxy.posts} POSTs, {len(proxy.bodies)} forwarded, {proxy.held} held"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
            proc.stderr.close()
        done = len(list(chunks.glob("*.pkl")))
        assert done == answered and not (tmp_path / "out" / "documents").exists()

        proxy.open_gate()  # the rerun goes through the same URL (it is part of the run's settings)
        cfg = validate_model(Config, {k: v for k, v in config.items() if k != "kind"}, path)
        with load_backend(cfg.model) as backend:
            counting = Counting(backend)
            summary = run(cfg, backend=counting, stream=io.StringIO())
    assert counting.requests == n - done and summary["chunks_resumed"] == done
    rows = sum(_read(tmp_path / "out"), [])
    assert sorted(r["id"] for r in rows) == sorted(f"query/q/q{i}/{k}" for i in range(n) for k in range(2))
