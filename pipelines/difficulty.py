"""`kind: difficulty` job: label a problem set by sampling a model on it (docs/rollout.md).

    python -m pipelines.run configs/difficulty.yaml

Reads problems (any `filters.problems` ingest format, e.g. the problems job's Parquet), samples each
`thresholds.n_samples` times on the configured backend through `synth.rollout.RolloutEngine` (early
termination on), grades (math: `verifiers.math`; code: `verifiers.code` on the problem's tests) and
writes, under `output_dir`:

- `results.jsonl`: one line per problem as its label is final (id, label, pass_rate, passes,
  samples_used, test_pass_rates, errors). Appended and flushed line by line: a killed run resumes
  and skips the problems already there (a torn last line is dropped).
- `labels.jsonl`: every problem with the labels as columns (plus `test_levels` / `test_level_cuts`
  for code, clustered over this run's per-test pass rates and those of `level_runs`).
- `verl.parquet`: verl's RL layout (`data_source`, `prompt` as chat messages, `ability`,
  `reward_model` {style: rule, ground_truth}, `extra_info`) with the labels as extra columns.
- `summary.json`: counts per label, samples, engine metrics.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from core.config import ConfigError, ConfigPath, StrictModel
from core.io import atomic_path, atomic_write_text
from filters.problems.backends import judge_tests
from filters.problems.ingest import FORMATS, IngestError, read_problems
from synth.backends import BackendConfig, Message, SamplingParams, load_backend
from synth.rollout import ProblemResult, RolloutEngine, RolloutProblem
from verifiers.difficulty import Thresholds, cluster_test_levels

log = logging.getLogger(__name__)

__all__ = ["Config", "InputSpec", "LevelSettings", "run", "read_results", "export"]


class InputSpec(StrictModel):
    path: ConfigPath
    source: str | None = None
    format: Literal[FORMATS] = "auto"  # type: ignore[valid-type]
    limit: int | None = Field(default=None, ge=1)


class LevelSettings(StrictModel):
    n_levels: int = Field(3, ge=1)
    method: Literal["kmeans", "cuts"] = "kmeans"
    cuts: list[float] = [0.65, 0.25]


class Config(StrictModel):
    input: InputSpec
    model: BackendConfig
    output_dir: ConfigPath
    prompt_template: str = "{statement}"  # the user message; `{statement}` is the problem text
    sampling: SamplingParams = SamplingParams(temperature=1.0, max_tokens=1024)
    math_thresholds: Thresholds = Thresholds(keep_max_passes=14)
    code_thresholds: Thresholds = Thresholds(keep_max_passes=15)
    early_stop: bool = True  # per-test pass rates for code levels are sharper with it off
    max_in_flight: int = Field(64, ge=1)
    max_in_flight_per_problem: int | None = Field(4, ge=1)
    reward_workers: int = Field(2, ge=1)
    seed: int = 0
    levels: LevelSettings = LevelSettings()
    level_runs: list[ConfigPath] = []  # results.jsonl of other models' runs on the same set (test levels)


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """The per-problem results of a (possibly killed) run; a torn last line is cut off the file."""
    out: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return out
    good = 0
    with open(path, "rb") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                break
            if not line.endswith(b"\n"):
                break
            out[rec["id"]] = rec
            good += len(line)
    if good != path.stat().st_size:
        log.warning("%s: dropping a torn last line", path)
        with open(path, "r+b") as f:
            f.truncate(good)
    return out


def _problem(row: dict[str, Any], template: str) -> RolloutProblem:
    text = template.format(statement=row["statement"])
    gold: Any = row.get("answer") if row["domain"] == "math" else judge_tests(row)
    return RolloutProblem(row["id"], gold=gold, messages=(Message(role="user", content=text),), domain=row["domain"])


def _ground_truth(row: dict[str, Any]) -> str:
    if row["domain"] == "math":
        return row.get("answer") or ""
    return json.dumps({"inputs": row.get("test_inputs"), "outputs": row.get("test_outputs"),
                       "fn_name": row.get("fn_name"), "test_code": row.get("test_code"),
                       "test_format": row.get("test_format")})


def export(rows: list[dict[str, Any]], results: dict[str, dict[str, Any]], out: Path,
           settings: LevelSettings, other_runs: list[dict[str, dict[str, Any]]], template: str) -> list[dict]:
    """labels.jsonl and verl.parquet (atomic writes); returns the label rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    labelled = []
    for row in rows:
        res = results.get(row["id"])
        if res is None:
            continue
        rec = {"id": row["id"], "source": row.get("source"), "domain": row["domain"], "statement": row["statement"],
               "answer": row.get("answer"), "label": res["label"], "pass_rate": res["pass_rate"],
               "passes": res["passes"], "samples_used": res["samples_used"],
               "test_pass_rates": res.get("test_pass_rates"), "test_levels": None, "test_level_cuts": None}
        rates = [r for r in [res.get("test_pass_rates")] + [o.get(row["id"], {}).get("test_pass_rates")
                                                             for o in other_runs] if r]
        if rates and len({len(r) for r in rates}) == 1:
            lv = cluster_test_levels(rates, settings.n_levels, settings.method, settings.cuts)
            rec["test_levels"], rec["test_level_cuts"] = lv.levels, lv.cuts
        labelled.append(rec)
    with atomic_path(out / "labels.jsonl") as tmp:
        tmp.write_text("".join(json.dumps(r) + "\n" for r in labelled), encoding="utf-8")
    table = pa.Table.from_pylist([{
        "data_source": r["source"] or "unknown",
        "prompt": [{"role": "user", "content": template.format(statement=r["statement"])}],
        "ability": r["domain"],
        "reward_model": {"style": "rule", "ground_truth": _ground_truth(row)},
        "extra_info": {"index": r["id"]},
        "label": r["label"], "pass_rate": r["pass_rate"], "samples_used": r["samples_used"],
        "test_levels": r["test_levels"],
    } for r, row in zip(labelled, [x for x in rows if x["id"] in results])])
    with atomic_path(out / "verl.parquet") as tmp:
        pq.write_table(table, tmp)
    return labelled


