"""Per-stage reports from datatrove's merged stats, and the end-of-run summary."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Stat keys that mean "a document (or record) was lost here, for this reason".
# ("failed_<rule>" counts are tags, not losses: in tag mode those documents are kept.)
_LOSS_PREFIXES = ("dropped_", "skipped_")
_LOSS_KEYS = {"timeout", "broken_process", "clean_error", "file_error"}


def _value(v) -> float:
    return float(v.get("total", 0)) if isinstance(v, dict) else float(v)


@dataclass
class StageReport:
    name: str
    seconds: float | None
    docs_in: int = 0
    docs_out: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float | None:
        return self.docs_in / self.seconds if self.seconds and self.docs_in else None

    def one_line(self) -> str:
        if not self.docs_in and not self.docs_out:
            return f"done in {self.seconds:.1f}s" if self.seconds is not None else "done"
        rate = f", {self.docs_per_second:,.1f} docs/s" if self.docs_per_second else ""
        secs = f" in {self.seconds:.1f}s" if self.seconds is not None else ""
        lost = ", ".join(f"{k}={v}" for k, v in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:6])
        return f"{self.docs_in} in → {self.docs_out} out{secs}{rate}" + (f" [{lost}]" if lost else "")


def _load_stats(log_dir: Path) -> list[dict]:
    merged = log_dir / "stats.json"
    if merged.is_file():
        return json.loads(merged.read_text())
    # Slurm writes per-rank stats; merge the step lists by position.
    steps: list[dict] = []
    for f in sorted((log_dir / "stats").glob("*.json")):
        for i, step in enumerate(json.loads(f.read_text())):
            if i >= len(steps):
                steps.append({"name": step["name"], "stats": {}})
            for k, v in step.get("stats", {}).items():
                steps[i]["stats"][k] = steps[i]["stats"].get(k, 0) + _value(v)
    return steps


def read_stage_report(name: str, log_dir: str | Path, seconds: float | None) -> StageReport:
    steps = _load_stats(Path(log_dir))
    report = StageReport(name, seconds)
    if not steps:
        return report
    first, last = steps[0]["stats"], steps[-1]["stats"]
    report.docs_in = int(_value(first.get("documents", first.get("total", 0))))
    report.docs_out = int(_value(last.get("total", last.get("forwarded", last.get("documents", 0)))))
    for step in steps:
        for k, v in step.get("stats", {}).items():
            if k.startswith(_LOSS_PREFIXES) or k in _LOSS_KEYS:
                report.reasons[k] = report.reasons.get(k, 0) + int(_value(v))
    return report


def print_summary(reports: list[StageReport], elapsed: float, output_dir: str, stream=sys.stderr) -> dict:
    width = max((len(r.name) for r in reports), default=5)
    print(f"\n{'stage':<{width}}  {'docs in':>9}  {'docs out':>9}  {'seconds':>8}  {'docs/s':>9}  losses", file=stream)
    for r in reports:
        secs = f"{r.seconds:8.1f}" if r.seconds is not None else f"{'-':>8}"
        rate = f"{r.docs_per_second:9.1f}" if r.docs_per_second else f"{'-':>9}"
        lost = ", ".join(f"{k}={v}" for k, v in sorted(r.reasons.items(), key=lambda kv: -kv[1]))
        print(f"{r.name:<{width}}  {r.docs_in:>9}  {r.docs_out:>9}  {secs}  {rate}  {lost}", file=stream)
    kept = reports[-1].docs_out if reports else 0
    print(f"\n{kept} documents kept in {output_dir}/documents, {elapsed:.1f}s in all", file=stream)
    print(f"inspect: python -m pipelines.stats {output_dir}", file=stream, flush=True)
    return {
        "output_dir": output_dir,
        "documents_kept": kept,
        "seconds": round(elapsed, 2),
        "stages": [
            {"stage": r.name, "docs_in": r.docs_in, "docs_out": r.docs_out, "seconds": r.seconds, "losses": r.reasons}
            for r in reports
        ],
    }


def _report_progress(name: str, log_dir: Path, tasks: int, poll: float, fd: int) -> None:
    """Loop of the progress process: prints task completions to `fd` until terminated."""
    import time

    out = open(fd, "w", closefd=False)
    start, last = time.time(), -1
    while True:
        time.sleep(poll)
        d = log_dir / "completions"
        done = len(list(d.iterdir())) if d.is_dir() else 0
        if done != last:
            print(f"      {name}: {done}/{tasks} tasks done, {time.time() - start:.0f}s", file=out, flush=True)
            last = done


class quiet_stage:
    """Runs a stage with the engine's stderr (datatrove's per-task log blocks, also kept in the
    stage's logs/ folder) captured to `<log_dir>/stderr.log`, while a separate process prints task
    progress. Warnings and errors from the capture are echoed at the end. `enabled=False` (the
    runner's `--verbose`) leaves stderr alone.

    The reporter is a process, not a thread: with workers=1 datatrove runs tasks in this process,
    and its extractor sandbox forks; forking while another thread may hold a lock can deadlock
    the child."""

    def __init__(self, name: str, log_dir: str, tasks: int, poll_seconds: float = 2.0, *, enabled: bool = True):
        self.name, self.log_dir, self.tasks, self.poll = name, Path(log_dir), tasks, poll_seconds
        self.enabled = enabled

    def __enter__(self):
        import multiprocessing
        import os

        if not self.enabled:
            return self
        self.log_dir.mkdir(parents=True, exist_ok=True)
        sys.stderr.flush()
        self._saved = os.dup(2)
        self._capture = open(self.log_dir / "stderr.log", "ab")
        os.dup2(self._capture.fileno(), 2)
        ctx = multiprocessing.get_context("fork")
        self._reporter = ctx.Process(
            target=_report_progress, args=(self.name, self.log_dir, self.tasks, self.poll, self._saved), daemon=True
        )
        self._reporter.start()
        return self

    def __exit__(self, *exc):
        import os

        if not self.enabled:
            return False
        self._reporter.terminate()
        self._reporter.join()
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._capture.close()
        notable = []
        for line in (self.log_dir / "stderr.log").read_text(errors="replace").splitlines():
            # A rank with no duplicates has no .remove file: expected, not worth a warning.
            if ("| WARNING" in line or "| ERROR" in line) and "No .remove file" not in line and line not in notable:
                notable.append(line)
        for line in notable[:10]:
            print(f"      {line.split(' - ', 1)[-1][:300]}", file=sys.stderr)
        if len(notable) > 10:
            print(f"      … {len(notable) - 10} more warnings in {self.log_dir}/stderr.log", file=sys.stderr)
        return False
