"""The arithmetic curriculum: 1-, 2- and 3-digit sums and products with a fixed train/held-out split.

Tier `d` holds `a+b` and `a*b` with both operands of exactly `d` digits (tier 1: 0-9). Answers are
plain integers, which `verifiers.math.grade` checks. Whether an item is held out is a pure function
of its text (a hash), so every caller — training, tests, the bench — agrees on the split without
sharing state, and the split does not move when sampling weights change.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

__all__ = ["Item", "TIERS", "OPS", "TRAIN_WEIGHTS", "is_held_out", "held_out", "sample_train", "all_items"]

TIERS = (1, 2, 3)
OPS = ("+", "*")
HELD_OUT_PERCENT = 10  # of every (tier, op) cell

# Training mix per (tier, op). 2-digit sums get the most weight: learnable in a few CPU minutes, so
# the model is right on easy items, sometimes right on the middle tier and ~never on the hardest —
# the graded difficulty that difficulty labels and early termination need.
TRAIN_WEIGHTS: dict[tuple[int, str], float] = {
    (1, "+"): 0.15, (1, "*"): 0.15,
    (2, "+"): 0.40, (2, "*"): 0.10,
    (3, "+"): 0.10, (3, "*"): 0.10,
}


@dataclass(frozen=True)
class Item:
    question: str  # "12+7"
    answer: str  # "19"
    tier: int
    op: str

    @property
    def id(self) -> str:
        return f"t{self.tier}/{self.question}"


def _operand_range(tier: int) -> range:
    return range(0, 10) if tier == 1 else range(10 ** (tier - 1), 10**tier)


def make_item(a: int, op: str, b: int, tier: int) -> Item:
    value = a + b if op == "+" else a * b
    return Item(f"{a}{op}{b}", str(value), tier, op)


def is_held_out(question: str) -> bool:
    digest = hashlib.sha256(question.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def all_items(tier: int, op: str) -> list[Item]:
    """Every item of a cell (for tier 3, 810,000 of them: use `held_out`/`sample_train`)."""
    r = _operand_range(tier)
    return [make_item(a, op, b, tier) for a in r for b in r]


def held_out(tier: int, op: str, k: int | None = None, seed: int = 0) -> list[Item]:
    """Up to `k` held-out items of a cell, in a fixed order (all of them when k is None)."""
    rng = random.Random(f"held-out/{tier}/{op}/{seed}")
    r = _operand_range(tier)
    if k is None or len(r) ** 2 <= 20_000:
        items = [it for it in all_items(tier, op) if is_held_out(it.question)]
        rng.shuffle(items)
        return items if k is None else items[:k]
    out: list[Item] = []
    seen: set[str] = set()
    while len(out) < k:
        it = make_item(rng.choice(r), op, rng.choice(r), tier)
        if it.question not in seen and is_held_out(it.question):
            seen.add(it.question)
            out.append(it)
    return out


def sample_train(n: int, seed: int, weights: dict[tuple[int, str], float] | None = None) -> list[Item]:
    """`n` training items drawn (with replacement) from the cells by weight; never a held-out item."""
    weights = weights or TRAIN_WEIGHTS
    rng = random.Random(f"train/{seed}")
    cells = list(weights)
    cum = [weights[c] for c in cells]
    out: list[Item] = []
    while len(out) < n:
        tier, op = rng.choices(cells, weights=cum)[0]
        r = _operand_range(tier)
        it = make_item(rng.choice(r), op, rng.choice(r), tier)
        if not is_held_out(it.question):
            out.append(it)
    return out