def run(config: Config, config_path: Path | str | None = None, *, verbose: bool = False, backend: Any = None) -> dict:
    """Label the input; `backend`: an already started `synth.backends.Backend` for `config.model`
    (kept open; tests and notebooks share one engine), else one is loaded and closed here."""
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = config.input
    try:
        rows = read_problems(spec.path, spec.source or Path(spec.path).name.split(".")[0], spec.format, spec.limit)
    except IngestError as exc:
        raise ConfigError(f"{config_path or 'config'}: key `input.path`: {exc}") from exc
    rows = [r for r in rows if r.get("kept", True) is not False and r.get("statement")]
    results_path = out / "results.jsonl"
    done = read_results(results_path)
    todo = [r for r in rows if r["id"] not in done]
    log.info("difficulty: %d problems, %d done before, %d to label", len(rows), len(done), len(todo))
    metrics: dict[str, Any] = {}
    if todo:
        own = backend is None
        backend = backend or load_backend(config.model)
        try:
            with open(results_path, "a", encoding="utf-8") as sink:
                def write(result: ProblemResult) -> None:
                    rec = result.to_dict()
                    rec.pop("rewards", None)
                    sink.write(json.dumps(rec) + "\n")
                    sink.flush()
                    os.fsync(sink.fileno())
                    done[rec["id"]] = rec

                for domain, th in (("math", config.math_thresholds), ("code", config.code_thresholds)):
                    part = [_problem(r, config.prompt_template) for r in todo if r["domain"] == domain]
                    if not part:
                        continue
                    with RolloutEngine(backend, thresholds=th, sampling=config.sampling, seed=config.seed,
                                       max_in_flight=config.max_in_flight, early_stop=config.early_stop,
                                       max_in_flight_per_problem=config.max_in_flight_per_problem,
                                       reward_workers=config.reward_workers) as engine:
                        report = asyncio.run(engine.run(part, on_result=write))
                    metrics[domain] = report.metrics.to_dict()
        finally:
            if own:
                backend.close()
    others = [read_results(Path(p)) for p in config.level_runs]
    labelled = export(rows, done, out, config.levels, others, config.prompt_template)
    counts: dict[str, int] = {}
    for r in labelled:
        counts[str(r["label"])] = counts.get(str(r["label"]), 0) + 1
    summary = {"problems": len(rows), "labelled": len(labelled), "labels": counts,
               "samples": sum(r["samples_used"] for r in labelled), "resumed": len(rows) - len(todo),
               "metrics": metrics, "labels_jsonl": str(out / "labels.jsonl"), "verl_parquet": str(out / "verl.parquet")}
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=1))
    if verbose:
        print(json.dumps(summary, indent=1))
    return summary
