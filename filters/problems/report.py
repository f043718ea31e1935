"""Outputs of a run: kept/dropped Parquet and the report (counts per reason and per source).

Every file is written to a temporary name and moved into place with os.replace, so a crash never
leaves a half-written file under the final name; the problems job writes them into a staging
folder and publishes them as one set (core.publish).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from core.io import atomic_path
from core.records.problem import to_table


def build_report(rows: list[dict[str, Any]], timings: dict[str, float] | None = None) -> dict[str, Any]:
    by_reason: Counter[str] = Counter()
    per_source: dict[str, dict[str, Any]] = defaultdict(lambda: {"total": 0, "kept": 0, "dropped": Counter()})
    domains: Counter[str] = Counter()
    for r in rows:
        s = per_source[r["source"]]
        s["total"] += 1
        if r["kept"]:
            s["kept"] += 1
            domains[r["domain"]] += 1
        else:
            key = f"{r['drop_step']}/{r['drop_reason']}"
            by_reason[key] += 1
            s["dropped"][key] += 1
    kept = sum(s["kept"] for s in per_source.values())
    return {
        "total": len(rows),
        "kept": kept,
        "dropped": len(rows) - kept,
        "kept_by_domain": dict(sorted(domains.items())),
        "dropped_by_reason": dict(by_reason.most_common()),
        "by_source": {
            name: {"total": s["total"], "kept": s["kept"], "dropped": dict(s["dropped"].most_common())}
            for name, s in per_source.items()
        },
        "seconds": {k: round(v, 3) for k, v in (timings or {}).items()},
    }


def format_table(report: dict[str, Any]) -> str:
    """Sources as rows, drop reasons as columns (plus totals), as fixed-width text."""
    reasons = list(report["dropped_by_reason"])
    head = ["source", "total", "kept", *reasons]
    lines = [head]
    for name, s in report["by_source"].items():
        lines.append([name, str(s["total"]), str(s["kept"]), *(str(s["dropped"].get(k, 0) or "") for k in reasons)])
    lines.append(["ALL", str(report["total"]), str(report["kept"]), *(str(report["dropped_by_reason"][k]) for k in reasons)])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = []
    for n, row in enumerate(lines):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0 or n == len(lines) - 2:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _atomic(path: Path, write: Any) -> None:
    with atomic_path(path) as tmp:
        write(str(tmp))


def write_outputs(rows: list[dict[str, Any]], report: dict[str, Any], out_dir: Path) -> dict[str, str]:
    """kept.parquet, dropped.parquet, report.json under out_dir (atomically); returns their paths."""
    paths = {"kept": out_dir / "kept.parquet", "dropped": out_dir / "dropped.parquet", "report": out_dir / "report.json"}
    kept = to_table([r for r in rows if r["kept"]])
    dropped = to_table([r for r in rows if not r["kept"]])
    _atomic(paths["kept"], lambda p: pq.write_table(kept, p, compression="zstd"))
    _atomic(paths["dropped"], lambda p: pq.write_table(dropped, p, compression="zstd"))
    _atomic(paths["report"], lambda p: Path(p).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8"))
    return {k: str(v) for k, v in paths.items()}
