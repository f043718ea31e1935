"""Readers of the shared data's ground truth, used by both bench/ and tests/ (neither imports the other)."""
from __future__ import annotations

__all__ = ["walk_ground_truth"]


def walk_ground_truth(node, formulas: list[str], code: list[str]) -> None:
    """Collect formulas and code blocks from an llm-web-kit ground-truth content list."""
    if isinstance(node, list):
        for x in node:
            walk_ground_truth(x, formulas, code)
    elif isinstance(node, dict):
        t = node.get("type") or node.get("t")
        if t == "equation-inline" and isinstance(node.get("c"), str):
            formulas.append(node["c"])
        elif t in ("equation-interline", "equation-inline") and isinstance(node.get("content"), dict):
            formulas.append(node["content"].get("math_content", ""))
        elif t == "code" and isinstance(node.get("content"), dict):
            code.append(node["content"].get("code_content", ""))
        for k, v in node.items():
            if k not in ("raw_content", "html"):
                walk_ground_truth(v, formulas, code)
