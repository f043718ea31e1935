"""clean() end to end in process: every step's verdicts, with the real grader and the real code judge."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import pytest

from tests.conftest import require_or_skip
from filters.decontam import BenchmarkIndex
from filters.problems.ingest import read_problems
from filters.problems.clean import Steps, clean
from filters.problems.report import build_report, format_table
from filters.problems.rules import JudgeVerdict
from core.records.problem import new_problem, to_table


class KeywordJudge:
    """A stand-in LLM judge for the hook: flags problems that ask to "argue", has no opinion otherwise."""

    calls: list[int] = []

    def __call__(self, problems: Sequence[Mapping[str, Any]]) -> list[JudgeVerdict | None]:
        KeywordJudge.calls.append(len(problems))
        return [JudgeVerdict(True, False, "asks for an argument") if "argue" in p["statement"].lower() else None
                for p in problems]


def _math(i: str, statement: str, answer: str | None) -> dict:
    return new_problem(id=f"m/{i}", source="m", domain="math", statement=statement, answer=answer)


def _code(i: str, statement: str, **kw: Any) -> dict:
    return new_problem(id=f"c/{i}", source="c", domain="code", statement=statement, language="python", **kw)


def _sandbox_ok() -> bool:
    try:
        from verifiers.code import sandbox_problem
    except ImportError:
        return False
    return sandbox_problem() is None


@pytest.fixture(scope="module")
def gsm(shared_data: Path) -> list[dict]:
    return read_problems(shared_data / "math/gsm8k_test.jsonl", "gsm8k", limit=50)


def test_every_step_records_its_verdict(gsm: list[dict]) -> None:
    require_or_skip(_sandbox_ok(), "the code judge's sandbox (bubblewrap) is not usable here")
    bench = BenchmarkIndex().add_all((r["id"], r["statement"]) for r in gsm)
    swapped = re.sub(r"\d+", lambda m: str(int(m.group()) * 3 + 1), gsm[3]["statement"])
    add_mbpp = "def add(a, b):\n    return a + b\n"
    rows = [
        _math("ok", "A train travels 60 miles in 1.5 hours. What is its average speed in miles per hour?", "40"),
        _math("proof", "Prove that the square root of 2 is irrational.", None),
        _math("mc", "What is 2+3? (A) 4 (B) 5 (C) 6 (D) 7", "B"),
        _math("judge", "Argue whether a greedy coloring of any planar graph uses at most 6 colours.", "6"),
        _math("nogold", "How many primes are there below 100 that end in the digit 3?", None),
        _math("two", "Solve $x^2 - 5x + 6 = 0$ for the larger root please.", "2 or 3"),
        _math("prose", "Construct a regular pentagon with compass and straightedge, starting from a circle.", "see the figure below for the construction"),
        _math("broken", "Compute the value of the continued fraction given in the figure.", "\\frac{1}{"),
        _math("swapped", swapped, "7"),
        _math("dupA", "A farmer has 17 cows and 23 sheep in a large green field near the old mill. How many animals does the farmer have?", "40"),
        _math("dupB", "A farmer has 17 cows and 23 sheep in a large green field near the old mill. How many animals does this farmer have?", "40"),
        _code("notests", "Print hello.", reference_solution="print('hello')"),
        _code("nofn", "Add two numbers.", test_format="call", test_inputs=["[1, 2]"], test_outputs=["3"]),
        _code("good", "Write add(a, b).", test_format="assert", test_code="assert add(1, 2) == 3\nassert add(-1, 1) == 0\n",
              fn_name="add", reference_solution=add_mbpp),
        _code("bad", "Write mul(a, b) that multiplies.", test_format="assert", test_code="assert mul(2, 3) == 6\n",
              reference_solution="def mul(a, b):\n    return a + b\n"),
        _code("stdio", "Read n and print n squared.", test_format="stdio", test_inputs=["3\n", "10\n"],
              test_outputs=["9\n", "100\n"], reference_solution="n = int(input())\nprint(n * n)\n"),
        _code("call", "Return the maximum of a list.", test_format="call", fn_name="biggest",
              test_inputs=[json.dumps([[1, 5, 2]]), json.dumps([[-3]])], test_outputs=["5", "-3"],
              reference_solution="def biggest(xs):\n    return max(xs)\n"),
        _code("spj", "Print any root of x^2=4.", test_format="stdio", test_inputs=["\n"], test_outputs=["2\n"],
              special_judge=True, reference_solution="print(-2)\n"),
        _code("noref", "Print the sum of two integers on one line.", test_format="stdio", test_inputs=["1 2\n"], test_outputs=["3\n"]),
    ]
    steps = Steps.model_validate({"proof_mc": {"llm_judge": f"{__name__}:KeywordJudge"}})
    KeywordJudge.calls.clear()
    out, timings = clean(rows, steps, bench, chunk_size=7)
    by = {r["id"].split("/", 1)[1]: r for r in out}
    verdict = {k: (r["drop_step"], r["drop_reason"]) for k, r in by.items()}
    assert verdict == {
        "ok": (None, None),
        "proof": ("proof_mc", "proof"),
        "mc": ("proof_mc", "multiple_choice"),
        "judge": ("proof_mc", "proof"),
        "nogold": ("gold_answer", "no_gold"),
        "two": ("gold_answer", "not_single_answer"),
        "prose": ("gold_answer", "free_form_answer"),
        "broken": ("gold_answer", "gold_unparseable"),
        "swapped": ("decontaminate", "contaminated"),
        "dupA": (None, None),
        "dupB": ("dedup", "near_duplicate"),
        "notests": ("code_tests", "no_tests"),
        "nofn": ("code_tests", "bad_tests"),
        "good": (None, None),
        "bad": ("reference_solution", "reference_fails"),
        "stdio": (None, None),
        "call": (None, None),
        "spj": (None, None),  # special judge: exact comparison would be wrong, so not judged
        "noref": (None, None),  # no reference solution: nothing to check (tests exist)
    }
    assert [r["id"] for r in out] == [r["id"] for r in rows]  # input order kept
    assert by["judge"]["proof_mc_by"] == "llm_judge" and by["proof"]["proof_mc_by"] == "rules"
    assert sum(KeywordJudge.calls) == 9  # asked only about the math rows the rules kept
    assert by["swapped"]["contaminated_by"] == gsm[3]["id"] and by["swapped"]["contamination_test"] in ("ngram", "masked_exact")
    assert by["dupB"]["duplicate_of"] == "m/dupA"
    assert by["ok"]["gold_extracted"] == "40" and by["ok"]["is_proof"] is False
    assert (by["good"]["reference_passed"], by["good"]["reference_total"]) == (1, 1)
    assert by["bad"]["reference_passed"] == 0 and "passed 0/1" in by["bad"]["drop_detail"]
    assert (by["stdio"]["reference_passed"], by["call"]["reference_passed"]) == (2, 2)
    assert by["spj"]["reference_total"] is None
    # Later steps do not touch rows an earlier step dropped.
    assert by["proof"]["gold_extracted"] is None and by["nogold"]["contaminated_by"] is None
    assert to_table(out).num_rows == len(rows)
    report = build_report(out, timings)
    assert report["kept"] == 7 and report["dropped_by_reason"]["gold_answer/not_single_answer"] == 1
    assert report["by_source"]["c"]["dropped"] == {"code_tests/no_tests": 1, "code_tests/bad_tests": 1,
                                                   "reference_solution/reference_fails": 1}
    table = format_table(report)
    assert "reference_solution/reference_fails" in table and table.splitlines()[-1].startswith("ALL")


def test_steps_can_be_switched_off(gsm: list[dict]) -> None:
    rows = [_math("p", "Prove that 1 = 1.", None), _math("q", gsm[0]["statement"], "18")]
    bench = BenchmarkIndex().add_all((r["id"], r["statement"]) for r in gsm)
    steps = Steps.model_validate({"proof_mc": False, "gold_answer": False, "decontaminate": False, "dedup": False,
                                  "reference_solution": False})
    out, _ = clean(rows, steps, bench)
    assert all(r["kept"] for r in out)


def test_judge_with_wrong_count_is_an_error() -> None:
    steps = Steps.model_validate({"proof_mc": {"llm_judge": f"{__name__}:_bad_judge"}, "gold_answer": False})
    with pytest.raises(RuntimeError, match="0 verdicts for 1 problems"):
        clean([_math("x", "What is 1+1?", "2")], steps, None)


def _bad_judge() -> Any:
    return lambda problems: []
