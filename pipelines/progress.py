"""Per-stage reports from datatrove's merged stats, and the end-of-run summary."""
from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from datatrove.pipeline.base import PipelineStep

# Stat keys that mean "a document (or record) was lost here, for this reason".
# ("failed_<rule>" counts are tags, not losses: in tag mode those documents are kept.)
# `skipped_*` and `file_error` are what readers counted before unreadable records became rows of
# rejected/read (filters.readers); they are kept for outputs written then.
_LOSS_PREFIXES = ("dropped_", "skipped_")
_LOSS_KEYS = {"timeout", "broken_process", "clean_error", "file_error"}


def _unnamed_drop(step_name: str) -> str:
    """Loss key for a step that counts only `dropped` (no reason): dedup filters, an extractor
    that returned no text."""
    n = step_name.upper()
    return "duplicate" if "DEDUP" in n else "extraction_empty" if "EXTRAC" in n else "dropped"


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
    def unaccounted(self) -> int:
        """Documents in that are neither out nor a counted loss (0 when the row adds up)."""
        return self.docs_in - self.docs_out - sum(self.reasons.values()) if self.docs_in else 0

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
    """The stage's stats over every completed task, from the per-task files (`stats/<rank>.json`,
    written before the task's completion marker). Not datatrove's merged `stats.json`: a resumed
    run rewrites it with only the tasks it ran itself, and a full disk can leave it cut short."""
    done = {p.name for p in (log_dir / "completions").iterdir()} if (log_dir / "completions").is_dir() else set()
    steps: list[dict] = []
    for f in sorted((log_dir / "stats").glob("*.json")):
        if f.stem not in done:
            continue  # a task that did not finish: its stats (if any) are not part of the output
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
        stats = step.get("stats", {})
        for k, v in stats.items():
            if k.startswith(_LOSS_PREFIXES) or k in _LOSS_KEYS:
                report.reasons[k] = report.reasons.get(k, 0) + int(_value(v))
        if "dropped" in stats and not any(k.startswith("dropped_") for k in stats):
            key = _unnamed_drop(step.get("name", ""))
            report.reasons[key] = report.reasons.get(key, 0) + int(_value(stats["dropped"]))
    return report


def print_summary(reports: list[StageReport], elapsed: float, output_dir: str, stream=sys.stderr, *,
                  kept: int | None = None) -> dict:
    """The end-of-run table; `kept`: documents in the published shards (counted on disk; default:
    the last stage's output count)."""
    width = max((len(r.name) for r in reports), default=5)
    records_read = reports[0].docs_in if reports else 0
    print(f"\n{records_read} records read; per stage, docs in = docs out + each loss:", file=stream)
    print(f"{'stage':<{width}}  {'docs in':>9}  {'docs out':>9}  {'seconds':>8}  {'docs/s':>9}  {'adds up':>7}  losses", file=stream)
    for r in reports:
        secs = f"{r.seconds:8.1f}" if r.seconds is not None else f"{'-':>8}"
        rate = f"{r.docs_per_second:9.1f}" if r.docs_per_second else f"{'-':>9}"
        check = "yes" if not r.unaccounted else f"{r.unaccounted:+d}"
        lost = ", ".join(f"{k}={v}" for k, v in sorted(r.reasons.items(), key=lambda kv: -kv[1]))
        print(f"{r.name:<{width}}  {r.docs_in:>9}  {r.docs_out:>9}  {secs}  {rate}  {check:>7}  {lost}", file=stream)
    if kept is None:
        kept = reports[-1].docs_out if reports else 0
    print(f"\n{kept} documents kept in {output_dir}/documents, {elapsed:.1f}s in all", file=stream)
    print(f"inspect: python -m pipelines.stats {output_dir}", file=stream, flush=True)
    return {
        "output_dir": output_dir,
        "records_read": records_read,
        "documents_kept": kept,
        "seconds": round(elapsed, 2),
        "stages": [
            {"stage": r.name, "docs_in": r.docs_in, "docs_out": r.docs_out, "seconds": r.seconds, "losses": r.reasons,
             "unaccounted": r.unaccounted}
            for r in reports
        ],
    }


class DocumentCounter(PipelineStep):
    """Passes documents on unchanged and keeps `<folder>/<rank>.json` = {docs, bytes} up to date
    (at most every `every_s` seconds): documents seen, and bytes of input behind them (finished
    files plus the offset of the current WARC record). The stage's progress bar adds the ranks
    up; datatrove's own stats arrive only when a task ends, which on one big WARC is hours."""

    name = "📈 progress"
    type = "📊 - STATS"

    def __init__(self, folder: str, every_s: float = 0.5):
        super().__init__()
        self.folder, self.every_s = folder, every_s

    def run(self, data, rank: int = 0, world_size: int = 1):
        import os
        import time

        path = Path(self.folder) / f"{rank:05d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        docs, done, offset, current, last = 0, 0, 0, None, 0.0

        def flush() -> None:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps({"docs": docs, "bytes": done + offset}))
            os.replace(tmp, path)

        flush()
        for doc in data:
            docs += 1
            source = doc.metadata.get("file_path")
            if source != current:
                done += _local_size(current)
                current, offset = source, 0
            offset = doc.metadata.get("source_offset") or offset
            now = time.monotonic()
            if now - last >= self.every_s:
                flush()
                last = now
            yield doc
        done, offset = done + _local_size(current), 0
        flush()


