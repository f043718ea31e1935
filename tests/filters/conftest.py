"""Shared helpers for the extraction tests."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.conftest import require_or_skip


def llmwebkit_page(shared_data: Path, page_id: str) -> tuple[str, list[str], list[str]]:
    """A real page from shared data with its llm-web-kit ground truth: (html, formulas, code
    blocks); skips when the files are absent."""
    from tools.ground_truth import walk_ground_truth

    pages = shared_data / "web" / "math"
    gt_file = pages / "gt" / f"{page_id}.groundtruth.jsonl.gz"
    require_or_skip(gt_file.exists(), f"{gt_file} missing")
    with gzip.open(gt_file, "rt") as fh:
        gt = json.loads(fh.readline())
    formulas: list[str] = []
    code: list[str] = []
    walk_ground_truth(gt["content_list"], formulas, code)
    return (pages / "pages" / f"{page_id}.html").read_text(encoding="utf-8", errors="replace"), formulas, code
