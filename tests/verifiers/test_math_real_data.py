"""Every real gold answer (MATH-500, GSM8K, AIME 2024/2025, AMC 2023) parses and grades correct
against itself, against `\\boxed{gold}`, and wrong against a changed answer."""
from __future__ import annotations

import json

import pytest

from tests.conftest import require_or_skip
from verifiers.math import grade_many, parse_gold

FILES = {
    "math500_test.jsonl": "answer",
    "aime24.jsonl": "answer",
    "aime25.jsonl": "answer",
    "amc23.jsonl": "answer",
    "gsm8k_test.jsonl": "answer",
}


def _gold_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # amc23 stores 27.0
    return str(value)


@pytest.fixture(scope="module")
def golds(shared_data) -> list[tuple[str, str]]:
    out = []
    for name, key in FILES.items():
        path = shared_data / "math" / name
        require_or_skip(path.is_file(), f"{path} is absent")
        for line in path.read_text().splitlines():
            value = json.loads(line)[key]
            if name.startswith("gsm8k"):
                value = value.rsplit("####", 1)[-1].strip()  # GSM8K: worked solution, then "#### 18"
            out.append((name, _gold_text(value)))
    assert len(out) == 500 + 30 + 30 + 40 + 1319
    return out


@pytest.mark.slow
def test_every_gold_parses_and_matches_itself(golds):
    assert [g for _, g in golds if parse_gold(g) is None] == []
    pairs = []
    for _, g in golds:
        pairs.append((g, g))
        pairs.append((g, f"Putting it together, the answer is $\\boxed{{{g}}}$."))
    verdicts = grade_many(pairs, workers=2, timeout_s=10)
    failures = [(p, v) for p, v in zip(pairs, verdicts) if not v.correct]
    assert failures == []


@pytest.mark.slow
def test_integer_golds_reject_off_by_one(golds):
    ints = [g for _, g in golds if g.lstrip("-").isdigit()]
    assert len(ints) > 1000
    pairs = [(g, f"\\boxed{{{int(g) + 1}}}") for g in ints]
    assert not any(v.correct for v in grade_many(pairs, workers=2))
