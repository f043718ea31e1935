"""GPT-3-style GSM8K solutions: the GSM8K test set's own reference solutions (calculator marks
`<<2*9=18>>` and all) turned into model responses that end the way models end them.

Each reference solution in ../shared/data/math/gsm8k_test.jsonl ends in `#### N`. We cut that line
and end the response with a label models write (`A: N`, `#### N`, `The answer is N.`, `Ans: $N`,
`**Answer:** N,NNN`). The right answer must be graded correct in at least 99.5% of them.
Corrupted copies of the same responses must be graded wrong: the final number off by one (the right
number still sits in the last calculator mark), an intermediate result of the solution given as the
answer, and a final line that hedges between the right number and another.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import require_or_skip
from verifiers.math import grade_many

MIN_ACCURACY = 0.995


def _labels(n: str) -> dict[str, str]:
    value = int(n) if re.fullmatch(r"-?\d+", n) else None
    grouped = f"{value:,}" if value is not None else n
    return {
        "A:": f"A: {n}",
        "####": f"#### {n}",
        "The answer is": f"The answer is {n}.",
        "Ans: $": f"Ans: ${grouped}",
        "**Answer:** grouped": f"**Answer:** {grouped}",
    }


@pytest.fixture(scope="module")
def gsm8k(shared_data) -> list[tuple[str, str]]:
    path = shared_data / "math" / "gsm8k_test.jsonl"
    require_or_skip(path.is_file(), f"{path} is absent")
    out = []
    for line in path.read_text().splitlines():
        solution, gold = json.loads(line)["answer"].rsplit("####", 1)
        out.append((solution.rstrip(), gold.strip()))
    assert len(out) == 1319
    return out


def test_reference_solutions_with_model_style_endings_are_correct(gsm8k):
    pairs, kinds = [], []
    for solution, gold in gsm8k:
        for kind, ending in _labels(gold.replace(",", "")).items():
            pairs.append((gold, f"{solution}\n{ending}"))
            kinds.append(kind)
    verdicts = grade_many(pairs, workers=1, timeout_s=10)
    for kind in dict.fromkeys(kinds):
        got = [v for v, k in zip(verdicts, kinds) if k == kind]
        rate = sum(v.correct for v in got) / len(got)
        misses = [(p[1][-120:], v) for p, v, k in zip(pairs, verdicts, kinds) if k == kind and not v.correct]
        assert rate >= MIN_ACCURACY, (kind, rate, misses[:5])
    # The calculator marks were really there and really had to be skipped.
    assert sum("<<" in solution for solution, _ in gsm8k) > 1200


def _intermediate(solution: str, gold: str) -> str | None:
    """A result computed on the way ("<<2*9=18>>18") that is not the final answer."""
    target = float(gold.replace(",", ""))
    for result in re.findall(r"<<[^<>=]*=\s*(-?[\d.]+)>>", solution):
        try:
            if float(result) != target:
                return result
        except ValueError:
            continue
    return None


def test_corrupted_answers_are_wrong(gsm8k):
    pairs, kinds = [], []
    for solution, gold in gsm8k:
        n = gold.replace(",", "")
        other = str(int(n) + 1) if re.fullmatch(r"-?\d+", n) else n + "1"
        pairs.append((gold, f"{solution}\nA: {other}"))
        kinds.append("off by one")
        step = _intermediate(solution, gold)
        if step is not None:
            pairs.append((gold, f"{solution}\nThe answer is {step}."))
            kinds.append("intermediate result")
        pairs.append((gold, f"{solution}\nIt might be {n} or {other}."))
        kinds.append("hedged")
    verdicts = grade_many(pairs, workers=1, timeout_s=10)
    wrongly_correct = [(k, p[0], p[1][-100:], v) for k, p, v in zip(kinds, pairs, verdicts) if v.correct]
    assert wrongly_correct == []
    assert kinds.count("intermediate result") > 1000
    hedged = [v for v, k in zip(verdicts, kinds) if k == "hedged"]
    assert all(v.status == "no_answer" for v in hedged), [v for v in hedged if v.status != "no_answer"][:3]


@pytest.mark.parametrize(
    "gold,response,expected",
    [
        # The example from issue 11: the label used to be read as part of the answer.
        ("18", "…so 2 * 9 = 18 per day\nA: 18", True),
        ("18", "She makes 9 * 2 = $<<9*2=18>>18 every day.\nA: 18", True),
        ("18", "She makes 9 * 2 = $<<9*2=18>>18 every day.\nA: 19", False),
        ("18", "She makes 9 * 2 = $<<9*2=18>>18 every day at the market.", True),  # no label: the last sentence
        ("88", "Altogether, Artie will make $36 + $18 + $34 = $<<36+18+34=88>>88", True),  # prices are not $...$ formulas
        ("34", "So each of them paid $102/3 = $<<102/3=34>>34.", True),
        ("118000", "Hence, his net proceeds is $400 000 - $282 000 = $118 000.", True),
        ("70000", "So he made a profit of 200,000-130,000=$<<200000-130000=70000>>70,000\nA: 70,000", True),
        ("5", "Ans. 5", True),
        ("5", "Ans: 5 apples", True),
        ("5", "> A: 5", True),
    ],
)
def test_gsm8k_shapes(gold, response, expected):
    assert grade_many([(gold, response)], workers=1)[0].correct is expected
