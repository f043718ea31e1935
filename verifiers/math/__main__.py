"""CLI: python -m verifiers.math grade IN.jsonl -o OUT.jsonl [--workers N] [--timeout S]

Input rows: {"id": ..., "gold": str, "response": str}. Output rows: the id plus
correct/status/extracted/reason, one per input line, in input order. A malformed line (bad
JSON, missing field, non-string) is written with status "unparseable" and a "bad row" reason;
the batch never stops. The output is written to a temporary file and renamed at the end.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from core.io import atomic_open
from core.progress import bar
from verifiers.math.grader import Grade
from verifiers.math.pool import grade_many


def _read_rows(path: Path) -> tuple[list, list[tuple[str, str]], dict[int, str]]:
    """(ids, pairs, bad) where bad maps row number -> reason; bad rows get placeholder pairs."""
    ids, pairs, bad = [], [], {}
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            row = None
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("row is not a JSON object")
                missing = [k for k in ("gold", "response") if k not in row]
                if missing:
                    raise ValueError(f"missing field(s) {', '.join(missing)}")
                gold, response = row["gold"], row["response"]
                if isinstance(gold, (int, float)) and not isinstance(gold, bool):
                    gold = str(gold)  # numeric golds in JSON ("answer": 27.0) are still answers
                if not isinstance(gold, str) or not isinstance(response, str):
                    raise ValueError("gold and response must be strings")
                ids.append(row.get("id", n))
                pairs.append((gold, response))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                bad[len(ids)] = f"bad row (line {n + 1}): {exc}"
                ids.append(row.get("id") if isinstance(row, dict) else None)
                pairs.append(("", ""))
    return ids, pairs, bad


def _grade_file(args) -> int:
    src, dst = Path(args.input), Path(args.output)
    if not src.is_file():
        print(f"error: input file {src} does not exist", file=sys.stderr)
        return 2
    ids, pairs, bad = _read_rows(src)
    todo = [i for i in range(len(pairs)) if i not in bad]
    start = time.monotonic()
    with bar(len(todo), "grade", "pair") as shown:

        def progress(done: int, total: int) -> None:
            shown.update(done - shown.n)

        graded = grade_many([pairs[i] for i in todo], workers=args.workers, timeout_s=args.timeout, progress=progress)
    verdicts: list[Grade] = [None] * len(pairs)  # type: ignore[list-item]
    for i, g in zip(todo, graded):
        verdicts[i] = g
    for i, why in bad.items():
        verdicts[i] = Grade(False, "unparseable", None, why)

    with atomic_open(dst) as out:
        for row_id, g in zip(ids, verdicts):
            out.write(json.dumps({"id": row_id, **g.to_dict()}, ensure_ascii=False) + "\n")
    counts = collections.Counter(g.status for g in verdicts)
    correct = sum(g.correct for g in verdicts)
    seconds = time.monotonic() - start
    print(
        f"graded {len(verdicts)} rows: {correct} correct; status counts {dict(counts)}; {len(bad)} bad rows; "
        f"{seconds:.1f}s ({len(todo) / max(seconds, 1e-9):,.0f} pairs/s) → {dst}",
        file=sys.stderr,
    )
    for why in list(bad.values())[:10]:
        print(f"  {why}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifiers.math", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade a JSONL file of {id, gold, response} rows")
    g.add_argument("input")
    g.add_argument("-o", "--output", required=True)
    g.add_argument("--workers", type=int, default=None, help="grading processes (default: CPU count)")
    g.add_argument("--timeout", type=float, default=5.0, help="hard limit per pair, seconds")
    args = parser.parse_args(argv)
    return _grade_file(args)


if __name__ == "__main__":
    sys.exit(main())