def _local_size(path: str | None) -> int:
    import os

    try:
        return os.path.getsize(path) if path and "://" not in path else 0
    except OSError:
        return 0


def _read_counters(folder: Path) -> tuple[int, int]:
    docs = size = 0
    for f in folder.glob("*.json"):
        try:
            c = json.loads(f.read_text())
        except (OSError, ValueError):
            continue  # replaced while being read: counted at the next poll
        docs, size = docs + c["docs"], size + c["bytes"]
    return docs, size


def _report_progress(name: str, log_dir: Path, tasks: int, poll: float, fd: int, counters: Path | None,
                     total_docs: int | None, total_bytes: int | None) -> None:
    """Loop of the progress process: one bar on `fd` (a terminal; nothing otherwise) until terminated.
    The bar counts input bytes when their total is known (the first stage), else documents when
    their total is known (stages reading an intermediate folder), else tasks."""
    import os
    import time

    from core.progress import bar

    out = open(fd, "w", closefd=False)
    if not os.isatty(fd):
        return
    start = time.monotonic()
    if counters is not None and total_bytes:
        b = bar(total_bytes, name, "B", file=out, unit_scale=True)
    elif counters is not None and total_docs:
        b = bar(total_docs, name, "doc", file=out)
    else:
        b = bar(tasks, name, "task", file=out)
    import signal

    def stop(*_):
        # The stage ended: draw its final counts (a stage shorter than a few polls would otherwise
        # end on its first state), then wipe the bar's line and leave the terminal to the summary.
        draw()
        b.close()
        out.flush()
        os._exit(0)

    def draw() -> None:
        d = log_dir / "completions"
        done_tasks = len(list(d.iterdir())) if d.is_dir() else 0
        docs, size = _read_counters(counters) if counters is not None else (0, 0)
        rate = docs / max(time.monotonic() - start, 1e-9)
        if counters is not None and total_bytes:
            b.n = min(size, total_bytes)
            b.set_postfix_str(f"{docs:,} docs, {rate:,.1f} docs/s, tasks {done_tasks}/{tasks}", refresh=False)
        elif counters is not None and total_docs:
            b.n = min(docs, total_docs)
            b.set_postfix_str(f"tasks {done_tasks}/{tasks}", refresh=False)
        else:
            b.n = done_tasks
        b.refresh()

    signal.signal(signal.SIGTERM, stop)
    wait = min(poll, 0.1)
    while True:
        time.sleep(wait)
        draw()
        wait = min(poll, 2 * wait)  # first states drawn early (a short stage shows its progress too)


class quiet_stage:
    """Runs a stage with the engine's stderr (datatrove's per-task log blocks, also kept in the
    stage's logs/ folder) captured to `<log_dir>/stderr.log`, while a separate process draws a
    progress bar on a terminal (input bytes or documents, with rate and ETA, from the stage's
    `DocumentCounter` files in `counters`; tasks when the stage has none). Warnings and errors
    from the capture are echoed at the end. `enabled=False` (the runner's `--verbose`) leaves
    stderr alone.

    The reporter is a process, not a thread: with workers=1 datatrove runs tasks in this process,
    and its extractor sandbox forks; forking while another thread may hold a lock can deadlock
    the child."""

    def __init__(self, name: str, log_dir: str, tasks: int, poll_seconds: float = 0.5, *, enabled: bool = True,
                 counters: str | Path | None = None, total_docs: int | None = None, total_bytes: int | None = None):
        self.name, self.log_dir, self.tasks, self.poll = name, Path(log_dir), tasks, poll_seconds
        self.counters = Path(counters) if counters is not None else None
        self.total_docs, self.total_bytes = total_docs, total_bytes
        self.enabled = enabled
        # Where the stage's stderr goes (None when not captured): workers forked before the stage
        # started send their stderr there themselves (pipelines.executors.StagePool.run).
        self.capture_path = str(self.log_dir / "stderr.log") if enabled else None

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
            target=_report_progress,
            args=(self.name, self.log_dir, self.tasks, self.poll, self._saved, self.counters, self.total_docs, self.total_bytes),
            daemon=True,
        )
        self._reporter.start()
        return self

    def __exit__(self, exc_type=None, exc=None, tb=None):
        import os

        if not self.enabled:
            return False
        self._reporter.terminate()
        self._reporter.join()
        try:
            sys.stderr.flush()
        except OSError:  # the capture sits on the output disk, which may be full
            pass
        os.dup2(self._saved, 2)
        os.close(self._saved)
        with contextlib.suppress(OSError):
            self._capture.close()
        if exc_type is not None and issubclass(exc_type, OSError):
            return False  # the job reports the error in one message; the capture may be cut short
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
