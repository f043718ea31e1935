"""Problem-cleaning throughput on a synthetic RL problem set built from the real shared problems.

    .venv/bin/python bench/problems.py [--n 10000] [--workers 2] [--ref-frac 0.02]

Input (built in memory, seeded): `--n` problems, 77% math / 23% code as in MiMo's 100K + 30K set.
Statements are two half-statements of different real problems (MATH-500 + GSM8K for math, TACO +
MBPP for code) with every number redrawn, so rows are distinct; math golds are real MATH-500/GSM8K
answers (the real mix of integers, fractions, radicals, tuples). Injected: 5% near-duplicates (a word
changed), 1% number-swapped copies of benchmark problems (AIME 2024/2025, AMC 2023, HumanEval), 2%
proofs, 2% multiple choice, 1% golds with two answers. 80% of golds get their numbers redrawn too, so
the graders see mostly distinct golds (real sets repeat common answers; our gold cache gains there). `--ref-frac` of the code rows carry an MBPP
reference solution with its asserts (run in the sandboxed judge; a tenth of them are broken).

Contenders, same rows, one run:
  * ours/dask: the `problems` job's clean() on a dask LocalCluster (`--workers` processes)
  * ours/1-proc: the same clean() in this process (no dask)
  * baseline: the straightforward single-process script of the reference recipe: Math-Verify
    (`parse` + `verify`, as MiMo) for golds, open-r1-style 8-gram decontamination, datasketch
    MinHash/MinHashLSH per row, and each reference solution run with `python -c` (no sandbox).
Printed: problems/s per contender and per stage, verdict counts side by side, and the 130K
extrapolation (labelled; 130K itself takes too long on the shared 2 cores).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.records.problem import new_problem  # noqa: E402
from filters.decontam import BenchmarkIndex  # noqa: E402
from filters.ngrams import ngrams, words  # noqa: E402
from filters.problems.clean import Steps, clean  # noqa: E402
from filters.problems.ingest import read_problems  # noqa: E402
from pipelines.executors import ClusterSettings, dask_client, dask_mapper  # noqa: E402

DATA = Path(os.environ.get("RC_SHARED_DATA", REPO.parent / "shared" / "data"))
NUM = re.compile(r"\d+")


def _renumber(text: str, rng: random.Random) -> str:
    return NUM.sub(lambda m: str(rng.randint(2, 999)), text)


def _halves(text: str) -> tuple[str, str]:
    cut = text.find(". ", len(text) // 3)
    cut = cut + 2 if 0 < cut < len(text) - 10 else len(text) // 2
    return text[:cut], text[cut:]


def build(n: int, ref_frac: float, seed: int = 0) -> tuple[list[dict], list[tuple[str, str]], dict[str, str]]:
    """(rows, benchmark (item, text) pairs, {row id: what was injected})."""
    rng = random.Random(seed)
    injected: dict[str, str] = {}
    math_src = read_problems(DATA / "math/math500_test.jsonl", "m") + read_problems(DATA / "math/gsm8k_test.jsonl", "g")
    code_src = read_problems(DATA / "code/stdio/taco_statement_samples.jsonl", "t")
    mbpp = read_problems(DATA / "code/mbpp.jsonl", "mbpp")
    bench = [r for f in ("aime24", "aime25", "amc23") for r in read_problems(DATA / f"math/{f}.jsonl", f)]
    bench += read_problems(DATA / "code/HumanEval.jsonl.gz", "humaneval")
    golds = [r["answer"] for r in math_src]
    rows: list[dict] = []
    for i in range(n):
        kind = rng.random()
        if i and kind < 0.05:  # near-duplicate of an earlier row: one word replaced
            src = rows[rng.randrange(len(rows))]
            w = src["statement"].split()
            w[rng.randrange(len(w))] = rng.choice(["quickly", "exactly", "then", "again"])
            row = {**src, "statement": " ".join(w)}
            injected[f"s/{i}"] = "near-duplicate"
        elif kind < 0.06:  # number-swapped benchmark copy
            b = rng.choice(bench)
            row = {**b, "statement": _renumber(b["statement"], rng), "answer": b["answer"] or "7"}
            injected[f"s/{i}"] = "benchmark copy"
        elif kind < 0.77:  # math
            a, b = rng.sample(math_src, 2)
            stmt = _renumber(_halves(a["statement"])[0] + _halves(b["statement"])[1], rng)
            gold = rng.choice(golds)
            if rng.random() < 0.8:  # most problems have their own answer; a fifth repeat a common one
                gold = _renumber(gold, rng)
            roll = rng.random()
            if roll < 0.026:
                stmt = "Prove that " + stmt[0].lower() + stmt[1:]
                injected[f"s/{i}"] = "proof"
            elif roll < 0.052:
                stmt += " (A) 12 (B) 15 (C) 18 (D) 21 (E) 24"
                gold = rng.choice("ABCDE")
                injected[f"s/{i}"] = "multiple choice"
            elif roll < 0.065:
                gold = f"{gold} or {rng.choice(golds)}"
                injected[f"s/{i}"] = "two answers"
            row = new_problem(id="", source="m", domain="math", statement=stmt, answer=gold)
        else:  # code
            a, b = rng.sample(code_src, 2)
            stmt = _renumber(_halves(a["statement"])[0] + _halves(b["statement"])[1], rng)
            if rng.random() < ref_frac:
                m = rng.choice(mbpp)
                ref = m["reference_solution"]
                if rng.random() < 0.1 and "return " in ref:
                    ref = ref.replace("return ", "return None and ", 1)
                    injected[f"s/{i}"] = "broken reference"
                row = {**m, "statement": stmt + " " + m["statement"], "reference_solution": ref}
            else:
                row = {**a, "statement": stmt}
        row = {**row, "id": f"s/{i}", "source": "synthetic", "kept": True}
        for k in ("drop_step", "drop_reason", "drop_detail"):
            row[k] = None
        rows.append(row)
    return rows, [(b["id"], b["statement"]) for b in bench], injected


# ------------------------------------------------------------------------------------------ baseline


def baseline(rows: list[dict], bench: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, float]]:
    """The reference recipe written straightforwardly, in one process. Returns {id: reason} and timings."""
    from datasketch import MinHash, MinHashLSH
    from math_verify import parse, verify

    from filters.problems.rules import multiple_answer_reason, multiple_choice_reason, proof_reason

    t: dict[str, float] = {}
    out: dict[str, str] = {}
    t0 = time.perf_counter()
    alive = []
    for r in rows:
        if r["domain"] == "math":
            if proof_reason(r["statement"], r["answer"]) or multiple_choice_reason(r["statement"], r["answer"]):
                out[r["id"]] = "proof_mc"
                continue
            gold = r["answer"] or ""
            if not gold or multiple_answer_reason(gold):
                out[r["id"]] = "gold_answer"
                continue
            g = parse(f"${gold}$")
            if not g or not verify(g, parse(f"\\boxed{{{gold}}}")):
                out[r["id"]] = "gold_answer"
                continue
        elif not r["test_format"]:
            out[r["id"]] = "code_tests"
            continue
        alive.append(r)
    t["screen"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    grams: dict[str, str] = {}
    for item, text in bench:  # open-r1 decontaminate.py: lower-case words, any shared 8-gram
        for g in ngrams(words(text), 8):
            grams[g] = item
    survivors = []
    for r in alive:
        if any(g in grams for g in ngrams(words(r["statement"]), 8)):
            out[r["id"]] = "decontaminate"
        else:
            survivors.append(r)
    t["decontaminate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    kept = []
    for r in survivors:
        m = MinHash(num_perm=128)
        for g in ngrams(words(r["statement"]), 3):
            m.update(g.encode())
        if lsh.query(m):
            out[r["id"]] = "dedup"
        else:
            lsh.insert(r["id"], m)
            kept.append(r)
    t["dedup"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for r in kept:
        if r["domain"] == "code" and r["reference_solution"] and r["test_format"] == "assert":
            p = subprocess.run([sys.executable, "-I", "-c", r["reference_solution"] + "\n" + r["test_code"]],
                               capture_output=True, timeout=10)
            if p.returncode != 0:
                out[r["id"]] = "reference_solution"
    t["reference_solution"] = time.perf_counter() - t0
    return out, t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ref-frac", type=float, default=0.02)
    args = ap.parse_args()

    load0 = os.getloadavg()
    t0 = time.perf_counter()
    rows, bench, injected = build(args.n, args.ref_frac)
    index = BenchmarkIndex().add_all(bench)
    print(f"input: {len(rows)} synthetic problems ({Counter(r['domain'] for r in rows)}), built in "
          f"{time.perf_counter() - t0:.1f}s; benchmark index {index.items} items; cores: {os.cpu_count()}")
    steps = Steps()
    results: dict[str, tuple[float, Counter, dict]] = {}

    t0 = time.perf_counter()
    with dask_client(ClusterSettings(n_workers=args.workers)) as client:
        t_start = time.perf_counter() - t0
        t1 = time.perf_counter()
        out, timings = clean(rows, steps, index, mapper=dask_mapper(client, broadcast=(BenchmarkIndex,)), chunk_size=1000)
        results["ours/dask"] = (time.perf_counter() - t1, Counter(r["drop_step"] or "kept" for r in out), timings)
        verdicts = {"ours/dask": {r["id"]: r["drop_step"] for r in out}}
    print(f"(dask LocalCluster start-up: {t_start:.1f}s, not counted)")

    t1 = time.perf_counter()
    out1, timings1 = clean(rows, steps, index)
    results["ours/1-proc"] = (time.perf_counter() - t1, Counter(r["drop_step"] or "kept" for r in out1), timings1)
    verdicts["ours/1-proc"] = {r["id"]: r["drop_step"] for r in out1}
    same = sum(a["drop_step"] == b["drop_step"] for a, b in zip(out, out1))

    t1 = time.perf_counter()
    base, tb = baseline(rows, bench)
    results["baseline"] = (time.perf_counter() - t1, Counter(base.get(r["id"], "kept") for r in rows), tb)
    verdicts["baseline"] = {r["id"]: base.get(r["id"]) for r in rows}

    steps_order = ["kept", "proof_mc", "gold_answer", "code_tests", "decontaminate", "dedup", "reference_solution"]
    names = list(results)
    print()
    print(f"{'':24}" + "".join(f"{n:>16}" for n in names))
    print(f"{'seconds (clean)':24}" + "".join(f"{results[n][0]:16.1f}" for n in names))
    print(f"{'problems/s':24}" + "".join(f"{len(rows) / results[n][0]:16.0f}" for n in names))
    print(f"{'130K extrapolated (min)':24}" + "".join(f"{130000 / (len(rows) / results[n][0]) / 60:16.1f}" for n in names))
    for stage in ("screen", "decontaminate", "dedup", "reference_solution"):
        vals = [results[n][2].get(stage) for n in names]
        print(f"{'  s: ' + stage:24}" + "".join(f"{v:16.1f}" if v is not None else f"{'(in screen)':>16}" for v in vals))
    print("verdicts (rows dropped at each step):")
    for s in steps_order:
        print(f"{'  ' + s:24}" + "".join(f"{results[n][1].get(s, 0):16d}" for n in names))
    expect = {"near-duplicate": "dedup", "benchmark copy": "decontaminate", "proof": "proof_mc",
              "multiple choice": "proof_mc", "two answers": "gold_answer", "broken reference": "reference_solution"}
    print("injected rows: dropped by the step meant for them / dropped at all / injected")
    print("  (a near-duplicate of a row that an earlier step drops is dropped by that earlier step)")
    for kind, step in expect.items():
        ids = [i for i, k in injected.items() if k == kind]
        cells = [f"{sum(verdicts[n][i] == step for i in ids)}/{sum(verdicts[n][i] is not None for i in ids)}/{len(ids)}"
                 for n in names]
        print(f"{'  ' + kind:24}" + "".join(f"{c:>16}" for c in cells))
    print(f"\nours/dask and ours/1-proc agree on {same}/{len(rows)} rows")
    print(f"load average at start {load0[0]:.1f}, at end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(the cores are shared: wall times above include waiting for other processes)")
    print("130K is extrapolated linearly from this run (dedup's LSH sweep is the only non-parallel stage).")


if __name__ == "__main__":
    main()
