"""Math grader throughput: verifiers.math vs Math-Verify (parse + verify), same pairs, same cores, one run.

    .venv/bin/python bench/math_grader.py [--cores 1] [--limit 0]

Two batches (shapes), built from ../shared/data/math; a third of each batch's responses carry a
wrong answer:
  * GSM8K-shaped: the GSM8K test set's reference solutions as GPT-3 wrote them for its verifier,
    calculator marks `<<2*9=18>>` included, ending in "A: N", "#### N", "The answer is N." or
    "A: $N" (N with or without thousands separators; wrong answers are N + 1);
  * MATH-shaped: MATH-500, AIME 2024/2025 and AMC 2023. Each response is the problem's own worked
    solution followed by a final answer in one of several formats — `\\boxed{}`, "Final Answer: The
    final answer is $X$. I hope it is correct.", "Answer: X", a bold **X**, a bare last sentence —
    and in several equivalent spellings of the gold (\\dfrac, a decimal, x = ...); wrong answers
    are gold + 1 or another problem's gold.

Contenders, each pinned to the same CPU cores (os.sched_setaffinity, inherited by children):
  * ours: verifiers.math.grade_many(pairs, workers=cores) — killable workers started inside the
    timed region, hard timeout 5 s;
  * Math-Verify 0.9.0: verify(parse(f"${gold}$"), parse(response)) with its default configs,
    in a multiprocessing pool of `cores` processes (its own signal.alarm timeouts, 5 s).
Printed per shape: pairs/s for both, the ratio, agreement between the two, and each one's accuracy
against the label we built the response with. Targets (issue 11): ours >= 3x Math-Verify's pairs/s
on the GSM8K shape and >= 5x on the MATH shape.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("RC_SHARED_DATA", REPO.parent / "shared" / "data")) / "math"


MATH_FILES = ("math500_test.jsonl", "aime24.jsonl", "aime25.jsonl", "amc23.jsonl")


def load_problems() -> list[tuple[str, str]]:
    """(worked solution, gold answer) for every MATH-shaped problem."""
    out = []
    for name in MATH_FILES:
        for line in (DATA / name).read_text().splitlines():
            row = json.loads(line)
            gold, solution = row["answer"], row.get("solution") or ""
            # MATH solutions end in \boxed{gold}: unbox so the answer format is ours to choose.
            solution = solution.replace("\\boxed", "")
            if isinstance(gold, float) and gold.is_integer():
                gold = int(gold)
            out.append((solution.strip()[-1500:], str(gold).strip()))
    return out


GSM8K_ENDINGS = ["A: {ans}", "#### {ans}", "The answer is {ans}.", "A: ${ans}"]


def build_gsm8k_pairs(limit: int, seed: int = 0) -> list[tuple[str, str, bool]]:
    """GPT-3-style GSM8K solutions: the reference solution with its calculator marks, then a label."""
    rng = random.Random(seed)
    pairs = []
    for line in (DATA / "gsm8k_test.jsonl").read_text().splitlines():
        solution, gold = json.loads(line)["answer"].rsplit("####", 1)
        solution, gold = solution.rstrip(), gold.strip()
        value = int(gold.replace(",", ""))
        for k in range(3):
            correct = k < 2
            n = value if correct else value + 1
            ans = rng.choice([str(n), f"{n:,}"])
            pairs.append((gold, f"{solution}\n" + rng.choice(GSM8K_ENDINGS).format(ans=ans), correct))
    rng.shuffle(pairs)
    return pairs[:limit] if limit else pairs


def spellings(gold: str) -> list[str]:
    """Equivalent ways to write the gold answer."""
    out = [gold]
    if re.fullmatch(r"-?\d+", gold):
        out += [f"{int(gold):,}" if abs(int(gold)) >= 1000 else f"{gold}.0", f"x = {gold}"]
    m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", gold)
    if m:
        value = Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1)
        out += [gold.replace("\\frac", "\\dfrac"), f"{value.numerator}/{value.denominator}"]
        if 10**6 % value.denominator == 0:
            out.append(f"{float(value):g}")
    return out


def wrong_answer(gold: str, other: str) -> str:
    if re.fullmatch(r"-?\d+", gold):
        return str(int(gold) + 1)
    return other if other != gold else gold + "+1"


TEMPLATES = [
    "{sol}\n\nTherefore, the answer is $\\boxed{{{ans}}}$.",
    "{sol}\nFinal Answer: The final answer is ${ans}$. I hope it is correct.",
    "{sol}\n\nAnswer: {ans}",
    "{sol}\n\nSo the final result is **{ans}**",
    "{sol}\nPutting everything together, we get $\\boxed{{{ans}}}$",
    "{sol}\nThus the value we want is ${ans}$.",
]


def build_pairs(limit: int, seed: int = 0) -> list[tuple[str, str, bool]]:
    rng = random.Random(seed)
    problems = load_problems()
    pairs = []
    for i, (sol, gold) in enumerate(problems):
        other = problems[(i + 7) % len(problems)][1]
        for k in range(6):
            correct = k < 4
            ans = rng.choice(spellings(gold)) if correct else wrong_answer(gold, other)
            pairs.append((gold, rng.choice(TEMPLATES).format(sol=sol, ans=ans), correct))
    rng.shuffle(pairs)
    return pairs[:limit] if limit else pairs


# ---------------------------------------------------------------- Math-Verify baseline
def _mv_one(pair: tuple[str, str]) -> bool:
    from math_verify import parse, verify

    gold, response = pair
    try:
        return bool(verify(parse(f"${gold}$"), parse(response)))
    except Exception:  # noqa: BLE001 - count as "not correct", as its own metric does
        return False


def _mv_init() -> None:
    import logging

    import math_verify  # noqa: F401 - import before the clock, like ours

    logging.getLogger("math_verify").setLevel(logging.ERROR)


def run_math_verify(pairs, cores: int) -> tuple[list[bool], float]:
    ctx = mp.get_context("fork")
    with ctx.Pool(cores, initializer=_mv_init) as pool:
        pool.map(_mv_one, [("1", "$1$")] * cores)  # warm the workers' imports
        start = time.perf_counter()
        out = pool.map(_mv_one, [(g, r) for g, r, _ in pairs], chunksize=64)
        return out, time.perf_counter() - start


def run_ours(pairs, cores: int) -> tuple[list[bool], float]:
    from verifiers.math import grade_many

    start = time.perf_counter()
    out = grade_many([(g, r) for g, r, _ in pairs], workers=cores, timeout_s=5.0)
    return [g.correct for g in out], time.perf_counter() - start


def report(shape: str, pairs, cores: list[int], target: float) -> None:
    labels = [c for _, _, c in pairs]
    print(f"\n== {shape}: {len(pairs)} (gold, response) pairs ({sum(labels)} built correct, "
          f"{len(labels) - sum(labels)} built wrong); mean response {sum(len(r) for _, r, _ in pairs) // len(pairs)} chars")
    mv, mv_s = run_math_verify(pairs, len(cores))
    ours, ours_s = run_ours(pairs, len(cores))
    n = len(pairs)
    print(f"{'grader':<28}{'seconds':>9}{'pairs/s':>10}{'accuracy vs built label':>26}")
    for name, verdicts, secs in (("Math-Verify 0.9.0", mv, mv_s), ("verifiers.math (ours)", ours, ours_s)):
        acc = sum(v == lab for v, lab in zip(verdicts, labels)) / n
        print(f"{name:<28}{secs:>9.2f}{n / secs:>10.0f}{acc:>25.1%}")
    agree = sum(a == b for a, b in zip(mv, ours)) / n
    print(f"speed-up ours / Math-Verify: {mv_s / ours_s:.1f}x (target >= {target:g}x); agreement: {agree:.1%}")
    only_mv = sum(a and not b for a, b in zip(mv, ours))
    only_ours = sum(b and not a for a, b in zip(mv, ours))
    print(f"  correct only for Math-Verify: {only_mv}; correct only for ours: {only_ours}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, default=1, help="CPU cores for each contender (pinned)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N pairs (0: all)")
    args = ap.parse_args()
    cores = sorted(os.sched_getaffinity(0))[: args.cores]
    os.sched_setaffinity(0, cores)
    import math_verify  # noqa: F401 - imports happen before either clock starts

    import verifiers.math  # noqa: F401

    print(f"data: {DATA}; each contender pinned to cores {cores}; both run on the same pairs")
    report("GSM8K-shaped", build_gsm8k_pairs(args.limit), cores, target=3)
    report("MATH-shaped", build_pairs(args.limit), cores, target=5)

if __name__ == "__main__":
    main()
